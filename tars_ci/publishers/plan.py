"""The publish plan: every git and GitHub write as a record, rendered as text or JSON.

A dry run builds the plan and prints it (every step ``planned``); a real run executes it and
records what happened to each step (``done``, ``unchanged``, ``skipped``, ``deferred`` when
the per-run write cap was reached, ``failed``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple

from tars_ci.reports.jsonio import dumps

Area = Literal["history", "issues", "pull", "notify", "summary"]
Status = Literal["planned", "done", "unchanged", "skipped", "deferred", "failed"]


class Step(NamedTuple):
    """One thing publishing does (or would do)."""

    area: Area
    action: str  # commit, push, create_label, open_issue, comment, relabel, close_issue, …
    target: str  # finding id, issue #12, branch, PR #3
    summary: str  # one line for people
    status: Status = "planned"
    url: str = ""
    detail: str = ""  # e.g. labels, the error of a failed step

    def with_status(self, status: Status, url: str = "", detail: str = "") -> Step:
        """A copy with the outcome filled in."""
        return self._replace(status=status, url=url or self.url, detail=detail or self.detail)


class Plan(NamedTuple):
    """All steps of one publish run."""

    release: str
    repository: str
    dry_run: bool
    steps: tuple[Step, ...]

    def count(self, status: Status, area: Area | None = None) -> int:
        """Steps with this status (in one area)."""
        return sum(1 for s in self.steps if s.status == status and area in (None, s.area))

    def actions(self, action: str, status: Status | None = None) -> list[Step]:
        """Steps of one action kind."""
        return [s for s in self.steps if s.action == action and status in (None, s.status)]


def render_text(plan: Plan) -> str:
    """The plan for people: one line per step, grouped by area."""
    mode = "dry run: nothing will be changed" if plan.dry_run else "publish"
    lines = [f"tars-ci publish plan for {plan.release} on {plan.repository or '?'} ({mode})"]
    areas = [("history", "History"), ("issues", "Issues"),
             ("pull", "Retrospective pull request")]
    if any(s.area == "notify" for s in plan.steps):
        areas.append(("notify", "Notifications"))
    for area, heading in areas:
        steps = [s for s in plan.steps if s.area == area]
        lines.append(f"{heading}:")
        if not steps:
            lines.append("  (nothing)")
        for s in steps:
            extra = f" [{s.detail}]" if s.detail else ""
            url = f" {s.url}" if s.url else ""
            summary = s.summary if len(s.summary) <= 200 else s.summary[:199] + "…"
            lines.append(f"  {s.status:<9} {s.action:<14} {s.target}: {summary}{extra}{url}")
    counts = {st: plan.count(st) for st in ("planned", "done", "unchanged", "skipped",
                                            "deferred", "failed")}
    lines.append("Summary: " + ", ".join(f"{n} {st}" for st, n in counts.items() if n))
    return "\n".join(lines) + "\n"


def render_json(plan: Plan) -> str:
    """The plan as canonical JSON."""
    return dumps({"release": plan.release, "repository": plan.repository,
                  "dry_run": plan.dry_run, "steps": [s._asdict() for s in plan.steps]})


def merge(*groups: Sequence[Step]) -> tuple[Step, ...]:
    """Concatenate step groups."""
    return tuple(s for g in groups for s in g)
