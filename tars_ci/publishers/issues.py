"""The issues publisher: one issue per (release, P0/P1 finding), through its lifecycle.

The decisions are :mod:`tars_ci.github.lifecycle`'s and the GitHub writes
:mod:`tars_ci.github.issues`'; this publisher puts them in the runner's order.
"""

from __future__ import annotations

from tars_ci.github import issues
from tars_ci.github.bodies import Links
from tars_ci.publishers.interface import Context
from tars_ci.publishers.plan import Area, Step
from tars_ci.spec.model import Spec


def settings_of(spec: Spec, slug: str, name: str) -> issues.IssueSettings:
    """What the spec says about the issues of one release."""
    gh = spec.github
    return issues.IssueSettings(slug, name, tuple(gh.issue_priorities), tuple(gh.labels),
                                tuple(gh.assignees), gh.close_after_days)


class IssuesPublisher:
    """Open, update, relabel and close the P0/P1 issues."""

    area: Area = "issues"
    target = "issues"

    def _settings(self, ctx: Context) -> issues.IssueSettings:
        return settings_of(ctx.spec, ctx.reports.slug, ctx.reports.name)

    def plan(self, ctx: Context) -> list[Step]:
        """Every finding's operations, before anything is done."""
        settings = self._settings(ctx)
        return issues.planned_steps(issues.plan_issues(ctx.client, ctx.reports, settings),
                                    settings)

    def apply(self, ctx: Context) -> list[Step]:
        """Carry the operations out (or plan them without a client)."""
        if ctx.client is None:
            return self.plan(ctx)
        settings = self._settings(ctx)
        runs = issues.plan_issues(ctx.client, ctx.reports, settings)
        return issues.execute(ctx.client, runs, settings, ctx.reports,
                              Links(ctx.html_url, ctx.head))
