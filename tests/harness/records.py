"""Complete history records from a few numbers, for tests that hand-build a reports tree.

Every file the store reads is checked field by field, so hand-built reports must be whole
records: these builders fill what a test does not care about with plain, valid values, and
:func:`write_day` / :func:`write_ga` / :func:`write_retro` write them through the store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from tars_ci.analysis.drift import Comparison, compare
from tars_ci.analysis.findings import Finding
from tars_ci.analysis.kpis import Measurement
from tars_ci.analysis.rollback import Rollback
from tars_ci.analysis.slo import SloDay, assess_day, missing_day
from tars_ci.reports.codec import Location, decode
from tars_ci.reports.records import (
    SCHEMA_VERSION,
    ActionItem,
    AnomalyEvents,
    BaselineEntry,
    BurnAlert,
    BurnPeak,
    Coverage,
    DataGap,
    DaySummary,
    DriftAnalysis,
    EpisodeEntry,
    FinalRecommendation,
    GaSummary,
    HealthReport,
    KpiComparison,
    Provenance,
    ReleaseBlock,
    Retrospective,
    SloBurn,
    Window,
)
from tars_ci.reports.store import History, HistoryStore, RecordedDay
from tars_ci.spec.model import DriftThresholds, Kpi, Slo

GA = datetime(2026, 11, 2, tzinfo=timezone.utc)
RELEASE = ReleaseBlock("checkout-api v2.4.0", "checkout-api-v2-4-0", "2026-11-02T00:00:00Z", 7)
MONITOR = Rollback("monitor", ("no rollback rule fired",), ())
_UNITS = {"error_rate": "percent", "availability": "percent", "p99_latency_ms": "ms",
          "p95_latency_ms": "ms", "cpu_percent": "percent"}


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def window(day: int, ga: datetime = GA) -> Window:
    """Day ``day``'s window."""
    return Window(_iso(ga + timedelta(days=day)), _iso(ga + timedelta(days=day + 1)))


def finding(kpi: str, day: int, priority: str, *, kind: str = "degradation",
            value: float | None = 1.0, baseline: float | None = 0.5,
            drift: float | None = 100.0, severity: str = "high", title: str = "",
            fid: str = "", detail: str = "") -> Finding:
    """One finding as a day summary records it (decoded, so its literals are checked)."""
    data = {"id": fid or f"{kpi}:{kind}", "day": day, "kpi": kpi, "kind": kind,
            "severity": severity, "priority": priority, "value": value, "baseline": baseline,
            "drift_percent": drift, "title": title or f"{kpi} {kind}",
            "detail": detail or f"{kpi} moved from {baseline} to {value}"}
    return decode(Finding, data, Location("test finding"))


def comparison(kpi: str, value: float | None = 1.0, baseline: float | None = 0.5,
               unit: str = "") -> KpiComparison:
    """A KPI's comparison, failing at high severity (or no_data without a value)."""
    if value is None or baseline is None:
        c = Comparison(kpi, "no_data", value, baseline, None, None, None, None, 0.0, "no data")
    else:
        drift = (value - baseline) / abs(baseline) * 100 if baseline else None
        c = Comparison(kpi, "fail", value, baseline, drift, drift, "high", None, 1.0, "")
    return KpiComparison(*c, title=kpi, unit=unit or _UNITS.get(kpi, ""), better="lower",
                         critical=False)


def compared(kpi: Kpi, value: float | None, baseline: float | None,
             th: DriftThresholds | None = None, coverage: float = 1.0) -> KpiComparison:
    """``kpi``'s comparison of ``value`` with ``baseline`` as a day records it (judged by the
    real drift rules; None is no data)."""
    today = (Measurement(kpi.name, "ok", value, coverage, 1440, "") if value is not None
             else Measurement(kpi.name, "no_data", None, 0.0, 0, "no samples in the window"))
    base = (Measurement(kpi.name, "ok", baseline, 1.0, 1440, "") if baseline is not None
            else Measurement(kpi.name, "no_data", None, 0.0, 0, "no baseline"))
    return KpiComparison(*compare(kpi, today, base, th or DriftThresholds()),
                         title=kpi.display, unit=kpi.unit,
                         better=kpi.better, critical=kpi.critical)


