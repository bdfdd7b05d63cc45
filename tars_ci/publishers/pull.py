"""The retrospective publisher: the day-N pull request from the fixed branch.

The branch commit and the PyGithub writes are :mod:`tars_ci.github.pulls`'; nothing is done
before the program's retrospective exists.
"""

from __future__ import annotations

from tars_ci.github import issues, pulls
from tars_ci.publishers.interface import Context
from tars_ci.publishers.issues import settings_of
from tars_ci.publishers.plan import Area, Step


class PullPublisher:
    """Open or update the retrospective pull request."""

    area: Area = "pull"

    def __init__(self, branch: str) -> None:
        self.target = branch

    def _settings(self, ctx: Context) -> pulls.PullSettings:
        gh = ctx.spec.github
        release_label = settings_of(ctx.spec, ctx.reports.slug, ctx.reports.name).release_label
        return pulls.PullSettings(
            ctx.reports.slug, ctx.reports.name, ctx.spec.retro_branch, gh.base_branch,
            tuple(dict.fromkeys((issues.LOOKUP_LABEL, *gh.labels, release_label))),
            tuple(gh.reviewers))

    def _sync(self, ctx: Context, dry_run: bool) -> list[Step]:
        if ctx.reports.retro is None:
            return []
        return pulls.sync_pull(ctx.client, ctx.git, ctx.options.remote, ctx.reports.retro,
                               self._settings(ctx), ctx.head, ctx.html_url,
                               dry_run=dry_run or ctx.client is None)

    def plan(self, ctx: Context) -> list[Step]:
        """The branch push and the PR writes a run would make."""
        return self._sync(ctx, True)

    def apply(self, ctx: Context) -> list[Step]:
        """Push the branch, open or update the PR."""
        return self._sync(ctx, False)
