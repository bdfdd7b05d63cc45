"""``publish``: commit the history, sync the P0/P1 issues, open or update the retrospective PR.

Order: take the release's lease on the git remote (so overlapping runs take turns, see
:mod:`tars_ci.github.lock`), commit and push the reports, then the issues (their evidence
links point at the pushed commit), then the retrospective pull request, then release the
lease. Every write is idempotent: a re-run with the same reports changes nothing. A dry run
reads (git status, GitHub lists) but writes nothing, and returns the plan.

Failures of one area are recorded in the plan (``failed`` steps) and raised at the end as a
:class:`tars_ci.errors.PublishError`-derived error only after the lease is released; a failed
history push skips the GitHub areas (their links would point at a commit the remote lacks).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from tars_ci.errors import PublishError, UsageError
from tars_ci.github import history, issues, lock, pulls
from tars_ci.github.bodies import Links
from tars_ci.github.client import GitHubClient
from tars_ci.github.git import Git, GitRunner, subprocess_git
from tars_ci.github.plan import Plan, Step
from tars_ci.github.view import ReleaseReports, release_view
from tars_ci.reports.documents import release_block
from tars_ci.reports.store import HistoryStore
from tars_ci.spec.model import Spec

log = logging.getLogger("tars_ci.github")


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(timezone.utc)


class PublishOptions(NamedTuple):
    """Knobs with production defaults; tests shorten the waits."""

    remote: str = "origin"
    push_attempts: int = 5
    push_backoff: float = 2.0
    locking: lock.LockSettings = lock.LockSettings()
    sleep: Callable[[float], None] = time.sleep


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


def _pathspecs(repo_root: Path, reports_dir: Path) -> list[str]:
    """The reports directory without the retrospectives (they go through the PR) and
    without temporaries a killed write may have left."""
    rel = history.repo_path(repo_root, reports_dir)
    return [rel, f":(glob,exclude){rel}/*/output/**", f":(glob,exclude){rel}/**/.*.tmp"]


def _history(git: Git, spec: Spec, pathspecs: Sequence[str], days: Sequence[int] | None,
             opts: PublishOptions, dry_run: bool) -> tuple[list[Step], str | None, str]:
    """Commit and push the reports; steps, new commit sha, remote head."""
    changes = history.pending_changes(git, pathspecs)
    paths = [c.path for c in changes]
    # the days whose files this commit holds: a run that finishes what a killed run wrote
    # names those days too, as an uninterrupted run would
    listed = tuple(sorted(set(days or ()) | set(history.days_in(paths))))
    message = history.commit_message(spec.release.name, listed, len(paths))
    subject = message.split("\n", 1)[0]
    base = spec.github.base_branch
    if dry_run:
        steps = [Step("history", "commit", base, subject if paths else "nothing changed",
                      "planned" if paths else "unchanged", detail=f"{len(paths)} file(s)")]
        steps.append(Step("history", "push", f"{opts.remote}/{base}",
                          "fetch, rebase, push (never forced)"))
        return steps, None, git.run("rev-parse", "HEAD")
    sha = history.commit_reports(git, pathspecs, message)
    steps = [Step("history", "commit", base, subject if sha else "nothing changed",
                  "done" if sha else "unchanged", detail=f"{len(paths)} file(s)")]
    pushed = history.push_history(git, opts.remote, base, attempts=opts.push_attempts,
                                  backoff=opts.push_backoff, sleep=opts.sleep)
    steps.append(Step("history", "push", f"{opts.remote}/{base}", pushed.note,
                      "done" if pushed.pushed else "unchanged",
                      detail=f"{pushed.attempts} attempt(s)"))
    return steps, sha, pushed.head


def _github(client: GitHubClient | None, git: Git, spec: Spec, reports: ReleaseReports,
            head: str, opts: PublishOptions, dry_run: bool) -> tuple[list[Step], list[str]]:
    """Issues and the retrospective PR; steps and error messages."""
    gh = spec.github
    isettings = issues.IssueSettings(
        reports.slug, reports.name, tuple(gh.issue_priorities), tuple(gh.labels),
        tuple(gh.assignees), gh.close_after_days)
    steps: list[Step] = []
    errors: list[str] = []
    try:
        html_url = client.repo.html_url if client is not None else "https://github.com/OWNER/REPO"
    except PublishError as exc:
        return [Step("issues", "sync", "repository", "cannot read the repository", "failed",
                     detail=str(exc))], [str(exc)]
    links = Links(html_url, head)
    try:
        runs = issues.plan_issues(client, reports, isettings)
        if dry_run or client is None:
            steps += issues.planned_steps(runs, isettings)
        else:
            steps += issues.execute(client, runs, isettings, reports, links)
    except PublishError as exc:
        errors.append(str(exc))
        steps.append(Step("issues", "sync", "issues", "failed", "failed", detail=str(exc)))
    if reports.retro is not None:
        psettings = pulls.PullSettings(
            reports.slug, reports.name, spec.retro_branch, gh.base_branch,
            tuple(dict.fromkeys((issues.LOOKUP_LABEL, *gh.labels, isettings.release_label))),
            tuple(gh.reviewers))
        try:
            steps += pulls.sync_pull(client, git, opts.remote, reports.retro, psettings, head,
                                     html_url, dry_run=dry_run or client is None)
        except PublishError as exc:
            errors.append(str(exc))
            steps.append(Step("pull", "sync", spec.retro_branch, "failed", "failed",
                              detail=str(exc)))
    errors += [s.detail for s in steps if s.status == "failed" and s.detail not in errors]
    return steps, errors


def publish(spec: Spec, repo_root: Path, release_dir: Path,
            days_processed: Sequence[int] | None = None, *,
            github: GitHubClient | None = None, git: GitRunner | None = None,
            dry_run: bool = False, clock: Callable[[], datetime] = utc_now,
            options: PublishOptions | None = None, repository: str = "") -> PublishResult:
    """Publish one release's reports (see the module docstring).

    ``release_dir`` is ``<reports dir>/<release slug>``; the commit message names
    ``days_processed`` and every day whose files the commit changes. Without ``github`` only a
    dry run is possible (the plan then assumes no issue or PR exists yet).
    """
    options = options or PublishOptions()
    if github is None and not dry_run:
        raise UsageError("publishing needs a GitHub client (GITHUB_TOKEN and "
                         "GITHUB_REPOSITORY); use --dry-run to see the plan without one")
    redact = github.redact if github is not None else (lambda s: s)
    g = Git(repo_root, git or subprocess_git, redact)
    reports = release_view(HistoryStore(release_dir.parent, release_block(spec)), repo_root)
    specs = _pathspecs(repo_root, release_dir.parent)
    repo_name = repository or (github.repository if github else "")
    steps: list[Step] = []
    errors: list[str] = []
    commit: str | None = None
    lease = None
    try:
        if not dry_run:
            lease = lock.acquire(g, options.remote, reports.slug, clock=clock,
                                 settings=options.locking, sleep=options.sleep)
        try:
            hist, commit, head = _history(g, spec, specs, days_processed, options, dry_run)
            steps += hist
        except PublishError as exc:
            steps.append(Step("history", "push", options.remote, "failed", "failed",
                              detail=str(exc)))
            steps.append(Step("issues", "sync", "issues",
                              "skipped: the history was not pushed", "skipped"))
            return PublishResult(Plan(reports.name, repo_name, dry_run, tuple(steps)), None,
                                 "", (str(exc),))
        more, errors = _github(github, g, spec, reports, head, options, dry_run)
        steps += more
    finally:
        if lease is not None:
            lock.release(g, options.remote, lease)
    return PublishResult(Plan(reports.name, repo_name, dry_run, tuple(steps)), commit, head,
                         tuple(errors))
