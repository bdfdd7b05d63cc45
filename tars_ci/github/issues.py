"""P0/P1 issues on GitHub: find them again, plan their lifecycle, and carry it out.

Issues are found by the ``tars-ci`` label and the hidden identity marker in their body, on the
issues list endpoint (every page; pull requests, which the endpoint also returns, filtered
out) — never by search (its index lags, so a re-run would not see a fresh issue) and never by
title (people edit titles). The decisions are :mod:`tars_ci.github.lifecycle`'s; this module
only reads state from GitHub and writes the operations, each through
:class:`tars_ci.github.client.GitHubClient` (a creating POST re-checks before it is re-sent).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from tars_ci.errors import GitHubError
from tars_ci.github import bodies, markers
from tars_ci.github.bodies import Links
from tars_ci.github.client import GitHubClient
from tars_ci.github.lifecycle import (
    Decision,
    Episode,
    IssueView,
    Op,
    decide,
    episodes,
    tracked_findings,
)
from tars_ci.github.view import ReleaseReports
from tars_ci.publishers.plan import Step

if TYPE_CHECKING:
    from github.Issue import Issue

log = logging.getLogger("tars_ci.github")
LOOKUP_LABEL = "tars-ci"
LABEL_COLORS = {"P0": "b60205", "P1": "d93f0b", "P2": "fbca04", "P3": "c2e0c6"}


class IssueSettings(NamedTuple):
    """What the spec says about issues, for one release."""

    release_slug: str
    release_name: str
    priorities: tuple[str, ...]
    labels: tuple[str, ...]  # spec labels; LOOKUP_LABEL is always added
    assignees: tuple[str, ...]
    close_after: int

    @property
    def release_label(self) -> str:
        """The release label (GitHub labels hold at most 50 characters)."""
        return f"release/{self.release_slug}"[:50]

    def labels_for(self, priority: str) -> list[str]:
        """Every label an issue of this priority carries."""
        out = [LOOKUP_LABEL]
        for name in (*self.labels, priority_label(priority), self.release_label):
            if name not in out:
                out.append(name)
        return out


def priority_label(priority: str) -> str:
    """The label of a priority."""
    return f"priority/{priority}"


class Tracked(NamedTuple):
    """An issue of this release found on GitHub."""

    issue: Issue
    view: IssueView


def _view(client: GitHubClient, issue: Issue) -> IssueView:
    """Read an issue's events: its body and the comments its author (tars-ci) wrote."""
    author = issue.user.login if issue.user else None
    texts: list[str | None] = [issue.body]
    if issue.comments:
        comments = client.read(f"list comments of #{issue.number}",
                               lambda: list(issue.get_comments()))
        texts += [c.body for c in comments if c.user is not None and c.user.login == author]
    names = tuple(lab.name for lab in issue.labels)
    priority = tuple(sorted(n for n in names if n.startswith("priority/")))
    return IssueView(issue.number, issue.state == "open", issue.state_reason, priority,
                     markers.parse_events(texts), names)


def is_pull(issue: Issue) -> bool:
    """Whether an item of the issues list is a pull request, read from the listed document
    (``issue.pull_request`` is not in an issue's list entry, so PyGithub would fetch every
    issue one by one to learn that it is absent)."""
    return "pull_request" in issue._rawData or "/pull/" in (issue.html_url or "")


def list_marked(client: GitHubClient, settings: IssueSettings) -> dict[str, list[Issue]]:
    """Issues (not pull requests) carrying this release's marker, by finding.

    Two list calls, each one request per 100 issues, neither growing with other releases'
    past: every issue with the release label (open or closed), and the open issues with the
    ``tars-ci`` label. A person removing either label from an open issue therefore does not
    hide it (the next run restores the label); the marker, not the label, decides."""
    found: dict[str, list[Issue]] = {}
    seen: set[int] = set()
    listed = client.read("list tars-ci issues", lambda: list(
        client.repo.get_issues(state="all", labels=[settings.release_label])))
    listed += client.read("list open tars-ci issues", lambda: list(
        client.repo.get_issues(state="open", labels=[LOOKUP_LABEL])))
    for issue in listed:
        if issue.number in seen or is_pull(issue):
            continue
        seen.add(issue.number)
        marker = markers.parse_finding(issue.body)
        if marker and marker[0] == settings.release_slug:
            found.setdefault(marker[1], []).append(issue)
    for group in found.values():
        group.sort(key=lambda i: i.number)  # the oldest is the issue; later ones are strays
    return found


def find_tracked(client: GitHubClient, settings: IssueSettings,
                 finding_ids: Sequence[str]) -> dict[str, Tracked]:
    """The issue of each finding that has one."""
    marked = list_marked(client, settings) if finding_ids else {}
    return {fid: Tracked(marked[fid][0], _view(client, marked[fid][0]))
            for fid in finding_ids if fid in marked}


