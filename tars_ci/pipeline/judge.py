"""Step 2 of a run: judge one day (pure: fetched data + recorded history → records).

The GA day becomes a :class:`~tars_ci.reports.records.GaSummary`; every later day a
:class:`DayResult` (its summary and health report), judged against the recorded baseline and
the days before it. Results are returned exactly as they will read back from their files
(:func:`~tars_ci.reports.records.as_recorded`), so a catch-up run and day-by-day runs judge
later days from the same numbers.

:func:`data_lost` and :func:`differences` compare a recomputed record with the recorded one:
the run keeps a recorded day when its recomputation has less data (Prometheus' retention
passed it), and shows what a recomputation would change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from tars_ci.analysis import anomaly
from tars_ci.analysis.burn import evaluate_burn
from tars_ci.analysis.drift import Comparison
from tars_ci.analysis.findings import judge_findings
from tars_ci.analysis.health import health_score
from tars_ci.analysis.kpis import Measurement, format_value
from tars_ci.analysis.mitigation import mitigation_plan
from tars_ci.analysis.rollback import DayState, recommend
from tars_ci.analysis.rules import compile_rules
from tars_ci.pipeline.fetch import ProgramData, burn_series, data_gaps, measure_day, slo_day
from tars_ci.reports import documents
from tars_ci.reports.codec import encode
from tars_ci.reports.jsonio import normalise
from tars_ci.reports.records import DaySummary, GaSummary, HealthReport, as_recorded, replace
from tars_ci.spec.model import Spec
from tars_ci.timeline import DayWindow, day_window, iso

_COVERAGE_SLACK = 1e-6


class DayResult(NamedTuple):
    """A judged day, as its files will hold it."""

    summary: DaySummary
    health: HealthReport


def judge_baseline(spec: Spec, data: ProgramData, window: DayWindow) -> GaSummary:
    """The GA-day baseline of every KPI and SLO."""
    return as_recorded(documents.ga_summary(spec, window, measure_day(spec, data, window),
                                            slo_day(spec, data, window)))


def add_late_baselines(spec: Spec, ga: GaSummary, data: ProgramData,
                       now: datetime) -> tuple[GaSummary, list[str]]:
    """``ga`` with a baseline for each spec KPI it lacks (added to the spec after day 0),
    measured on day 0 as far as the source still has it; and a note per KPI."""
    missing = [k for k in spec.kpis if k.name not in ga.kpis]
    if not missing:
        return ga, []
    day0 = measure_day(spec, data, day_window(spec.release.ga_time, 0))
    kpis = dict(ga.kpis)
    notes = []
    for kpi in missing:
        m = day0[kpi.name]
        if m.status != "ok":
            m = m._replace(reason=f"added to the spec after day 0; the source no longer has "
                                  f"its day-0 data ({m.reason or m.status}): judged "
                                  f"no_baseline")
        kpis[kpi.name] = documents.baseline_entry(kpi, m, late_since=iso(now))
        notes.append(f"{kpi.name}: added to the spec after day 0; late baseline "
                     + (f"{format_value(m.value, kpi.unit)} taken from day 0's data"
                        if m.value is not None
                        else "unavailable (day 0 is no longer in the source)"))
    return as_recorded(replace(ga, kpis=kpis)), notes


def judge_day(spec: Spec, data: ProgramData, window: DayWindow, ga: GaSummary,
              prior: Sequence[DaySummary], episodes: Sequence[anomaly.Episode],
              baseline_file: str) -> DayResult:
    """Judge ``window`` against the baseline ``ga`` and the recorded days before it."""
    rules = compile_rules(spec)
    measurements = measure_day(spec, data, window)
    baseline = ga.measurements()
    comparisons: dict[str, Comparison] = {
        r.kpi.name: r.compare(measurements[r.kpi.name],
                              baseline.get(r.kpi.name, _no_baseline(r.kpi.name)))
        for r in rules.drifts}
    slo = slo_day(spec, data, window)
    lo, hi = window.start.timestamp(), window.end.timestamp()
    burns = {s.name: evaluate_burn(s, burn_series(spec, data, s, window), lo, hi,
                                   rules.burns_of(s.name))
             for s in spec.slos}
    findings = judge_findings(window.day, rules, comparisons, slos=slo, burns=burns)
    n_episodes = bad_episodes_on(spec, episodes, window)
    health = health_score(window.day, spec.kpis, comparisons, n_episodes,
                          spec.thresholds.health, bands=spec.priorities.bands)
    recorded_comparisons = {k: as_recorded(c) for k, c in comparisons.items()}
    state = DayState(window.day,
                     None if health.score is None else float(normalise(health.score)),
                     recorded_comparisons, health.band)
    states = [DayState(s.day, s.health_score, s.comparisons(), s.health_band)
              for s in sorted(prior, key=lambda s: s.day) if s.day < window.day]
    rollback = recommend([*states, state], rules)
    plan = mitigation_plan(findings, spec)
    summary = documents.day_summary(spec, window, measurements, comparisons, findings,
                                    rollback, health, n_episodes, slo, baseline_file,
                                    burns, data_gaps(spec, data, window))
    report = documents.health_report(spec, window, health, findings, plan, rollback,
                                     baseline_file)
    return DayResult(as_recorded(summary), as_recorded(report))


def _no_baseline(kpi: str) -> Measurement:
    return Measurement(kpi, "no_data", None, 0.0, 0, "not in the recorded GA baseline")


def bad_episodes_on(spec: Spec, episodes: Sequence[anomaly.Episode], window: DayWindow) -> int:
    """Anomaly episodes in a KPI's bad direction that overlap ``window``."""
    better = {k.name: k.better for k in spec.kpis}
    lo, hi = window.start.timestamp(), window.end.timestamp()
    count = 0
    for e in episodes:
        bad = (better.get(e.kpi) == "lower") == (e.direction == "up")
        if bad and e.start < hi and e.end >= lo:
            count += 1
    return count


