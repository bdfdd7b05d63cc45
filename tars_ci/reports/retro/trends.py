"""The retrospective's trends table, trend charts and anomaly episodes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tars_ci.reports import charts, markdown
from tars_ci.reports.records import EpisodeEntry
from tars_ci.spec.model import Spec


def trend_row(t: Any, titles: Mapping[str, str], baseline: Mapping[str, float | None],
               spec: Spec) -> dict[str, Any]:
    unit = spec.kpi(t.kpi).unit
    return {"kpi": t.kpi, "title": titles.get(t.kpi, t.kpi), "direction": t.direction,
            "baseline": markdown.number(baseline.get(t.kpi), unit),
            "slope": t.slope_percent_per_day, "worst_day": t.worst_day,
            "worst_drift": t.worst_bad_drift_percent}


def trend_charts(spec: Spec, model: Mapping[str, Any], baseline: Mapping[str, float | None],
                  values: Mapping[str, Mapping[int, float | None]]) -> list[str]:
    picked: list[str] = []
    for kpi in [i["kpi"] for i in model["what_could_be_improved"]] + [
            d["kpi"] for d in model["unexpected_drifts"]]:
        if kpi in values and kpi not in picked:
            picked.append(kpi)
    out = []
    for kpi in picked[:4]:
        k = spec.kpi(kpi)
        points = [("GA", baseline.get(kpi))] + [
            (f"D{d}", v) for d, v in sorted(values[kpi].items())]
        chart = charts.line_chart(f"{k.display} by day ({k.unit})", points, k.unit)
        if chart:
            out.append(chart)
    return out


def anomalies(episodes: Sequence[EpisodeEntry],
               titles: Mapping[str, str]) -> dict[str, Any]:
    ranked = sorted(episodes, key=lambda e: (-abs(e.peak_z), e.start, e.kpi))
    top = [{"title": titles.get(e.kpi, e.kpi), "day": e.day, "start": e.start, "end": e.end,
            "peak_z": e.peak_z, "direction": e.direction, "kpi": e.kpi} for e in ranked[:10]]
    return {"total": len(episodes), "top": top,
            "bad_direction": sum(1 for e in episodes if e.bad_direction)}
