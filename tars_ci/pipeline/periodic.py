"""Periodic reports: the SLO and health report of any window (``tars-ci report``).

A window is ``[end − period, end)``; ``end`` lies on the source's step grid (``GA + k·step``,
or a multiple of the step for an aligned source), so its samples are the daily files' own.
The steps are the daily run's: fetch every series (before anything is written; a source that
is down is an error, never a healthy report), judge the window with the daily code — KPI
values and comparisons with the recorded GA baseline, findings and priorities, SLIs,
burn-rate alerts, health, data gaps — and write JSON and Markdown through the history store.

What is fetched: the window, plus the longest burn-rate window before it (3 days with the
default alerts) and, for the anomaly detector, as much of the program as lies in the week
before the window (from GA at the earliest): a 24-hour report on day 5 sees the data the
daily run saw, and judges the day as the daily file did.

A recorded report of the same window is compared like a recorded day: identical is left
alone, one with less data (the source's retention passed it) is kept whatever ``--force``
says, and a different one is written only with ``force`` (otherwise the differences are
shown).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from math import floor
from pathlib import Path
from typing import NamedTuple

from tars_ci.analysis import anomaly
from tars_ci.analysis.burn import evaluate_burn, lookback
from tars_ci.analysis.drift import compare
from tars_ci.analysis.findings import findings_for_day
from tars_ci.analysis.health import health_score
from tars_ci.analysis.kpis import Measurement
from tars_ci.analysis.priority import band_priority
from tars_ci.errors import UsageError
from tars_ci.pipeline.fetch import (
    ProgramData,
    burn_series,
    data_gaps,
    detect_anomalies,
    fetch_span,
    measure_day,
    slo_day,
)
from tars_ci.pipeline.judge import Coverage, bad_episodes_on, data_lost, differences
from tars_ci.reports import documents
from tars_ci.reports.periodic import (
    KpiVerdict,
    PeriodBlock,
    PeriodicReport,
    slo_window,
    window_health,
)
from tars_ci.reports.periodic_md import render
from tars_ci.reports.records import DataGap, GaSummary, as_recorded
from tars_ci.reports.store import HistoryStore
from tars_ci.sources.interface import Source
from tars_ci.spec.model import Spec
from tars_ci.timeline import DAY, DayWindow, iso, period_label, stamp

log = logging.getLogger("tars_ci")

ANOMALY_HISTORY = timedelta(days=7)  # the detector's novelty window: a week of context


class PeriodWindow(NamedTuple):
    """A report window ``[start, end)``."""

    period: timedelta
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        """``7d``, ``24h``."""
        return period_label(self.period)

    @property
    def stamp(self) -> str:
        """The end as it names the files: ``20261110T0000Z``."""
        return stamp(self.end)


class ReportResult(NamedTuple):
    """What ``tars-ci report`` did."""

    report: PeriodicReport  # the recorded report of the window (fresh, or kept)
    json_path: Path
    markdown_path: Path
    written: tuple[Path, ...]
    notes: tuple[str, ...]


def period_window(spec: Spec, period: timedelta, end: datetime) -> PeriodWindow:
    """The window of ``period`` ending at ``end``, moved back onto the step grid."""
    step = spec.source.step.total_seconds()
    if period.total_seconds() % step:
        raise UsageError(f"a {period_label(period)} window is not a whole number of the "
                         f"source's {step:g}s steps")
    origin = 0.0 if spec.source.aligned else spec.release.ga_time.timestamp()
    t = end.timestamp()
    aligned = origin + floor((t - origin) / step + 1e-9) * step
    stop = datetime.fromtimestamp(aligned, timezone.utc)
    return PeriodWindow(period, stop - period, stop)


def program_days(spec: Spec, window: PeriodWindow) -> tuple[int, ...]:
    """The days 0..N of the program that the window overlaps."""
    ga = spec.release.ga_time
    return tuple(d for d in range(spec.release.days + 1)
                 if ga + d * DAY < window.end and ga + (d + 1) * DAY > window.start)


def fetch_start(spec: Spec, window: PeriodWindow) -> datetime:
    """Where the fetch begins: the burn-rate alerts' lookback before the window, and the
    anomaly detector's week of context (not before GA unless the window is)."""
    alerts = max((lookback(s) for s in spec.slos), default=timedelta(0))
    context = max(spec.release.ga_time, window.start - ANOMALY_HISTORY)
    return min(window.start - alerts, context)


