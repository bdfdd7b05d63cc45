"""The committed history: one commit per run under the reports directory, pushed safely.

- Only the reports paths are committed (``git commit --only``), and only when something
  changed; the message lists the days processed and carries ``[skip ci]``.
- The push is ``fetch`` + ``rebase`` + retry, bounded; a run that loses the race rebases onto
  the winner (identical files make its commit empty, and git drops it) and tries again: a
  lost race (another run pushed first) does not count as a failed attempt, so the releases
  of a fleet, which all push to one branch, never give up on each other. A rebase conflict is
  reported with the conflicting files. The base branch is never force-pushed.
- The retrospective's files go to their own branch through git plumbing (a temporary index),
  so the work tree and the checked-out branch are never touched.
"""

from __future__ import annotations

import logging
import os
import random
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from tars_ci.errors import GitError
from tars_ci.github.git import Git

log = logging.getLogger("tars_ci.github")
SUBJECT_PREFIX = "tars-ci: "
DAY_RE = re.compile(r"day_(\d{2})_")


class PushOutcome(NamedTuple):
    """Result of pushing HEAD to the base branch."""

    head: str  # the remote branch tip afterwards (contains our commit, if any)
    pushed: bool  # False when the remote already had everything
    attempts: int
    note: str


class Change(NamedTuple):
    """A pending change under the reports directory (from ``git status``)."""

    status: str  # porcelain XY code, e.g. "??", " M", "A "
    path: str  # repository-relative, forward slashes


def pending_changes(git: Git, pathspecs: Sequence[str]) -> tuple[Change, ...]:
    """Changed and untracked files under ``pathspecs``; read-only (dry runs use it)."""
    # --no-optional-locks: not even git's opportunistic index refresh (dry runs touch nothing)
    out = git.run("--no-optional-locks", "status", "--porcelain=v1", "-z",
                  "--untracked-files=all", "--", *pathspecs)
    changes, fields = [], out.split("\0")
    i = 0
    while i < len(fields):
        entry = fields[i]
        i += 1
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:]
        if code[0] in "RC":  # a rename carries the old path as the next field
            i += 1
        changes.append(Change(code, path))
    return tuple(changes)


def days_in(paths: Sequence[str]) -> tuple[int, ...]:
    """Days named by report files (``day_03_…`` → 3; the GA baseline → 0)."""
    days = set()
    for p in paths:
        m = DAY_RE.search(p)
        if m:
            days.add(int(m.group(1)))
        elif "/ga_kpis/" in p:
            days.add(0)
    return tuple(sorted(days))


def commit_message(release_name: str, days: Sequence[int], files: int) -> str:
    """Subject with the days and ``[skip ci]``, body with the counts."""
    if days:
        listed = ", ".join(str(d) for d in days)
        what = f"day {listed}" if len(days) == 1 else f"days {listed}"
    else:
        what = "reports"
    subject = f"{SUBJECT_PREFIX}{release_name} {what} [skip ci]"
    body = f"Days processed: {', '.join(str(d) for d in days) or 'none'}\n" \
           f"Files changed: {files}\n"
    return f"{subject}\n\n{body}"


def commit_reports(git: Git, pathspecs: Sequence[str], message: str) -> str | None:
    """Commit the pending changes under ``pathspecs`` (nothing else); the sha, or None."""
    if not pending_changes(git, pathspecs):
        return None
    git.run("add", "--all", "--", *pathspecs)
    if git.ok("diff", "--cached", "--quiet", "--", *pathspecs):
        return None
    git.run(*git.identity(), "commit", "--no-verify", "--quiet", "--only", "-m", message,
            "--", *pathspecs)
    return git.run("rev-parse", "HEAD")


def _fetch(git: Git, remote: str, branch: str) -> str | None:
    """Fetch the remote branch into ``refs/remotes/<remote>/<branch>``; its sha or None."""
    res = git.result("fetch", "--no-tags", remote,
                     f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}")
    if res.returncode != 0:
        if "couldn't find remote ref" in res.stderr:
            return None
        raise GitError(git.redact(f"git fetch {remote} {branch} failed: "
                                  f"{res.stderr.strip()[:1000]}"))
    return git.run("rev-parse", f"refs/remotes/{remote}/{branch}")


def _rebase(git: Git, onto: str) -> None:
    """Rebase HEAD onto ``onto``; on conflict abort and raise GitError naming the files."""
    res = git.result("rebase", "--autostash", "--quiet", onto)
    if res.returncode == 0:
        return
    conflicted = git.result("diff", "--name-only", "--diff-filter=U").stdout.split()
    git.result("rebase", "--abort")
    files = ", ".join(conflicted) or res.stderr.strip()[:500]
    raise GitError(git.redact(f"history conflict: another run committed different content "
                              f"for {files}; resolve it by hand (the local commit is kept)"))


def _unpushed_are_ours(git: Git, upstream: str) -> None:
    """Refuse to push commits that are not tars-ci history commits (a developer's work)."""
    subjects = git.run("log", "--format=%s", f"{upstream}..HEAD").splitlines()
    foreign = [s for s in subjects if not s.startswith(SUBJECT_PREFIX)]
    if foreign:
        raise GitError(f"HEAD has {len(foreign)} commit(s) that are not tars-ci history "
                       f"commits (e.g. {foreign[0]!r}); push them yourself first")