def slo_day(slo: Slo, day: int, bad_percent: float | None, total: float = 1e6) -> SloDay:
    """``slo`` on ``day`` with ``bad_percent`` of ``total`` events bad (None: no data)."""
    if bad_percent is None:
        return assess_day(slo, missing_day(day, "no step has both a good and a total rate"))
    bad = total * bad_percent / 100.0
    return assess_day(slo, SloDay(day, 100.0 - bad_percent, None, None, None, 1.0, "ok", bad,
                                  total))


def burn_alert(alert: str, priority: str, start: str, end: str, peak: float,
               budget_percent: float, long: str = "1h", short: str = "5m",
               factor: float = 14.4) -> BurnAlert:
    """One firing of a burn-rate alert (times UTC ISO 8601)."""
    return decode(BurnAlert, {
        "alert": alert, "long_window": long, "short_window": short, "factor": factor,
        "priority": priority, "start": start, "end": end, "peak_burn": peak,
        "peak_time": start, "budget_consumed_percent": budget_percent,
        "open_at_start": False, "open_at_end": False}, Location("test burn alert"))


def slo_burn(objective: float, peaks: Mapping[str, float | None],
             alerts: Sequence[BurnAlert] = ()) -> SloBurn:
    """An SLO's burn-rate record of a day: the peak per window and the alerts that fired."""
    return SloBurn(objective, "30d", tuple(alerts), tuple(
        BurnPeak(w, p, None, 1440 if p is not None else 0, 1440) for w, p in peaks.items()), ())


def gap(kpi: str, start: str, end: str) -> DataGap:
    """A stretch without samples (UTC ISO 8601 times)."""
    from tars_ci.spec.values import parse_timestamp

    minutes = (parse_timestamp(end) - parse_timestamp(start)).total_seconds() / 60.0
    return DataGap(kpi, start, end, minutes)


def provenance(thresholds: Mapping[str, Any], digest: str = "sha256:t1") -> Provenance:
    """A provenance block with these thresholds (``digest`` names them)."""
    return Provenance("sha256:spec", digest, dict(thresholds), "ga_kpis/ga_kpi_summary.json")


def episode(kpi: str, day: int, start: str, end: str, peak_z: float,
            bad_direction: bool = True) -> EpisodeEntry:
    """An anomaly episode (UTC ISO 8601 times)."""
    return EpisodeEntry(kpi, start, end, start, 1.0, peak_z, abs(peak_z), 10,
                        "up" if peak_z > 0 else "down", 0.5, day, bad_direction)


def anomaly_events(episodes: Sequence[EpisodeEntry],
                   release: ReleaseBlock = RELEASE) -> AnomalyEvents:
    """The anomaly events file of these episodes."""
    counts: dict[str, int] = {}
    for e in episodes:
        counts[e.kpi] = counts.get(e.kpi, 0) + 1
    return AnomalyEvents(release, 7, "EWMA + z-score", {}, tuple(episodes), counts,
                         len(episodes))


def day_summary(day: int, findings: Sequence[Finding] = (), health: float | None = 80.0,
                band: str | None = "good", rollback: Rollback = MONITOR,
                comparisons: Mapping[str, KpiComparison] | None = None,
                release: ReleaseBlock = RELEASE, *, slo: Mapping[str, SloDay] | None = None,
                slo_burn: Mapping[str, SloBurn] | None = None,
                data_gaps: Sequence[DataGap] = (), anomaly_episodes: int = 0,
                provenance: Provenance | None = None) -> DaySummary:
    """A day summary with these findings and this health."""
    comps = dict(comparisons) if comparisons is not None else {
        k: comparison(k) for k in ("error_rate", "p99_latency_ms", "cpu_percent")}
    return DaySummary(
        release=release, day=day, window=window(day), metrics_comparison=comps,
        drift_analysis=DriftAnalysis(None, {}, (), (), {}), findings=tuple(findings),
        rollback_recommendation=rollback, health_score=health, health_band=band,
        anomaly_episodes=anomaly_episodes, slo=dict(slo or {}),
        data_coverage=Coverage(len(comps), len(comps), (), (), 1.0),
        provenance=provenance, slo_burn=dict(slo_burn or {}), data_gaps=tuple(data_gaps))


