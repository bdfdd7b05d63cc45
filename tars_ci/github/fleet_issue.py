"""The fleet issue: one issue per fleet holding its summary, kept up to date.

It is found again like the finding issues — a label (``tars-ci/fleet``) and a hidden marker
on the body's first line, ``<!-- tars-ci:fleet name=config/releases -->``, on the issues list
endpoint — never by title or search: one request per run. When that finds nothing (the
first run, or a person removed the label), every issue is listed once to look for the marker
before one is opened (a one-time cost of one request per 100 issues), and a found issue gets
its labels back: a removed label never makes a second issue. A re-run with the same
histories writes nothing (the body has no timestamp).

The issue is edited in place, open or closed (a person closing it is not undone). GitHub's
REST API cannot pin an issue (pinning is a GraphQL mutation, which tars-ci does not use), so
the body asks people to pin it once.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from tars_ci.errors import PublishError
from tars_ci.github.client import GitHubClient
from tars_ci.github.issues import ensure_labels, is_pull
from tars_ci.github.markdown import BODY_LIMIT, fit, title
from tars_ci.github.plan import Step

if TYPE_CHECKING:
    from github.Issue import Issue

FLEET_LABEL = "tars-ci/fleet"
LABELS = ("tars-ci", FLEET_LABEL)
_MARKER = re.compile(r"<!-- tars-ci:fleet name=(\S+) -->")
_SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-/"
SUMMARY_LIMIT = BODY_LIMIT - 1_000
PIN_NOTE = ("> **Pin this issue** (on its page: **Pin issue** in the right-hand column) so the "
            "fleet is one click from the Issues tab. tars-ci keeps it up to date after every "
            "scheduled run but cannot pin it: GitHub's REST API has no way to pin an issue.")


def fleet_marker(name: str) -> str:
    """The hidden marker of the fleet called ``name``."""
    return f"<!-- tars-ci:fleet name={quote(name, safe=_SAFE)} -->"


def parse_fleet(body: str | None) -> str | None:
    """The fleet name of an issue body's marker, or None."""
    m = _MARKER.search(body or "")
    return unquote(m.group(1)) if m else None


def issue_title(name: str) -> str:
    """The fleet issue's title (constant, so that only the body changes)."""
    return title(f"tars-ci fleet summary: {name}")


def issue_body(name: str, summary: str) -> str:
    """The body: the marker first, the pin note, then the summary (bounded; render the
    summary within :data:`SUMMARY_LIMIT` to keep every row that fits)."""
    return fit(f"{fleet_marker(name)}\n{PIN_NOTE}\n\n{summary}",
               "_The summary is cut here: the fleet workflow's job summary lists every "
               "release._", BODY_LIMIT)


def _marked(issues: list[Any], name: str) -> Any:
    mine = sorted((i for i in issues if not is_pull(i)
                   and parse_fleet(i.body) == name), key=lambda i: i.number)
    return mine[0] if mine else None


def find_fleet_issue(client: GitHubClient, name: str) -> Issue | None:
    """The fleet's issue (the oldest one carrying its marker), or None."""
    labelled = client.read("list fleet issues", lambda: list(
        client.repo.get_issues(state="all", labels=[FLEET_LABEL])))
    found = _marked(labelled, name)
    if found is not None:
        return found
    everything = client.read("list issues (looking for the fleet marker)", lambda: list(
        client.repo.get_issues(state="all")))
    return _marked(everything, name)


def sync_fleet_issue(client: GitHubClient | None, name: str, body: str, *,
                     dry_run: bool) -> list[Step]:
    """Open or update the fleet issue; the steps done (planned in a dry run). Without a
    client only a dry run is possible, and it assumes no issue exists yet."""
    new_title = issue_title(name)
    target = f"fleet {name}"
    try:
        issue = find_fleet_issue(client, name) if client is not None else None
    except PublishError as exc:
        return [Step("issues", "sync", target, "cannot look up the fleet issue", "failed",
                     detail=str(exc))]
    if issue is None:
        step = Step("issues", "open_issue", target, f"{new_title} ({len(body):,} characters)",
                    detail=",".join(LABELS))
        if dry_run or client is None:
            return [step]
        try:
            ensure_labels(client, LABELS)
            created = client.create(
                "open the fleet issue",
                lambda: client.repo.create_issue(new_title, body, labels=list(LABELS)),
                lambda: find_fleet_issue(client, name))
        except PublishError as exc:
            return [step.with_status("failed", detail=str(exc))]
        return [step._replace(target=f"#{created.number}").with_status(
            "done", url=created.html_url)]
    number, url = f"#{issue.number}", issue.html_url
    labels = [lab.name for lab in issue.labels]
    missing = [lab for lab in LABELS if lab not in labels]
    changes = [what for what, differs in (("body", issue.body != body),
                                          ("title", issue.title != new_title),
                                          ("labels", bool(missing))) if differs]
    if not changes:
        return [Step("issues", "none", number, "fleet summary unchanged", "unchanged", url)]
    step = Step("issues", "update_issue", number, f"fleet summary: {', '.join(changes)} "
                                                  f"changed", url=url,
                detail=",".join(missing))
    if dry_run or client is None:
        return [step]
    edit: dict[str, Any] = {"title": new_title, "body": body}
    if missing:
        edit["labels"] = labels + missing
    try:
        client.update(f"update the fleet issue {number}", lambda: issue.edit(**edit))
    except PublishError as exc:
        return [step.with_status("failed", detail=str(exc))]
    return [step.with_status("done")]
