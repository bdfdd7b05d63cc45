"""The publish runner: one lease, then every publisher in order (or a dry-run plan).

Order: take the release's lease on the git remote (so overlapping runs take turns, see
:mod:`tars_ci.github.lock`), commit and push the reports, then the issues (their evidence
links point at the pushed commit), then the retrospective pull request, then the publishers
given as ``after`` (the notifications), then release the lease. Every write is idempotent: a
re-run with the same reports changes nothing. A dry run reads (git status, GitHub lists) but
writes nothing, and returns the plan.

Failures of one area are recorded in the plan (``failed`` steps) and returned as errors only
after the lease is released; a failed history push skips every later area (their links would
point at a commit the remote lacks, and a notification must not announce an unsaved history).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from tars_ci.errors import PublishError, UsageError
from tars_ci.github import lock
from tars_ci.github.client import GitHubClient
from tars_ci.github.git import Git, GitRunner, subprocess_git
from tars_ci.github.view import release_view
from tars_ci.publishers.history import HistoryPublisher, pathspecs
from tars_ci.publishers.interface import Context, Publisher, PublishOptions
from tars_ci.publishers.issues import IssuesPublisher
from tars_ci.publishers.plan import Plan, Step
from tars_ci.publishers.pull import PullPublisher
from tars_ci.reports.documents import release_block
from tars_ci.reports.store import HistoryStore
from tars_ci.spec.model import Spec

log = logging.getLogger("tars_ci.github")

__all__ = ["PublishOptions", "PublishResult", "publish", "utc_now"]


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(timezone.utc)


class PublishResult(NamedTuple):
    """What publishing did (or, in a dry run, would do)."""

    plan: Plan
    commit: str | None  # the history commit made by this run, if any
    head: str  # the base branch tip the evidence links point at
    errors: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """No step failed."""
        return not self.errors


def _run(pub: Publisher[Context], ctx: Context, steps: list[Step], errors: list[str]) -> None:
    """One publisher's plan or apply; a failure of its whole area becomes a failed step."""
    try:
        steps += pub.plan(ctx) if ctx.dry_run else pub.apply(ctx)
    except PublishError as exc:
        errors.append(str(exc))
        steps.append(Step(pub.area, "sync", pub.target, "failed", "failed", detail=str(exc)))


def _after_history(ctx: Context, after: Sequence[Publisher[Context]]) -> tuple[list[Step], list[str]]:
    """Issues, the retrospective PR and the later publishers; steps and error messages."""
    steps: list[Step] = []
    errors: list[str] = []
    try:
        html_url = ctx.client.repo.html_url if ctx.client is not None \
            else "https://github.com/OWNER/REPO"
    except PublishError as exc:
        return [Step("issues", "sync", "repository", "cannot read the repository", "failed",
                     detail=str(exc)),
                *(Step(p.area, "sync", p.target, "skipped: the repository could not be read",
                       "skipped") for p in after)], [str(exc)]
    ctx = ctx._replace(html_url=html_url)
    publishers: list[Publisher[Context]] = [IssuesPublisher()]
    if ctx.reports.retro is not None:
        publishers.append(PullPublisher(ctx.spec.retro_branch))
    for pub in (*publishers, *after):
        _run(pub, ctx._replace(done=tuple(steps)), steps, errors)
    errors += [s.detail for s in steps if s.status == "failed" and s.detail not in errors]
    return steps, errors


def publish(spec: Spec, repo_root: Path, release_dir: Path,
            days_processed: Sequence[int] | None = None, *,
            github: GitHubClient | None = None, git: GitRunner | None = None,
            dry_run: bool = False, clock: Callable[[], datetime] = utc_now,
            options: PublishOptions | None = None, repository: str = "",
            after: Sequence[Publisher[Context]] = (),
            redact: Callable[[str], str] | None = None) -> PublishResult:
    """Publish one release's reports (see the module docstring).

    ``release_dir`` is ``<reports dir>/<release slug>``; the commit message names
    ``days_processed`` and every day whose files the commit changes. Without ``github`` only a
    dry run is possible (the plan then assumes no issue or PR exists yet). ``after`` run last,
    under the same lease (the notifications).
    """
    options = options or PublishOptions()
    if github is None and not dry_run:
        raise UsageError("publishing needs a GitHub client (GITHUB_TOKEN and "
                         "GITHUB_REPOSITORY); use --dry-run to see the plan without one")
    mask = redact or (github.redact if github is not None else (lambda s: s))
    g = Git(repo_root, git or subprocess_git, mask)
    reports = release_view(HistoryStore(release_dir.parent, release_block(spec)), repo_root)
    hist = HistoryPublisher(pathspecs(repo_root, release_dir.parent), days_processed)
    repo_name = repository or (github.repository if github else "")
    ctx = Context(spec, g, reports, github, options, dry_run, clock)
    steps: list[Step] = []
    errors: list[str] = []
    lease = None
    try:
        if not dry_run:
            lease = lock.acquire(g, options.remote, reports.slug, clock=clock,
                                 settings=options.locking, sleep=options.sleep)
        try:
            steps += hist.plan(ctx) if dry_run else hist.apply(ctx)
        except PublishError as exc:
            steps.append(Step("history", "push", options.remote, "failed", "failed",
                              detail=str(exc)))
            steps.append(Step("issues", "sync", "issues",
                              "skipped: the history was not pushed", "skipped"))
            steps += [Step(p.area, "sync", p.target, "skipped: the history was not pushed",
                           "skipped") for p in after]
            return PublishResult(Plan(reports.name, repo_name, dry_run, tuple(steps)), None,
                                 "", (str(exc),))
        more, errors = _after_history(ctx._replace(head=hist.head), after)
        steps += more
    finally:
        if lease is not None:
            lock.release(g, options.remote, lease)
    return PublishResult(Plan(reports.name, repo_name, dry_run, tuple(steps)), hist.commit,
                         hist.head, tuple(errors))
