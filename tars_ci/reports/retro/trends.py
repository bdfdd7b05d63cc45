"""The retrospective's trends table, unexpected drifts, trend charts and anomaly episodes.

A KPI's worst day and drift and its last day come from its
:class:`~tars_ci.pipeline.outcomes.KpiOutcome`, worded by :mod:`tars_ci.reports.retro.text`,
so the trends table, the drifts table and the findings agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tars_ci.pipeline.outcomes import KpiOutcome
from tars_ci.pipeline.program import Episode, ProgramJudgement
from tars_ci.reports import charts
from tars_ci.reports.retro import text
from tars_ci.spec.model import Spec


def trend_row(o: KpiOutcome) -> dict[str, Any]:
    """One KPI of the trends table: its shape (with its summary), worst day, last day."""
    t = o.trend
    shape = t.summary if t.shape != "unknown" else f"unknown: {t.reason}"
    return {"kpi": o.kpi, "title": o.title, "baseline": text.value(o.baseline, o.unit),
            "shape": t.shape, "summary": shape, "direction": t.direction,
            "slope_percent_per_day": t.slope_percent_per_day, "step_day": t.step_day,
            "step_percent": t.step_percent, "recovered_day": t.recovered_day,
            "spike_day": t.spike_day, **_points(o)}


def drift_row(o: KpiOutcome, causes: str) -> dict[str, Any]:
    """One unexpected drift: worst and last day (labelled), shape and potential causes."""
    t = o.trend
    return {"kpi": o.kpi, "title": o.title, "shape": t.shape, "summary": t.summary,
            "potential_causes": causes, **_points(o)}


def _points(o: KpiOutcome) -> dict[str, Any]:
    w, last = o.worst, o.last
    return {"worst_day": None if w is None else w.day,
            "worst_drift_percent": None if w is None else w.drift_percent,
            "worst_value": None if w is None else w.value,
            "worst": "never worse" if w is None else text.drift(w.drift_percent, o.better),
            "last_day": None if last is None else last.day,
            "last_drift_percent": None if last is None else last.drift_percent,
            "last": text.point(last, o.better)}


def trend_charts(spec: Spec, judged: ProgramJudgement, kpis: Sequence[str]) -> list[str]:
    """Line charts (GA and each day) of the first four of ``kpis`` with data."""
    picked = [k for k in dict.fromkeys(kpis) if k in judged.values][:4]
    out = []
    for kpi in picked:
        k = spec.kpi(kpi)
        points = [("GA", judged.baseline.get(kpi))] + [
            (f"D{d}", v) for d, v in sorted(judged.values[kpi].items())]
        chart = charts.line_chart(f"{k.display} by day ({k.unit})", points, k.unit)
        if chart:
            out.append(chart)
    return out


def anomalies(episodes: Sequence[Episode], titles: Mapping[str, str]) -> dict[str, Any]:
    """The ten strongest anomaly episodes, with their lengths."""
    ranked = sorted(episodes, key=lambda e: (-abs(e.entry.peak_z), e.entry.start, e.entry.kpi))
    top = [{"title": titles.get(e.entry.kpi, e.entry.kpi), "kpi": e.entry.kpi,
            "day": e.entry.day, "start": e.entry.start, "end": e.entry.end,
            "minutes": e.minutes, "duration": text.duration(e.minutes),
            "peak_z": e.entry.peak_z, "direction": e.entry.direction,
            "bad_direction": e.entry.bad_direction} for e in ranked[:10]]
    return {"total": len(episodes), "top": top,
            "bad_direction": sum(1 for e in episodes if e.entry.bad_direction)}
