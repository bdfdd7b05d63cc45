"""The report records of the runbook's layout, built from analysis results (no I/O).

Each builder returns a record of :mod:`tars_ci.reports.records`; the
:class:`~tars_ci.reports.store.HistoryStore` writes it. Provenance (which spec judged a file)
is computed here from the spec: the digest of its judging sections and the thresholds in
effect.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Any

from tars_ci.analysis.anomaly import Episode
from tars_ci.analysis.burn import BurnEvaluation
from tars_ci.analysis.drift import Comparison
from tars_ci.analysis.findings import Finding
from tars_ci.analysis.health import Health
from tars_ci.analysis.kpis import Measurement
from tars_ci.analysis.mitigation import MitigationStep
from tars_ci.analysis.rollback import Rollback
from tars_ci.analysis.slo import SloDay
from tars_ci.reports.records import (
    AnomalyEvents,
    BaselineEntry,
    BurnAlert,
    BurnPeak,
    Coverage,
    DataGap,
    DaySummary,
    DriftAnalysis,
    EpisodeEntry,
    GaSummary,
    HealthReport,
    KpiComparison,
    MaxDrift,
    Provenance,
    ReleaseBlock,
    SloBurn,
    Window,
)
from tars_ci.spec.model import SEVERITIES, Kpi, Spec
from tars_ci.spec.values import format_duration
from tars_ci.timeline import DayWindow, iso


def release_block(spec: Spec) -> ReleaseBlock:
    """Which release a file belongs to."""
    r = spec.release
    return ReleaseBlock(r.name, r.release_slug, iso(r.ga_time), r.days)


def window_block(window: DayWindow) -> Window:
    """A day window in UTC ISO 8601."""
    return Window(iso(window.start), iso(window.end))


# --------------------------------------------------------------------------- provenance


def _plain(value: Any) -> Any:
    """Spec values as canonical JSON data (durations in seconds, times as ISO text)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, (datetime, time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def effective_thresholds(spec: Spec) -> dict[str, Any]:
    """The settings that judge a day: drift, health and rollback thresholds and priorities
    (anomaly settings are recorded in the anomaly events file)."""
    th = spec.thresholds
    return {"drift": _plain(th.drift), "health": _plain(th.health),
            "rollback": _plain(th.rollback), "priorities": _plain(spec.priorities)}


def provenance(spec: Spec, baseline_file: str = "") -> Provenance:
    """Which spec judged a file: digests of its judging sections and the thresholds."""
    thresholds = effective_thresholds(spec)
    judging = {"kpis": _plain(spec.kpis), "slos": _plain(spec.slos),
               "thresholds": _plain(spec.thresholds), "priorities": _plain(spec.priorities)}
    return Provenance(_digest(judging), _digest(thresholds), thresholds, baseline_file)


# --------------------------------------------------------------------------- days


def coverage_block(measurements: Mapping[str, Measurement]) -> Coverage:
    """How much of the day's data arrived."""
    values = list(measurements.values())
    return Coverage(
        kpis_total=len(values),
        kpis_with_data=sum(1 for m in values if m.status == "ok"),
        kpis_no_data=tuple(sorted(m.kpi for m in values if m.status == "no_data")),
        kpis_error=tuple(sorted(m.kpi for m in values if m.status == "error")),
        mean_coverage=(sum(m.coverage for m in values) / len(values)) if values else 0.0,
    )


def baseline_entry(kpi: Kpi, m: Measurement, late_since: str | None = None) -> BaselineEntry:
    """One KPI of the GA summary."""
    return BaselineEntry(*m, title=kpi.display, unit=kpi.unit, better=kpi.better,
                         critical=kpi.critical, late_since=late_since)


def ga_summary(spec: Spec, window: DayWindow, measurements: Mapping[str, Measurement],
               slo: Mapping[str, SloDay]) -> GaSummary:
    """``ga_kpis/ga_kpi_summary.json``: the day-0 baseline."""
    return GaSummary(
        release=release_block(spec), day=0, window=window_block(window),
        kpis={k.name: baseline_entry(k, measurements[k.name]) for k in spec.kpis},
        slo=dict(slo), data_coverage=coverage_block(measurements),
        provenance=provenance(spec))


def kpi_comparison(kpi: Kpi, c: Comparison) -> KpiComparison:
    """``metrics_comparison.<kpi>``."""
    return KpiComparison(*c, title=kpi.display, unit=kpi.unit, better=kpi.better,
                         critical=kpi.critical)


def drift_analysis(spec: Spec, comparisons: Mapping[str, Comparison]) -> DriftAnalysis:
    """Summary of the day's drift: worst metric, counts by severity, notable metrics."""
    judged = [c for c in comparisons.values() if c.bad_drift_percent is not None]
    worst = max(judged, key=lambda c: (c.bad_drift_percent or 0.0, c.kpi), default=None)
    return DriftAnalysis(
        max_bad_drift=None if worst is None else MaxDrift(
            worst.kpi, worst.bad_drift_percent, worst.drift_percent, worst.severity),
        by_severity={s: tuple(sorted(c.kpi for c in comparisons.values() if c.severity == s))
                     for s in SEVERITIES},
        notable=tuple(c.kpi for c in comparisons.values() if c.severity is not None),
        no_data=tuple(sorted(c.kpi for c in comparisons.values()
                             if c.status in ("no_data", "error"))),
        thresholds_percent={name: getattr(spec.thresholds.drift, name)
                            for name in ("notable", "medium", "high", "critical")},
    )


def slo_burn(evaluation: BurnEvaluation) -> SloBurn:
    """An SLO's burn-rate alerts on the day, with UTC times and spec-style durations."""
    def when(t: float | None) -> str | None:
        return None if t is None else iso(t)

    def dur(seconds: float) -> str:
        return format_duration(timedelta(seconds=seconds))

    return SloBurn(
        objective=evaluation.objective, slo_window=dur(evaluation.slo_window),
        alerts=tuple(BurnAlert(
            e.alert, dur(e.long_window), dur(e.short_window), e.factor, e.priority,
            iso(e.start), iso(e.end), e.peak_burn, iso(e.peak_time),
            e.budget_consumed * 100.0, e.open_at_start, e.open_at_end)
            for e in evaluation.episodes),
        peaks=tuple(BurnPeak(dur(p.window), p.peak_burn, when(p.peak_time), p.evaluated,
                             p.steps) for p in evaluation.peaks),
        notes=evaluation.notes)


def day_summary(spec: Spec, window: DayWindow, measurements: Mapping[str, Measurement],
                comparisons: Mapping[str, Comparison], findings: Sequence[Finding],
                rollback: Rollback, health: Health, anomaly_episodes: int,
                slo: Mapping[str, SloDay], baseline_file: str,
                burns: Mapping[str, BurnEvaluation] | None = None,
                gaps: Sequence[tuple[str, float, float]] = ()) -> DaySummary:
    """``stability/day_NN_summary.json``."""
    return DaySummary(
        release=release_block(spec), day=window.day, window=window_block(window),
        metrics_comparison={k.name: kpi_comparison(k, comparisons[k.name]) for k in spec.kpis},
        drift_analysis=drift_analysis(spec, comparisons), findings=tuple(findings),
        rollback_recommendation=rollback, health_score=health.score,
        health_band=health.band, anomaly_episodes=anomaly_episodes, slo=dict(slo),
        data_coverage=coverage_block(measurements),
        provenance=provenance(spec, baseline_file),
        slo_burn={name: slo_burn(e) for name, e in sorted((burns or {}).items())},
        data_gaps=tuple(DataGap(kpi, iso(a), iso(b), (b - a) / 60.0) for kpi, a, b in gaps))


def health_report(spec: Spec, window: DayWindow, health: Health, findings: Sequence[Finding],
                  mitigation: Sequence[MitigationStep], rollback: Rollback,
                  baseline_file: str) -> HealthReport:
    """``health/day_NN_HEALTH.json``."""
    return HealthReport(
        release=release_block(spec), day=window.day, window=window_block(window),
        score=health.score, band=health.band, breakdown=health.contributions,
        anomaly_episodes=health.anomaly_episodes,
        anomaly_points_lost=health.anomaly_points_lost, degradations=health.degradations,
        health_score=health.score, findings=tuple(f.id for f in findings),
        mitigation_plan=tuple(mitigation), rollback_recommendation=rollback,
        provenance=provenance(spec, baseline_file), coverage=health.coverage,
        data_note=health.data_note)


# --------------------------------------------------------------------------- anomalies


def episode_entry(spec: Spec, episode: Episode, ga_time: datetime) -> EpisodeEntry:
    """One anomaly episode with ISO times, its program day and whether it is in the bad
    direction of its KPI."""
    day = int((episode.start - ga_time.timestamp()) // 86400)
    better = next((k.better for k in spec.kpis if k.name == episode.kpi), None)
    bad = (better == "lower" and episode.direction == "up") or (
        better == "higher" and episode.direction == "down")
    return EpisodeEntry(kpi=episode.kpi, start=iso(episode.start), end=iso(episode.end),
                        peak_time=iso(episode.peak_time), peak_value=episode.peak_value,
                        peak_z=episode.peak_z, peak_score=episode.peak_score,
                        points=episode.points, direction=episode.direction,
                        expected=episode.expected, onset_z=episode.onset_z,
                        band_low=episode.band_low, band_high=episode.band_high,
                        recovered=episode.recovered, day=day, bad_direction=bad)


def anomaly_events(spec: Spec, through_day: int,
                   entries: Sequence[EpisodeEntry]) -> AnomalyEvents:
    """``anomalies/anomaly_events.json``: every episode from GA through ``through_day``."""
    ordered = tuple(sorted(entries, key=lambda e: (e.start, e.kpi)))
    counts: dict[str, int] = {}
    for e in ordered:
        counts[e.kpi] = counts.get(e.kpi, 0) + 1
    settings = spec.thresholds.anomaly
    return AnomalyEvents(
        release=release_block(spec), through_day=through_day,
        method="EWMA + z-score (tars_ci.analysis.anomaly)",
        settings=_plain(settings), episodes=ordered,
        count_by_kpi=dict(sorted(counts.items())), total=len(ordered),
        provenance=provenance(spec))