def judge_period(spec: Spec, data: ProgramData, window: PeriodWindow, ga: GaSummary | None,
                 baseline_file: str,
                 anomalies: Sequence[anomaly.Episode] | None = None) -> PeriodicReport:
    """Judge ``window`` with the daily files' code (pure: fetched data → the report)."""
    label = window.label
    days = program_days(spec, window)
    day = _finding_day(spec, window)
    dw = DayWindow(day, window.start, window.end)
    when = f"in the {label} window to {window.end:%Y-%m-%d %H:%M} UTC"
    measurements = measure_day(spec, data, dw)
    baseline = ga.measurements() if ga is not None else {}
    comparisons = {k.name: compare(k, measurements[k.name],
                                   baseline.get(k.name, _no_baseline(k.name, ga)),
                                   spec.thresholds.drift) for k in spec.kpis}
    slis = slo_day(spec, data, dw)
    lo, hi = window.start.timestamp(), window.end.timestamp()
    burns = {s.name: evaluate_burn(s, burn_series(spec, data, s, dw), lo, hi)
             for s in spec.slos}
    findings = findings_for_day(day, spec, comparisons, slos=slis, burns=burns, when=when)
    episodes = detect_anomalies(spec, data) if anomalies is None else anomalies
    notes: list[str] = []
    if ga is None:
        health = window_health(None, "no GA baseline is recorded yet: the health score "
                                     "compares KPIs with it")
        notes.append("no GA baseline recorded (day 0 has not been judged): KPIs are shown "
                     "without drift and only their absolute bands judge them")
    else:
        health = window_health(health_score(
            day, spec.kpis, comparisons, bad_episodes_on(spec, episodes, dw),
            spec.thresholds.health, bands=spec.priorities.bands))
    by_kpi = {f.kpi: f for f in findings if not f.id.startswith("slo:")}
    verdicts = {k.name: KpiVerdict(band_priority(k, comparisons[k.name].value,
                                                 spec.band(k.name)),
                                   by_kpi[k.name].priority if k.name in by_kpi else None,
                                   by_kpi[k.name].id if k.name in by_kpi else None)
                for k in spec.kpis}
    slos = {s.name: slo_window(s, slis[s.name], documents.slo_burn(burns[s.name]),
                               period=window.period, step=data.step,
                               min_coverage=spec.thresholds.health.min_coverage)
            for s in spec.slos}
    ga_time = spec.release.ga_time
    overlapping = [documents.episode_entry(spec, e, ga_time) for e in episodes
                   if e.start < hi and e.end >= lo]
    if window.start < ga_time:
        notes.append(f"the window starts before GA ({iso(ga_time)}): the hours before it "
                     f"are measured as the source has them")
    gaps = tuple(DataGap(kpi, iso(a), iso(b), (b - a) / 60.0)
                 for kpi, a, b in data_gaps(spec, data, dw))
    report = PeriodicReport(
        release=documents.release_block(spec),
        period=PeriodBlock(label, iso(window.start), iso(window.end), days),
        baseline_file=baseline_file,
        metrics_comparison={k.name: documents.kpi_comparison(k, comparisons[k.name])
                            for k in spec.kpis},
        kpis=verdicts, slo=slos, health=health, findings=findings,
        anomalies=tuple(sorted(overlapping, key=lambda e: (e.start, e.kpi))),
        data_coverage=documents.coverage_block(measurements), data_gaps=gaps,
        provenance=documents.provenance(spec, baseline_file), notes=tuple(notes))
    return as_recorded(report)