# --------------------------------------------------------------------------- recomputation


Coverage = dict[str, tuple[bool, float]]  # name → (has data, coverage)


def data_lost(recorded: Coverage, fresh: Coverage) -> list[str]:
    """What ``fresh`` lacks that ``recorded`` had: a KPI or SLO with data then and none (or
    less coverage) now. Empty when ``fresh`` has at least the same data."""
    lost: list[str] = []
    for name, (had, cover) in sorted(recorded.items()):
        if not had:
            continue
        now_has, now_cover = fresh.get(name, (False, 0.0))
        if not now_has:
            lost.append(f"{name} had data and now has none")
        elif now_cover < cover - _COVERAGE_SLACK:
            lost.append(f"{name} coverage {cover:.1%} → {now_cover:.1%}")
    return lost


def coverage_of(rec: GaSummary | DaySummary, slo: bool = True) -> Coverage:
    """Which KPIs (and SLOs, as ``slo <name>``) of a record have data, and how much."""
    out: Coverage = {}
    if isinstance(rec, GaSummary):
        for name, e in rec.kpis.items():
            out[name] = (e.value is not None, e.coverage)
    else:
        for name, c in rec.metrics_comparison.items():
            out[name] = (c.value is not None, c.coverage)
        # burn-rate windows reach back before the day: fewer evaluable steps is less data
        for slo_name, burn in rec.slo_burn.items():
            for p in burn.peaks:
                out[f"slo {slo_name} burn over {p.window}"] = (
                    p.evaluated > 0, p.evaluated / p.steps if p.steps else 0.0)
    if slo:
        for name, s in rec.slo.items():
            out[f"slo {name}"] = (s.status == "ok", s.coverage)
    return out


def measured_coverage(measurements: Mapping[str, Measurement]) -> Coverage:
    """Which KPIs of a day's measurements have data, and how much."""
    return {k: (m.value is not None, m.coverage) for k, m in measurements.items()}


def differences(recorded: Any, fresh: Any, limit: int = 12) -> list[str]:
    """The fields that differ between two records, ``path: old → new`` (at most ``limit``)."""
    out: list[str] = []
    _diff(encode(recorded), encode(fresh), "", out)
    if len(out) > limit:
        return out[:limit] + [f"… and {len(out) - limit} more"]
    return out


def _diff(a: Any, b: Any, path: str, out: list[str]) -> None:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for key in sorted(set(a) | set(b)):
            _diff(a.get(key), b.get(key), f"{path}.{key}", out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            _diff(x, y, f"{path}[{i}]", out)
    elif a != b:
        out.append(f"{path}: {_short(a)} → {_short(b)}")


def _short(value: Any) -> str:
    text = "absent" if value is None else repr(value)
    return text if len(text) <= 60 else text[:57] + "…"