def push_history(git: Git, remote: str, branch: str, *, attempts: int = 5,
                 backoff: float = 1.0, sleep: Callable[[float], None] = lambda s: None,
                 races: int = 100, jitter: Callable[[], float] = random.random
                 ) -> PushOutcome:
    """Push HEAD to ``branch``: fetch, rebase, push; never forced.

    A push refused because another run pushed first — the remote tip moved since this run
    fetched it — is a lost race, not a failure: in a fleet, every release's job pushes to
    the same branch. The run fetches, rebases and pushes again after a short random wait
    (up to ``backoff`` / 2, so that racing runs fall out of step), up to ``races`` times.
    Any other refusal counts against ``attempts``, with exponential backoff.
    """
    upstream = f"refs/remotes/{remote}/{branch}"
    last = ""
    failed = lost = 0
    while True:
        remote_tip = _fetch(git, remote, branch)
        tries = failed + lost + 1
        if remote_tip is not None:
            if git.ok("merge-base", "--is-ancestor", "HEAD", upstream):
                return PushOutcome(remote_tip, False, tries, "remote already up to date")
            if not git.ok("merge-base", "--is-ancestor", upstream, "HEAD"):
                _rebase(git, upstream)
                if git.ok("merge-base", "--is-ancestor", "HEAD", upstream):
                    return PushOutcome(remote_tip, False, tries,
                                       "another run had already pushed the same history")
            _unpushed_are_ours(git, upstream)
        res = git.push(remote, "HEAD", f"refs/heads/{branch}")
        if res.returncode == 0:
            head = git.run("rev-parse", "HEAD")
            raced = f" (after losing {lost} race(s) to other runs)" if lost else ""
            return PushOutcome(head, True, tries, f"pushed{raced}")
        last = res.stderr.strip() or res.stdout.strip()
        now_tip = git.remote_sha(remote, f"refs/heads/{branch}")
        if lost < races and now_tip is not None and now_tip != remote_tip:
            lost += 1
            log.info("push to %s/%s: another run pushed first (%d); rebasing again", remote,
                     branch, lost)
            sleep(backoff * jitter() / 2)
            continue
        failed += 1
        log.warning("push to %s/%s rejected (attempt %d/%d): %s", remote, branch, failed,
                    attempts, git.redact(last.splitlines()[-1] if last else "?"))
        if failed >= attempts:
            raise GitError(git.redact(f"push to {remote} {branch} failed after {attempts} "
                                      f"attempts: {last[-1000:]}"))
        sleep(backoff * 2 ** (failed - 1))


class BranchOutcome(NamedTuple):
    """Result of putting files on a branch."""

    sha: str  # branch tip afterwards
    changed: bool


def commit_to_branch(git: Git, remote: str, branch: str, base: str,
                     files: Sequence[str], message: str, *, attempts: int = 3,
                     sleep: Callable[[float], None] = lambda s: None) -> BranchOutcome:
    """Commit the work-tree ``files`` on top of the remote ``branch`` (or of ``base`` when
    the branch does not exist) and push it, fast-forward only; no checkout, no index change."""
    for attempt in range(1, attempts + 1):
        parent = _fetch(git, remote, branch) or base
        with tempfile.TemporaryDirectory(prefix="tars-ci-index-") as tmp:
            env = {"GIT_INDEX_FILE": os.path.join(tmp, "index")}
            git.run("read-tree", parent, env=env)
            for path in files:
                blob = git.run("hash-object", "-w", "--", path)
                git.run("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}",
                        env=env)
            tree = git.run("write-tree", env=env)
        if tree == git.run("rev-parse", f"{parent}^{{tree}}"):
            return BranchOutcome(parent, False)
        sha = git.run(*git.identity(), "commit-tree", tree, "-p", parent, "-m", message)
        res = git.push(remote, sha, f"refs/heads/{branch}")
        if res.returncode == 0:
            return BranchOutcome(sha, True)
        log.warning("push to %s/%s rejected (attempt %d/%d)", remote, branch, attempt,
                    attempts)
        sleep(float(attempt))
    raise GitError(f"push of {branch} to {remote} failed after {attempts} attempts")


def read_only_branch_check(git: Git, remote: str, branch: str,
                           files: Sequence[str]) -> str:
    """For dry runs: 'absent', 'unchanged', 'changed' or 'unknown' (tip not fetched)."""
    sha = git.remote_sha(remote, f"refs/heads/{branch}")
    if sha is None:
        return "absent"
    if not git.ok("cat-file", "-e", f"{sha}^{{commit}}"):
        return "unknown"
    for path in files:
        local = git.run("hash-object", "--", path)
        res = git.result("rev-parse", f"{sha}:{path}")
        if res.returncode != 0 or res.stdout.strip() != local:
            return "changed"
    return "unchanged"


def repo_path(repo_root: Path, path: Path) -> str:
    """``path`` relative to the repository root, with forward slashes."""
    return path.resolve().relative_to(repo_root.resolve()).as_posix()
