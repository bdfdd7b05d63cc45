"""The JSON documents of the runbook's layout, built from analysis records (no I/O).

Each builder returns plain data for :func:`tars_ci.reports.jsonio.write_json`. Field names
follow the seeds' runbook (``metrics_comparison``, ``drift_analysis``,
``rollback_recommendation``, ``health_score``, ``degradations``, ``mitigation_plan``) so the
runbook's ``jq`` one-liners work on them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from tars_ci.analysis.anomaly import Episode
from tars_ci.analysis.drift import Comparison
from tars_ci.analysis.kpis import Measurement
from tars_ci.analysis.priority import Finding
from tars_ci.analysis.rollback import Rollback
from tars_ci.analysis.slo import SloDay
from tars_ci.spec.model import SEVERITIES, Kpi, Spec
from tars_ci.timeline import DayWindow, iso


def release_block(spec: Spec) -> dict[str, Any]:
    """Which release a document belongs to."""
    return {"name": spec.release.name, "slug": spec.release.release_slug,
            "ga_time": iso(spec.release.ga_time), "days": spec.release.days}


def _window(window: DayWindow) -> dict[str, str]:
    return {"start": iso(window.start), "end": iso(window.end)}


def _kpi_meta(kpi: Kpi) -> dict[str, Any]:
    return {"title": kpi.display, "unit": kpi.unit, "better": kpi.better,
            "critical": kpi.critical}


def coverage_block(measurements: Mapping[str, Measurement]) -> dict[str, Any]:
    """How much of the day's data arrived."""
    values = list(measurements.values())
    with_data = [m for m in values if m.status == "ok"]
    return {
        "kpis_total": len(values),
        "kpis_with_data": len(with_data),
        "kpis_no_data": sorted(m.kpi for m in values if m.status == "no_data"),
        "kpis_error": sorted(m.kpi for m in values if m.status == "error"),
        "mean_coverage": (sum(m.coverage for m in values) / len(values)) if values else 0.0,
    }


def ga_document(spec: Spec, window: DayWindow, measurements: Mapping[str, Measurement],
                slo: Mapping[str, SloDay]) -> dict[str, Any]:
    """``ga_kpis/ga_kpi_summary.json``: the day-0 baseline."""
    return {
        "release": release_block(spec),
        "day": 0,
        "window": _window(window),
        "kpis": {k.name: {**measurements[k.name]._asdict(), **_kpi_meta(k)} for k in spec.kpis},
        "slo": {name: day._asdict() for name, day in slo.items()},
        "data_coverage": coverage_block(measurements),
    }


def drift_analysis(spec: Spec, comparisons: Mapping[str, Comparison]) -> dict[str, Any]:
    """Summary of the day's drift: worst metric, counts by severity, notable metrics."""
    judged = [c for c in comparisons.values() if c.bad_drift_percent is not None]
    worst = max(judged, key=lambda c: (c.bad_drift_percent or 0.0, c.kpi), default=None)
    by_severity = {s: sorted(c.kpi for c in comparisons.values() if c.severity == s)
                   for s in SEVERITIES}
    return {
        "max_bad_drift": None if worst is None else {
            "kpi": worst.kpi, "bad_drift_percent": worst.bad_drift_percent,
            "drift_percent": worst.drift_percent, "severity": worst.severity},
        "by_severity": by_severity,
        "notable": [c.kpi for c in comparisons.values() if c.severity is not None],
        "no_data": sorted(c.kpi for c in comparisons.values() if c.status in ("no_data", "error")),
        "thresholds_percent": {name: getattr(spec.thresholds.drift, name)
                               for name in ("notable", "medium", "high", "critical")},
    }


def day_document(spec: Spec, window: DayWindow, measurements: Mapping[str, Measurement],
                 comparisons: Mapping[str, Comparison], findings: Sequence[Finding],
                 rollback: Rollback, health: Any, anomaly_episodes: int,
                 slo: Mapping[str, SloDay]) -> dict[str, Any]:
    """``stability/day_NN_summary.json``."""
    return {
        "release": release_block(spec),
        "day": window.day,
        "window": _window(window),
        "metrics_comparison": {k.name: {**comparisons[k.name]._asdict(), **_kpi_meta(k)}
                               for k in spec.kpis},
        "drift_analysis": drift_analysis(spec, comparisons),
        "findings": [f._asdict() for f in findings],
        "rollback_recommendation": rollback._asdict(),
        "health_score": health.score,
        "health_band": health.band,
        "anomaly_episodes": anomaly_episodes,
        "slo": {name: day._asdict() for name, day in slo.items()},
        "data_coverage": coverage_block(measurements),
    }


def health_document(spec: Spec, window: DayWindow, health: Any, findings: Sequence[Finding],
                    mitigation: Sequence[Any], rollback: Rollback) -> dict[str, Any]:
    """``health/day_NN_HEALTH.json``."""
    body = health._asdict()
    body.pop("day", None)
    body["breakdown"] = body.pop("contributions")  # the runbook's name
    return {
        "release": release_block(spec),
        "day": window.day,
        "window": _window(window),
        **body,
        "health_score": health.score,
        "findings": [f.id for f in findings],
        "mitigation_plan": [step._asdict() for step in mitigation],
        "rollback_recommendation": rollback._asdict(),
    }


def episode_block(spec: Spec, episode: Episode, ga_time: datetime) -> dict[str, Any]:
    """One anomaly episode with ISO times, its program day and whether it is in the bad
    direction of its KPI."""
    body = episode._asdict()
    for key in ("start", "end", "peak_time"):
        body[key] = iso(body[key])
    day = int((episode.start - ga_time.timestamp()) // 86400)
    better = next((k.better for k in spec.kpis if k.name == episode.kpi), None)
    bad = (better == "lower" and episode.direction == "up") or (
        better == "higher" and episode.direction == "down")
    return {**body, "day": day, "bad_direction": bad}


def anomalies_document(spec: Spec, through_day: int,
                       episodes: Sequence[Episode]) -> dict[str, Any]:
    """``anomalies/anomaly_events.json``: every episode from GA through ``through_day``."""
    ga = spec.release.ga_time
    blocks = sorted((episode_block(spec, e, ga) for e in episodes),
                    key=lambda b: (b["start"], b["kpi"]))
    counts: dict[str, int] = {}
    for b in blocks:
        counts[b["kpi"]] = counts.get(b["kpi"], 0) + 1
    settings = spec.thresholds.anomaly
    return {
        "release": release_block(spec),
        "through_day": through_day,
        "method": "EWMA + z-score (tars_ci.analysis.anomaly)",
        "settings": {name: getattr(settings, name)
                     for name in settings.__dataclass_fields__},
        "episodes": blocks,
        "count_by_kpi": dict(sorted(counts.items())),
        "total": len(blocks),
    }
