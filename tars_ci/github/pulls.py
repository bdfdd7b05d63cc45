"""The day-7 retrospective pull request, from a fixed branch.

The branch ``tars-ci/retro-<release-slug>`` (or the spec's) gets the retrospective's Markdown
and JSON in one commit on top of its remote tip (fast-forward only, via
:func:`tars_ci.github.history.commit_to_branch`). The pull request is looked up by head branch
on the pulls list endpoint; an open one is updated only when its title or body differ (ticks
a person made in the checklist are kept), a missing one is created (a 422 "already exists"
from a concurrent run is answered by looking it up), and one a person closed without merging
is not recreated. Reviewers are asked until GitHub has accepted each once (the body records
them, :func:`tars_ci.github.markers.reviewers_marker`): a request deferred by the write cap
or refused is sent again by the next run, and nobody is asked twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from tars_ci.errors import GitHubError
from tars_ci.github import bodies, markers
from tars_ci.github.bodies import Links
from tars_ci.github.client import GitHubClient
from tars_ci.github.git import Git
from tars_ci.github.history import commit_to_branch, read_only_branch_check
from tars_ci.github.view import Retro
from tars_ci.publishers.plan import Step

if TYPE_CHECKING:
    from github.PullRequest import PullRequest


DEFERRED = "write cap reached; the next run continues"


class PullSettings(NamedTuple):
    """What the spec says about the retrospective pull request."""

    release_slug: str
    release_name: str
    branch: str
    base: str
    labels: tuple[str, ...]
    reviewers: tuple[str, ...]


def _existing(client: GitHubClient, settings: PullSettings) -> list[PullRequest]:
    """Pull requests from the retro branch into the base, newest first."""
    pulls = client.read("list retrospective pull requests", lambda: list(client.repo.get_pulls(
        state="all", head=f"{client.owner}:{settings.branch}", base=settings.base)))
    return sorted(pulls, key=lambda p: -p.number)


def _open_one(client: GitHubClient, settings: PullSettings) -> PullRequest | None:
    return next((p for p in _existing(client, settings) if p.state == "open"), None)


def sync_pull(client: GitHubClient | None, git: Git, remote: str, retro: Retro,
              settings: PullSettings, base_ref: str, html_url: str, *,
              dry_run: bool) -> list[Step]:
    """Plan (``dry_run``) or carry out the retrospective pull request."""
    files = [retro.md_path, retro.json_path]
    links = Links(html_url, settings.branch)
    pulls = _existing(client, settings) if client is not None else []
    open_pr = next((p for p in pulls if p.state == "open"), None)
    latest = pulls[0] if pulls else None
    title = bodies.retro_title(settings.release_name, retro.days)
    target = f"PR {settings.branch}"
    if open_pr is None and latest is not None and latest.merged_at is None:
        return [Step("pull", "none", f"PR #{latest.number}", "closed without merging by a "
                     "person; not recreated", "skipped", latest.html_url)]
    if dry_run:
        state = read_only_branch_check(git, remote, settings.branch, files)
        steps = [Step("pull", "push_branch", settings.branch,
                      {"absent": "create the branch with the retrospective",
                       "changed": "commit the updated retrospective",
                       "unchanged": "branch already up to date",
                       "unknown": "push the retrospective if it differs"}[state],
                      "unchanged" if state == "unchanged" else "planned")]
        if open_pr is not None:
            asked, missing = missing_reviewers(open_pr, settings)
            body = bodies.retro_body(settings.release_slug, settings.release_name, retro, links,
                                     markers.checked_items(open_pr.body), asked)
            same = open_pr.title == title and (open_pr.body or "") == body
            if missing:
                steps.append(Step("pull", "reviewers", f"PR #{open_pr.number}",
                                  ", ".join(missing)))
            steps.append(Step("pull", "update_pr", f"PR #{open_pr.number}",
                              "up to date" if same and not missing else "update title/body",
                              "unchanged" if same and not missing else "planned",
                              open_pr.html_url))
        elif latest is not None and state == "unchanged":
            steps.append(Step("pull", "none", f"PR #{latest.number}", "merged; nothing new",
                              "unchanged", latest.html_url))
        else:
            steps.append(Step("pull", "open_pr", target, title,
                              detail=",".join(settings.labels)))
        return steps
    assert client is not None
    branch = commit_to_branch(git, remote, settings.branch, base_ref, files,
                              f"tars-ci: {settings.release_name} {retro.days}-day "
                              "retrospective")
    steps = [Step("pull", "push_branch", settings.branch,
                  "committed the retrospective" if branch.changed else "already up to date",
                  "done" if branch.changed else "unchanged")]
    if open_pr is None and latest is not None and not branch.changed:
        return steps + [Step("pull", "none", f"PR #{latest.number}", "merged; nothing new",
                             "unchanged", latest.html_url)]
    pr, created = open_pr, False
    if client.writes_left < 1:
        return steps + [Step("pull", "open_pr" if pr is None else "update_pr",
                             target if pr is None else f"PR #{pr.number}", title, "deferred",
                             detail=DEFERRED)]
    if pr is None:
        fresh = bodies.retro_body(settings.release_slug, settings.release_name, retro, links)
        pr = client.create("open the retrospective pull request",
                           lambda: client.repo.create_pull(base=settings.base,
                                                           head=settings.branch, title=title,
                                                           body=fresh),
                           lambda: _open_one(client, settings), exists_ok=True)
        steps.append(Step("pull", "open_pr", f"PR #{pr.number}", title, "done", pr.html_url))
        created = True
    steps += _labels(client, pr, settings)
    asked, more = _reviewers(client, pr, settings)
    steps += more
    # (a PR found after a 422 was opened by another run: it is brought up to date too)
    body = bodies.retro_body(settings.release_slug, settings.release_name, retro, links,
                             markers.checked_items(pr.body), asked)
    if (pr.title != title or (pr.body or "") != body) and client.writes_left < 1:
        steps.append(Step("pull", "update_pr", f"PR #{pr.number}", "title/body", "deferred",
                          pr.html_url, DEFERRED))
    elif pr.title != title or (pr.body or "") != body:
        current = pr
        client.update(f"update PR #{pr.number}", lambda: current.edit(title=title, body=body))
        summary = "reviewers recorded" if created else "title/body updated"
        steps.append(Step("pull", "update_pr", f"PR #{pr.number}", summary, "done",
                          pr.html_url))
    elif not created:
        steps.append(Step("pull", "update_pr", f"PR #{pr.number}", "up to date", "unchanged",
                          pr.html_url))
    return steps


def _labels(client: GitHubClient, pr: Any, settings: PullSettings) -> list[Step]:
    """Add the labels the pull request lacks."""
    have = {lab.name.lower() for lab in pr.labels}
    missing: Sequence[str] = [n for n in settings.labels if n.lower() not in have]
    if missing and client.writes_left < 1:
        return [Step("pull", "label_pr", f"PR #{pr.number}", ", ".join(missing), "deferred",
                     detail=DEFERRED)]
    if missing:
        client.update(f"label PR #{pr.number}", lambda: pr.add_to_labels(*missing))
        return [Step("pull", "label_pr", f"PR #{pr.number}", ", ".join(missing), "done")]
    return []


def missing_reviewers(pr: Any, settings: PullSettings) -> tuple[frozenset[str], list[str]]:
    """(reviewers already asked, reviewers still to ask) of the spec's reviewers.

    Asked: recorded in the body's marker by an earlier run, or requested now (by tars-ci or
    a person). Never asked: the author, whom GitHub refuses as a reviewer. A reviewer who has
    reviewed leaves GitHub's requested list but stays in the marker, so is not asked again."""
    asked = set(markers.requested_reviewers(pr.body))
    asked |= {u.login.lower() for u in pr.requested_reviewers or ()}
    author = pr.user.login.lower() if pr.user is not None else ""
    wanted = [r for r in settings.reviewers if r.lower() != author]
    asked &= {r.lower() for r in wanted}
    return frozenset(asked), [r for r in wanted if r.lower() not in asked]


def _reviewers(client: GitHubClient, pr: Any,
               settings: PullSettings) -> tuple[frozenset[str], list[Step]]:
    """Request the reviewers not asked yet; (reviewers asked now, steps).

    A deferred (write cap) or failed request is recorded as such, and the next run sends it
    again: nothing is marked asked until GitHub accepted it."""
    asked, missing = missing_reviewers(pr, settings)
    if not missing:
        return asked, []
    step = Step("pull", "reviewers", f"PR #{pr.number}", ", ".join(missing))
    if client.writes_left < 1:
        return asked, [step.with_status("deferred", detail=DEFERRED)]
    try:
        client.update(f"request reviewers on PR #{pr.number}",
                      lambda: pr.create_review_request(reviewers=list(missing)))
    except GitHubError as exc:
        return asked, [step.with_status("failed", detail=str(exc))]
    return asked | {r.lower() for r in missing}, [step.with_status("done")]
