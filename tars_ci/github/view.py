"""What publishing sees of a release: its recorded history, as the records it acts on.

Publishing never recomputes anything and never reads a report file itself: the
:class:`~tars_ci.reports.store.HistoryStore` loads the history (checking every field) and
:func:`release_view` turns it into the findings by day and the retrospective's action items,
with the repository-relative paths issue and PR bodies link to.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from tars_ci.reports.store import HistoryStore
from tars_ci.spec.model import PRIORITIES

PRIORITY_ORDER = PRIORITIES


class ReportedFinding(NamedTuple):
    """One finding of one day, as the day summary recorded it."""

    id: str
    day: int
    kpi: str
    kind: str
    severity: str
    priority: str
    value: float | None
    baseline: float | None
    drift_percent: float | None
    title: str
    detail: str
    unit: str


class DayReport(NamedTuple):
    """One recorded day: its summary file and its findings."""

    day: int
    path: str  # repository-relative
    findings: tuple[ReportedFinding, ...]
    decision: str  # rollback recommendation
    health_score: float | None


class ActionItem(NamedTuple):
    """One retrospective action item: one incident, possibly several findings."""

    priority: str
    id: str  # the lead finding's id (the checklist marker)
    title: str
    kpi: str
    day: int | None
    detail: str
    ids: tuple[str, ...] = ()  # every finding id of the incident (a tick on any carries over)
    kpis: tuple[str, ...] = ()  # every KPI (or SLO) it names


class Retro(NamedTuple):
    """The day-7 retrospective."""

    md_path: str  # repository-relative
    json_path: str
    executive_summary: str
    action_items: tuple[ActionItem, ...]
    days: int = 7  # the program's length


class ReleaseReports(NamedTuple):
    """Everything publishing needs about one release."""

    name: str
    slug: str
    days: tuple[DayReport, ...]  # in day order
    retro: Retro | None

    @property
    def recorded_days(self) -> tuple[int, ...]:
        """Days with a summary."""
        return tuple(d.day for d in self.days)

    def day_path(self, day: int) -> str:
        """Repository-relative path of a day's summary ('' when absent)."""
        return next((d.path for d in self.days if d.day == day), "")


def release_view(store: HistoryStore, repo_root: Path) -> ReleaseReports:
    """All recorded days (in day order) and the retrospective of the store's release."""
    history = store.load()
    outputs = store.load_outputs()
    root = repo_root.resolve()

    def rel(path: Path) -> str:
        return path.resolve().relative_to(root).as_posix()

    days = []
    for day, rec in sorted(history.days.items()):
        units = {k: c.unit for k, c in rec.summary.metrics_comparison.items()}
        findings = tuple(ReportedFinding(
            f.id, f.day, f.kpi, f.kind, f.severity, f.priority, f.value, f.baseline,
            f.drift_percent, f.title, f.detail, units.get(f.kpi, ""))
            for f in rec.summary.findings)
        days.append(DayReport(day, rel(store.paths.day_summary(day)), findings,
                              rec.summary.rollback_recommendation.decision,
                              rec.summary.health_score))
    retro = None
    if outputs.retro is not None and outputs.retro_md is not None:
        items = tuple(ActionItem(priority, i.id, i.title or i.id, i.kpi, i.day,
                                 i.detail or i.action, i.ids or (i.id,), i.kpis or
                                 ((i.kpi,) if i.kpi else ()))
                      for priority in PRIORITIES
                      for i in outputs.retro.action_items.get(priority, ()))
        retro = Retro(rel(outputs.retro_md), rel(store.paths.retro_json),
                      outputs.retro.executive_summary, items, store.release.days)
    return ReleaseReports(store.release.name, store.release.slug, tuple(days), retro)