def _find_issue(client: GitHubClient, settings: IssueSettings,
                finding_id: str) -> Callable[[], Issue | None]:
    def find() -> Issue | None:
        group = list_marked(client, settings).get(finding_id)
        return group[0] if group else None
    return find


def _find_comment(issue: Issue, marker: str) -> Callable[[], Any]:
    def find() -> Any:
        return next((c for c in issue.get_comments() if marker in (c.body or "")), None)
    return find


class IssueRun(NamedTuple):
    """Everything one finding's operations need."""

    decision: Decision
    tracked: Tracked | None


def plan_issues(client: GitHubClient | None, reports: ReleaseReports,
                settings: IssueSettings) -> list[IssueRun]:
    """Decisions for every finding that reached an issue priority, most urgent first."""
    ids = tracked_findings(reports, settings.priorities)
    tracked = find_tracked(client, settings, ids) if client is not None else {}
    runs = []
    for fid in ids:
        eps = episodes(fid, reports, settings.priorities, settings.close_after)
        t = tracked.get(fid)
        if not eps:
            continue
        decision = decide(fid, eps, t.view if t else None,
                          priority_label(eps[-1].last.priority))
        if decision is not None and t is not None and missing_labels(t.view, settings) and \
                not any(op.kind in ("relabel", "reopen") for op in decision.ops):
            decision = decision._replace(ops=(Op("restore_labels"), *decision.ops), reason="")
        if decision is not None:
            runs.append(IssueRun(decision, t))
    order = {p: i for i, p in enumerate(settings.priorities)}
    runs.sort(key=lambda r: order.get(r.decision.priority, 99))
    return runs


def missing_labels(view: IssueView, settings: IssueSettings) -> list[str]:
    """The labels tars-ci finds its issues by that a person removed from an open issue."""
    if not view.open:
        return []
    have = {n.lower() for n in view.labels}
    return [n for n in (LOOKUP_LABEL, settings.release_label) if n.lower() not in have]


def _summary(op: Op, decision: Decision, settings: IssueSettings) -> tuple[str, str]:
    ep, f = decision.episode, decision.episode.last
    days = ", ".join(str(d) for d in op.days)
    return {
        "create": ("open_issue", f"{f.priority} {f.title} (day(s) {days})"),
        "comment_seen": ("comment", f"seen again on day(s) {days}"),
        "relabel": ("relabel", f"priority label → {priority_label(f.priority)}"),
        "comment_cleared": ("comment", (f"clear for {settings.close_after} day(s): "
                                        f"{', '.join(str(d) for d in ep.clear_days[:settings.close_after])}")),
        "close": ("close_issue", "finding cleared"),
        "comment_reopened": ("comment", f"back on day(s) {days}"),
        "reopen": ("reopen_issue", "new episode"),
        "comment_recurred": ("comment", f"seen on day(s) {days} and cleared again"),
        "restore_labels": ("relabel", "restore the labels a person removed"),
    }[op.kind]


def planned_steps(runs: Sequence[IssueRun], settings: IssueSettings) -> list[Step]:
    """The issue steps of a plan, before anything is done."""
    steps = []
    for run in runs:
        d = run.decision
        target = f"#{run.tracked.issue.number}" if run.tracked else "new issue"
        url = run.tracked.issue.html_url if run.tracked else ""
        if not d.ops:
            steps.append(Step("issues", "none", target, f"{d.finding_id}: {d.reason}",
                              "unchanged", url))
        for op in d.ops:
            action, summary = _summary(op, d, settings)
            detail = ",".join(settings.labels_for(d.priority)) if op.kind in (
                "create", "relabel", "reopen") else ""
            if op.kind == "restore_labels" and run.tracked is not None:
                detail = ",".join(missing_labels(run.tracked.view, settings))
            steps.append(Step("issues", action, target, f"{d.finding_id}: {summary}",
                              url=url, detail=detail))
    return steps


def _create_label(client: GitHubClient, name: str) -> None:
    color = LABEL_COLORS.get(name.rsplit("/", 1)[-1],
                             "5319e7" if name == LOOKUP_LABEL else "0e8a16")
    client.create(f"create label {name}",
                  lambda: client.repo.create_label(name, color, "Managed by tars-ci"),
                  lambda: _label(client, name), exists_ok=True)


def _label(client: GitHubClient, name: str) -> Any:
    """The label called ``name``, or None (one GET: the repository's labels are never
    listed, as they grow with every release it has watched)."""
    from github.GithubException import UnknownObjectException

    try:
        return client.repo.get_label(name)
    except UnknownObjectException:
        return None