def health_report(summary: DaySummary, coverage: float | None = None,
                  note: str = "") -> HealthReport:
    """The health report that goes with ``summary``."""
    score = summary.health_score or 0.0
    return HealthReport(
        release=summary.release, day=summary.day, window=summary.window, score=score,
        band=summary.health_band or "poor", breakdown=(), anomaly_episodes=0,
        anomaly_points_lost=0.0, degradations=(), health_score=score,
        findings=tuple(f.id for f in summary.findings), mitigation_plan=(),
        rollback_recommendation=summary.rollback_recommendation, coverage=coverage,
        data_note=note)


def history(ga: GaSummary | None, days: Sequence[RecordedDay],
            anomalies: AnomalyEvents | None = None) -> History:
    """A history in memory, as the store would load it."""
    return History(ga, {d.day: d for d in days}, anomalies)


def ga_summary(kpis: Mapping[str, float] | None = None,
               release: ReleaseBlock = RELEASE, *,
               late: Mapping[str, str] | None = None) -> GaSummary:
    """A baseline with these KPI values (``late``: KPI → when its late baseline was taken)."""
    values = kpis if kpis is not None else {"error_rate": 0.5}
    entries = {k: BaselineEntry(k, "ok", v, 1.0, 1440, "", k, _UNITS.get(k, ""), "lower",
                                False, late_since=(late or {}).get(k))
               for k, v in values.items()}
    return GaSummary(release=release, day=0, window=window(0), kpis=entries, slo={},
                     data_coverage=Coverage(len(entries), len(entries), (), (), 1.0))


def store(reports_dir: Path, release: ReleaseBlock = RELEASE) -> HistoryStore:
    """The store of ``release`` under ``reports_dir``."""
    return HistoryStore(reports_dir, release)


def write_ga(reports_dir: Path, release: ReleaseBlock = RELEASE, **kw: Any) -> None:
    """Write the baseline."""
    store(reports_dir, release).write_ga(ga_summary(release=release, **kw))


def write_day(reports_dir: Path, day: int, findings: Sequence[Finding] = (),
              health: float | None = 80.0, release: ReleaseBlock = RELEASE,
              **kw: Any) -> Path:
    """Write a day (summary and health report); the summary's path."""
    s = store(reports_dir, release)
    summary = day_summary(day, findings, health, release=release, **kw)
    s.write_day(summary, health_report(summary))
    return s.paths.day_summary(day)


def write_retro(reports_dir: Path, summary: str = "**checkout-api v2.4.0** completed its "
                "program.", items: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
                release: ReleaseBlock = RELEASE) -> None:
    """Write the retrospective (Markdown and JSON)."""
    raw = items if items is not None else {
        "P0": [], "P1": [{"id": "error_rate:degradation", "title": "Error rate degradation",
                          "kpi": "error_rate", "day": 3, "detail": "fix retries"}],
        "P2": [], "P3": []}
    action_items = {p: tuple(ActionItem(str(i.get("id", "")), str(i.get("title", "")),
                                        str(i.get("kpi", "")), i.get("day"),
                                        str(i.get("severity", "high")),
                                        str(i.get("detail", "")), str(i.get("action", "")))
                             for i in lst) for p, lst in raw.items()}
    s = store(reports_dir, release)
    retro = Retrospective(release, summary, FinalRecommendation("monitor", (), ()),
                          action_items, {})
    s.write_retro(retro, f"# Retrospective\n\n{summary}\n")


__all__ = ["GA", "MONITOR", "RELEASE", "SCHEMA_VERSION", "anomaly_events", "burn_alert",
           "compared", "comparison", "day_summary", "episode", "finding", "ga_summary", "gap",
           "health_report", "history", "provenance", "slo_burn", "slo_day", "store", "window",
           "write_day", "write_ga", "write_retro"]
