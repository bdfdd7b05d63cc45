"""The day-7 retrospective pull request, from a fixed branch.

The branch ``tars-ci/retro-<release-slug>`` (or the spec's) gets the retrospective's Markdown
and JSON in one commit on top of its remote tip (fast-forward only, via
:func:`tars_ci.github.history.commit_to_branch`). The pull request is looked up by head branch
on the pulls list endpoint; an open one is updated only when its title or body differ (ticks
a person made in the checklist are kept), a missing one is created (a 422 "already exists"
from a concurrent run is answered by looking it up), and one a person closed without merging
is not recreated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from tars_ci.github import bodies, markers
from tars_ci.github.bodies import Links
from tars_ci.github.client import GitHubClient
from tars_ci.github.git import Git
from tars_ci.github.history import commit_to_branch, read_only_branch_check
from tars_ci.github.plan import Step
from tars_ci.github.view import Retro

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
            body = bodies.retro_body(settings.release_slug, settings.release_name, retro, links,
                                     markers.checked_items(open_pr.body))
            same = open_pr.title == title and (open_pr.body or "") == body
            steps.append(Step("pull", "update_pr", f"PR #{open_pr.number}",
                              "up to date" if same else "update title/body",
                              "unchanged" if same else "planned", open_pr.html_url))
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
    # (a PR found after a 422 was opened by another run: it is brought up to date too)
    body = bodies.retro_body(settings.release_slug, settings.release_name, retro, links,
                             markers.checked_items(pr.body))
    if (pr.title != title or (pr.body or "") != body) and client.writes_left < 1:
        steps.append(Step("pull", "update_pr", f"PR #{pr.number}", "title/body", "deferred",
                          pr.html_url, DEFERRED))
    elif pr.title != title or (pr.body or "") != body:
        current = pr
        client.update(f"update PR #{pr.number}", lambda: current.edit(title=title, body=body))
        steps.append(Step("pull", "update_pr", f"PR #{pr.number}", "title/body updated",
                          "done", pr.html_url))
    elif not created:
        steps.append(Step("pull", "update_pr", f"PR #{pr.number}", "up to date", "unchanged",
                          pr.html_url))
    steps += _labels_and_reviewers(client, pr, settings, created)
    return steps


def _labels_and_reviewers(client: GitHubClient, pr: Any, settings: PullSettings,
                          created: bool) -> list[Step]:
    """Add missing labels; request reviewers once, when the pull request is opened."""
    steps = []
    have = {lab.name.lower() for lab in pr.labels}
    missing: Sequence[str] = [n for n in settings.labels if n.lower() not in have]
    if missing and client.writes_left < 1:
        steps.append(Step("pull", "label_pr", f"PR #{pr.number}", ", ".join(missing),
                          "deferred", detail=DEFERRED))
    elif missing:
        client.update(f"label PR #{pr.number}", lambda: pr.add_to_labels(*missing))
        steps.append(Step("pull", "label_pr", f"PR #{pr.number}", ", ".join(missing), "done"))
    if created and settings.reviewers and client.writes_left < 1:
        steps.append(Step("pull", "reviewers", f"PR #{pr.number}",
                          ", ".join(settings.reviewers), "deferred", detail=DEFERRED))
    elif created and settings.reviewers:
        client.update(f"request reviewers on PR #{pr.number}",
                      lambda: pr.create_review_request(reviewers=list(settings.reviewers)))
        steps.append(Step("pull", "reviewers", f"PR #{pr.number}",
                          ", ".join(settings.reviewers), "done"))
    return steps
