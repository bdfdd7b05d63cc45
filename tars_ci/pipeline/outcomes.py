"""Each KPI's week in one record, and each finding at one occurrence (pure).

Every number a retrospective shows about a KPI more than once comes from its
:class:`KpiOutcome`: the trend (shape and summary), the **worst day** — the trend's, from
:func:`tars_ci.analysis.regression.worst_day` over the recorded comparisons — with that day's
value and drift, the **last day** with a value, and the days within the KPI's limit. A
finding is reported at one occurrence (:func:`worst_findings`): a degradation at its KPI's
worst day, so the "what could be improved" row, the action item and the trends table name
the same day and the same drift.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from tars_ci.analysis.drift import Comparison
from tars_ci.analysis.findings import Finding
from tars_ci.analysis.regression import RegressionReport, Trend, judged_days
from tars_ci.reports.records import DaySummary
from tars_ci.spec import levels
from tars_ci.spec.model import Better, Kpi, Severity


class DayPoint(NamedTuple):
    """A KPI on one day, as the day recorded it."""

    day: int
    value: float | None
    drift_percent: float | None  # signed
    bad_drift_percent: float | None  # ≥ 0
    severity: Severity | None


class KpiOutcome(NamedTuple):
    """One KPI over the program: the one source of its worst day, last day and trend."""

    kpi: str
    title: str
    unit: str
    better: Better
    cost: bool
    limit: float | None
    baseline: float | None
    trend: Trend
    worst: DayPoint | None  # the trend's worst day; None when never worse than the baseline
    last: DayPoint | None  # the last day with a value compared with the baseline
    days_judged: tuple[int, ...]  # days with a value compared with the baseline
    days_missing: tuple[tuple[int, str], ...]  # (day, no_data / error / no_baseline / absent)
    days_within_limit: int | None  # of days_judged; None without a limit
    days_affected: tuple[int, ...]  # days with a degradation finding of the KPI


def comparisons_by_kpi(days: Sequence[DaySummary]) -> dict[str, dict[int, Comparison]]:
    """Each recorded KPI's comparison by day."""
    out: dict[str, dict[int, Comparison]] = {}
    for d in days:
        for name, c in d.metrics_comparison.items():
            out.setdefault(name, {})[d.day] = c.comparison()
    return out


def kpi_outcomes(kpis: Sequence[Kpi], regression: RegressionReport,
                 comparisons: Mapping[str, Mapping[int, Comparison]],
                 days: Sequence[DaySummary]) -> dict[str, KpiOutcome]:
    """Each spec KPI's outcome from its trend and its recorded comparisons."""
    trends = {t.kpi: t for t in regression.trends}
    recorded = [d.day for d in days]
    out = {}
    for k in kpis:
        t = trends[k.name]
        comps = comparisons.get(k.name, {})
        judged = judged_days(comps)
        worst = _point(t.worst_day, judged.get(t.worst_day)) if t.worst_day else None
        last = _point(max(judged), judged[max(judged)]) if judged else None
        missing = tuple((d, comps[d].status if d in comps else "absent") for d in recorded
                        if d not in judged)
        within = None if k.limit is None else sum(
            1 for c in judged.values() if c.value is not None and _within(k, c.value))
        affected = tuple(d.day for d in days if any(
            f.kpi == k.name and f.kind == "degradation" for f in d.findings))
        out[k.name] = KpiOutcome(k.name, k.display, k.unit, k.better, k.cost, k.limit,
                                 t.baseline, t, worst, last, tuple(judged), missing, within,
                                 affected)
    return out


def worst_findings(days: Sequence[DaySummary],
                   outcomes: Mapping[str, KpiOutcome]) -> dict[str, Finding]:
    """Each finding id at one occurrence, most urgent first (priority, severity, id).

    A degradation is taken on its KPI's worst day when it was reported that day (the same
    day the trend names); otherwise, and for every other kind, at its most urgent
    occurrence: priority, then severity, then magnitude (bad drift; an SLO burn's peak
    burn rate), then the earliest day.
    """
    seen: dict[str, list[Finding]] = {}
    for d in days:
        for f in d.findings:
            seen.setdefault(f.id, []).append(f)
    bad = {(d.day, k): c.bad_drift_percent for d in days
           for k, c in d.metrics_comparison.items()}

    def rank(f: Finding) -> tuple[int, int, float, int]:
        size = (f.value if f.kind == "slo_burn" else bad.get((f.day, f.kpi))) or 0.0
        return (levels.priority_rank(f.priority), -levels.severity_rank(f.severity), -size,
                f.day)

    chosen: dict[str, Finding] = {}
    for fid, found in seen.items():
        outcome = outcomes.get(found[0].kpi)
        on_worst = [f for f in found if f.kind == "degradation" and outcome is not None
                    and outcome.worst is not None and f.day == outcome.worst.day]
        chosen[fid] = on_worst[0] if on_worst else min(found, key=rank)
    return dict(sorted(chosen.items(), key=lambda kv: (
        levels.priority_rank(kv[1].priority), -levels.severity_rank(kv[1].severity), kv[0])))


def finding_days(days: Sequence[DaySummary]) -> dict[str, tuple[int, ...]]:
    """The days each finding id was reported on."""
    out: dict[str, list[int]] = {}
    for d in days:
        for f in d.findings:
            if d.day not in out.setdefault(f.id, []):
                out[f.id].append(d.day)
    return {k: tuple(v) for k, v in out.items()}


def _point(day: int, c: Comparison | None) -> DayPoint | None:
    if c is None:
        return None
    return DayPoint(day, c.value, c.drift_percent, c.bad_drift_percent, c.severity)


def _within(kpi: Kpi, value: float) -> bool:
    assert kpi.limit is not None
    return value <= kpi.limit if kpi.better == "lower" else value >= kpi.limit