def _finding_day(spec: Spec, window: PeriodWindow) -> int:
    """The program day of the window's last instant (a finding's ``day``)."""
    last = window.end - timedelta(seconds=spec.source.step.total_seconds())
    return floor((last - spec.release.ga_time) / DAY)


def _no_baseline(kpi: str, ga: GaSummary | None) -> Measurement:
    why = ("not in the recorded GA baseline" if ga is not None
           else "no GA baseline recorded yet")
    return Measurement(kpi, "no_data", None, 0.0, 0, why)


# --------------------------------------------------------------------------- running


def coverage_of(report: PeriodicReport) -> Coverage:
    """Which KPIs, SLOs and burn-rate windows of a report have data, and how much."""
    out: Coverage = {name: (c.value is not None, c.coverage)
                     for name, c in report.metrics_comparison.items()}
    for name, s in report.slo.items():
        out[f"slo {name}"] = (s.status == "ok", s.coverage)
        for p in s.burn.peaks:
            out[f"slo {name} burn over {p.window}"] = (
                p.evaluated > 0, p.evaluated / p.steps if p.steps else 0.0)
    return out


def run_report(spec: Spec, source: Source, reports_dir: Path, window: PeriodWindow, *,
               now: datetime, force: bool = False) -> ReportResult:
    """Fetch, judge and record the report of ``window`` (see the module docstring)."""
    if window.end > now:
        raise UsageError(f"the {window.label} window ending {iso(window.end)} has not closed "
                         f"yet (now {iso(now)})")
    store = HistoryStore(reports_dir, documents.release_block(spec))
    store.prepare()
    # only the baseline is read: a report needs no recorded day (and is not stopped by one)
    history = store.load(skip=range(1, spec.release.days + 1), anomalies=False)
    start = fetch_start(spec, window)
    log.info("%s report %s to %s: fetching from %s", window.label, iso(window.start),
             iso(window.end), iso(start))
    data = fetch_span(spec, source, start, window.end)
    baseline_file = (store.paths.ga_summary.relative_to(store.root).as_posix()
                     if history.ga is not None else "")
    fresh = judge_period(spec, data, window, history.ga, baseline_file)
    notes: list[str] = []
    settle = spec.schedule.settle
    if now - window.end < settle:
        fresh = as_recorded(_with_note(fresh, (
            f"the window closed {_minutes(now - window.end)} before this report, less than "
            f"schedule.settle ({_minutes(settle)}): late samples may still arrive; a later "
            f"run with --force completes it")))
    recorded = store.read_periodic(window.label, window.stamp)
    report, write = fresh, True
    if recorded is not None:
        lost = data_lost(coverage_of(recorded), coverage_of(fresh))
        changes = differences(recorded, fresh)
        if lost:
            notes.append(f"kept the recorded report: recomputing it now has less data "
                         f"({'; '.join(lost)}); the source's retention has probably passed it")
            report, write = recorded, False
        elif changes and not force:
            notes.append(f"the {window.label} report ending {iso(window.end)} is recorded; "
                         f"recomputing it would change {len(changes)} field(s) (run with "
                         f"--force to write them):\n  " + "\n  ".join(changes))
            report, write = recorded, False
        elif changes:
            notes.append("rewritten (--force): " + "; ".join(changes[:3])
                         + ("; …" if len(changes) > 3 else ""))
    written = store.write_periodic(report, window.stamp, render(report)) if write else []
    return ReportResult(report, store.paths.periodic(window.label, window.stamp),
                        store.paths.periodic(window.label, window.stamp, ".md"),
                        tuple(written), tuple(notes))


def _with_note(report: PeriodicReport, note: str) -> PeriodicReport:
    from tars_ci.reports.records import replace

    return replace(report, notes=(*report.notes, note))


def _minutes(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes}m" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}m"
