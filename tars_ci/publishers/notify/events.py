"""The events a release's recorded history holds, each with a key that never changes.

Findings follow the issue lifecycle (:func:`tars_ci.github.lifecycle.episodes`, same
priorities and ``close_after_days``), so a notification and the finding's issue tell the same
story: an episode *opens* on its first sighting at an issue priority, *escalates* on a later
day at a more urgent priority than any before in the episode, and *clears* on the day its
issue is closed. A day's rollback decision that differs from the recorded day before it is a
``decision_changed`` (day 1 counts when it is not ``monitor``). The retrospective is
``retro_ready`` once written. The key names the episode's first day, so a finding that comes
back is a new event, and a re-run, a catch-up or a forced re-judgement of the same facts
yields the same keys.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import NamedTuple, cast

from tars_ci.github.lifecycle import episodes, tracked_findings
from tars_ci.github.view import ReleaseReports, ReportedFinding
from tars_ci.spec.fields import PRIORITIES, Priority
from tars_ci.spec.levels import at_least_as_urgent, more_urgent, priority_rank
from tars_ci.spec.notify import EventKind, NotifyTarget

_ORDER: dict[str, int] = {"finding_opened": 0, "finding_escalated": 1, "finding_cleared": 2,
                          "decision_changed": 3, "retro_ready": 4}


class NotifyEvent(NamedTuple):
    """One thing worth telling people, once."""

    key: str
    kind: EventKind
    day: int
    priority: Priority | None  # None: the retrospective
    headline: str
    finding: ReportedFinding | None = None
    decision: tuple[str, str] | None = None  # (before, after); before '' on the first day
    clear_days: tuple[int, ...] = ()  # finding_cleared: the clear days that closed it


def _priority(priority: str) -> Priority:
    """A recorded finding's priority (decoded, so one of PRIORITIES; ValueError if not)."""
    priority_rank(cast(Priority, priority))
    return cast(Priority, priority)


def _rank(priority: Priority | None) -> int:
    """Sort key: the most urgent first, no priority (the retrospective) last."""
    return len(PRIORITIES) if priority is None else priority_rank(priority)


def finding_events(reports: ReleaseReports, priorities: Collection[str],
                   close_after: int) -> list[NotifyEvent]:
    """Opened, escalated and cleared events of every finding at an issue priority."""
    out: list[NotifyEvent] = []
    for fid in tracked_findings(reports, priorities):
        for ep in episodes(fid, reports, priorities, close_after):
            first = ep.sightings[0]
            base = f"finding/{fid}/{ep.start}"
            worst = _priority(first.priority)
            out.append(NotifyEvent(f"{base}/opened", "finding_opened", ep.start, worst,
                                   first.title, first))
            for s in ep.sightings[1:]:
                if more_urgent(_priority(s.priority), worst):
                    worst = _priority(s.priority)
                    out.append(NotifyEvent(f"{base}/escalated/{s.day}", "finding_escalated",
                                           s.day, worst, s.title, s))
            if not ep.active:
                closing = ep.clear_days[:close_after]
                out.append(NotifyEvent(f"{base}/cleared", "finding_cleared", closing[-1],
                                       worst, ep.last.title, ep.last,
                                       clear_days=closing))
    return out


def decision_events(reports: ReleaseReports) -> list[NotifyEvent]:
    """A day whose rollback decision differs from the recorded day before it."""
    out: list[NotifyEvent] = []
    before = ""
    for day in reports.days:
        now = day.decision
        if now != before and (before or now != "monitor"):
            pair = (before, now)
            level: Priority = "P0" if "immediate_rollback" in pair else \
                "P1" if "rollback" in pair else "P2"
            text = f"rollback decision {before or 'none'} → {now}"
            out.append(NotifyEvent(f"decision/{day.day}/{now}", "decision_changed", day.day,
                                   level, text, decision=pair))
        before = now
    return out


def release_events(reports: ReleaseReports, priorities: Collection[str],
                   close_after: int) -> list[NotifyEvent]:
    """Every event of the recorded history: by day, then opened, escalated, cleared,
    decision, retrospective, the most urgent first."""
    out = finding_events(reports, priorities, close_after) + decision_events(reports)
    if reports.retro is not None:
        out.append(NotifyEvent("retro/ready", "retro_ready", reports.retro.days, None,
                               f"{reports.retro.days}-day retrospective ready"))
    return sorted(out, key=lambda e: (e.day, _ORDER[e.kind], _rank(e.priority), e.key))


def wanted(events: Sequence[NotifyEvent], target: NotifyTarget) -> list[NotifyEvent]:
    """The events ``target`` asked for (kind and ``min_priority``), in order."""
    limit = target.min_priority
    return [e for e in events if e.kind in target.events
            and (e.priority is None or limit is None or at_least_as_urgent(e.priority, limit))]
