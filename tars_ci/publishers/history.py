"""The history publisher: commit the reports and push them (fetch, rebase, bounded retry).

It runs first and gates the others: the issue and notification links point at the commit it
pushed, so a failed push skips every later area (see :mod:`tars_ci.publishers.runner`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tars_ci.github import history
from tars_ci.publishers.interface import Context
from tars_ci.publishers.plan import Area, Step


def pathspecs(repo_root: Path, reports_dir: Path) -> list[str]:
    """The reports directory without the retrospectives (they go through the PR) and
    without temporaries a killed write may have left."""
    rel = history.repo_path(repo_root, reports_dir)
    return [rel, f":(glob,exclude){rel}/*/output/**", f":(glob,exclude){rel}/**/.*.tmp"]


class HistoryPublisher:
    """Commit and push the reports; afterwards ``commit`` is the new commit (or None) and
    ``head`` the remote tip the history is at."""

    area: Area = "history"

    def __init__(self, specs: Sequence[str], days: Sequence[int] | None) -> None:
        self.specs = list(specs)
        self.days = days
        self.commit: str | None = None
        self.head = ""

    @property
    def target(self) -> str:
        """Failures name the remote (set by the runner's options)."""
        return "history"

    def _message(self, ctx: Context) -> tuple[str, str, int]:
        changes = history.pending_changes(ctx.git, self.specs)
        paths = [c.path for c in changes]
        # the days whose files this commit holds: a run that finishes what a killed run
        # wrote names those days too, as an uninterrupted run would
        listed = tuple(sorted(set(self.days or ()) | set(history.days_in(paths))))
        message = history.commit_message(ctx.spec.release.name, listed, len(paths))
        return message, message.split("\n", 1)[0], len(paths)

    def plan(self, ctx: Context) -> list[Step]:
        """The commit and the push a run would make."""
        _, subject, files = self._message(ctx)
        base, remote = ctx.spec.github.base_branch, ctx.options.remote
        self.head = ctx.git.run("rev-parse", "HEAD")
        return [Step("history", "commit", base, subject if files else "nothing changed",
                     "planned" if files else "unchanged", detail=f"{files} file(s)"),
                Step("history", "push", f"{remote}/{base}",
                     "fetch, rebase, push (never forced)")]

    def apply(self, ctx: Context) -> list[Step]:
        """Commit (only when something changed) and push, never forced."""
        message, subject, files = self._message(ctx)
        base, opts = ctx.spec.github.base_branch, ctx.options
        sha = history.commit_reports(ctx.git, self.specs, message)
        steps = [Step("history", "commit", base, subject if sha else "nothing changed",
                      "done" if sha else "unchanged", detail=f"{files} file(s)")]
        pushed = history.push_history(ctx.git, opts.remote, base, attempts=opts.push_attempts,
                                      backoff=opts.push_backoff, sleep=opts.sleep)
        steps.append(Step("history", "push", f"{opts.remote}/{base}", pushed.note,
                          "done" if pushed.pushed else "unchanged",
                          detail=f"{pushed.attempts} attempt(s)"))
        self.commit, self.head = sha, pushed.head
        return steps