def ensure_labels(client: GitHubClient, names: Sequence[str],
                  known: Collection[str] = ()) -> list[Step]:
    """Create the labels that do not exist yet (with colours); a concurrent create is fine.

    ``known`` are labels seen on an issue just listed: they exist, and are not looked up."""
    have = {n.lower() for n in known}
    steps = []
    for name in names:
        if name.lower() in have or client.writes_left < 1:
            continue
        if _exists(client, name):
            continue
        _create_label(client, name)
        steps.append(Step("issues", "create_label", name, "label created", "done"))
    return steps


def _exists(client: GitHubClient, name: str) -> bool:
    return client.read(f"read label {name}", lambda: _label(client, name)) is not None


def execute(client: GitHubClient, runs: Sequence[IssueRun], settings: IssueSettings,
            reports: ReleaseReports, links: Links) -> list[Step]:
    """Carry out the operations; stops at the write cap (the rest is deferred) or at the
    first failure (the rest is skipped). Every step is recorded."""
    needed = sorted({lab for r in runs for op in r.decision.ops
                     if op.kind in ("create", "relabel", "reopen", "restore_labels")
                     for lab in settings.labels_for(r.decision.priority)})
    known = {lab for r in runs if r.tracked is not None for lab in r.tracked.view.labels}
    steps = ensure_labels(client, needed, known) if needed else []
    planned = planned_steps(runs, settings)
    failed: str = ""
    i = 0
    for run in runs:
        issue = run.tracked.issue if run.tracked else None
        d = run.decision
        if not d.ops:
            steps.append(planned[i])
            i += 1
            continue
        for op in d.ops:
            step = planned[i]
            i += 1
            if failed:
                steps.append(step.with_status("skipped", detail="after an earlier failure"))
                continue
            if client.writes_left < 1:
                steps.append(step.with_status("deferred", detail="write cap reached; the "
                                              "next run continues"))
                continue
            try:
                issue = _apply(client, op, d, issue, run, settings, reports, links)
                steps.append(step._replace(target=f"#{issue.number}").with_status(
                    "done", url=issue.html_url))
            except GitHubError as exc:
                failed = str(exc)
                steps.append(step.with_status("failed", detail=failed))
    return steps


def _apply(client: GitHubClient, op: Op, d: Decision, issue: Issue | None, run: IssueRun,
           settings: IssueSettings, reports: ReleaseReports, links: Links) -> Issue:
    """One operation; returns the (possibly new) issue."""
    ep: Episode = d.episode
    labels = settings.labels_for(d.priority)
    if op.kind == "create":
        body = bodies.issue_body(settings.release_slug, settings.release_name, ep,
                                 reports.day_path, links, settings.priorities,
                                 settings.close_after)
        new_title = bodies.issue_title(settings.release_name, ep.last)
        return client.create(
            f"open issue for {d.finding_id}",
            lambda: client.repo.create_issue(new_title, body, labels=labels,
                                             assignees=list(settings.assignees)),
            _find_issue(client, settings, d.finding_id))
    assert issue is not None
    if op.kind in ("comment_seen", "comment_cleared", "comment_reopened", "comment_recurred"):
        if op.kind == "comment_seen":
            old = run.tracked.view.priority_labels if run.tracked else ()
            previous = old[0].split("/", 1)[1] if len(old) == 1 else None
            text = bodies.seen_comment(ep, op.days, reports.day_path, links, previous)
        elif op.kind == "comment_cleared":
            text = bodies.cleared_comment(ep, settings.priorities, settings.close_after)
        elif op.kind == "comment_reopened":
            text = bodies.reopened_comment(ep, reports.day_path, links)
        else:
            text = bodies.recurred_comment(ep, reports.day_path, links)
        marker = text.split("\n", 1)[0]
        target = issue
        client.create(f"comment on #{issue.number}", lambda: target.create_comment(text),
                      _find_comment(target, marker))
        return issue
    if op.kind == "restore_labels":
        missing = missing_labels(run.tracked.view, settings) if run.tracked else []
        target = issue
        client.update(f"restore the labels of #{issue.number}",
                      lambda: target.add_to_labels(*missing))
        return issue
    current = [lab.name for lab in issue.labels]
    keep = [n for n in current if not n.startswith("priority/")]
    new_labels = keep + [n for n in labels if n not in keep]
    target = issue
    if op.kind == "relabel":
        client.update(f"relabel #{issue.number}", lambda: target.edit(labels=new_labels))
    elif op.kind == "close":
        client.update(f"close #{issue.number}",
                      lambda: target.edit(state="closed", state_reason="completed"))
    elif op.kind == "reopen":
        client.update(f"reopen #{issue.number}",
                      lambda: target.edit(state="open", labels=new_labels))
    return issue
