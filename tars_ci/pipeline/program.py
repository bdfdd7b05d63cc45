"""Step 3 of a run: judge the whole program from its recorded history (pure).

Once the last day is recorded, the history is judged as a whole: each KPI's trend across the
days, from the comparisons the days recorded (regression), its worst and last day
(:mod:`tars_ci.pipeline.outcomes`), the unexpected drifts, the cost, each SLO's compliance
with its budget projected at the last day's pace beside the average's, every finding at one
occurrence and the findings grouped into incidents (:mod:`tars_ci.analysis.incidents`) with
their mitigation steps, the health of each day (an ``insufficient_data`` day has no score),
the anomaly episodes, burn-rate alerts and data gaps with their lengths, the last day's
recommendation and the week's verdict (:mod:`tars_ci.analysis.verdict`).

Every number the retrospective shows is computed here, once; :mod:`tars_ci.reports.retro`
only formats and renders this judgement, so a number shown twice is one value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from tars_ci.analysis.cost import CostReport, cost_report
from tars_ci.analysis.findings import Finding
from tars_ci.analysis.incidents import Incident, incidents
from tars_ci.analysis.mitigation import MitigationStep, mitigation_plan
from tars_ci.analysis.regression import (
    RegressionReport,
    UnexpectedDrift,
    regression_report_of,
    unexpected_drifts,
)
from tars_ci.analysis.rollback import Rollback
from tars_ci.analysis.slo import Exhaustion, SloReport, exhaustion, slo_report
from tars_ci.analysis.verdict import ProgramVerdict, program_verdict, verdict_day
from tars_ci.pipeline.outcomes import (
    KpiOutcome,
    comparisons_by_kpi,
    finding_days,
    kpi_outcomes,
    worst_findings,
)
from tars_ci.reports.records import BurnAlert, DaySummary, EpisodeEntry
from tars_ci.reports.store import History, RecordedDay
from tars_ci.spec.model import PRIORITIES, Priority, Spec
from tars_ci.spec.values import parse_timestamp


class HealthDay(NamedTuple):
    """One day's health as the retrospective shows it."""

    day: int
    score: float | None  # None when the band is insufficient_data: never shown as a score
    band: str | None
    coverage: float | None  # the least-covered critical KPI's share of the day with data
    note: str  # why the band is insufficient_data, or which KPIs were left out
    decision: str  # the day's rollback recommendation
    findings: dict[Priority, int]
    anomaly_episodes: int


class HealthWeek(NamedTuple):
    """The days' health, with the mean and lowest over the days that have a score."""

    days: tuple[HealthDay, ...]
    mean: float | None
    lowest: HealthDay | None
    insufficient: tuple[int, ...]  # days whose band is insufficient_data


class Gap(NamedTuple):
    """A stretch of ≥ 15 minutes without samples of a KPI (DaySummary.data_gaps)."""

    day: int
    kpi: str
    start: str
    end: str
    minutes: float


class MissingDay(NamedTuple):
    """A KPI without a value on a day (no_data, or error when its query failed)."""

    day: int
    kpi: str
    status: str


class CoverageWeek(NamedTuple):
    """What data the program had."""

    kpis: int
    days: int
    mean_coverage_percent: float  # mean sample coverage of every KPI-day recorded
    gaps: tuple[Gap, ...]  # by day, start, KPI
    missing: tuple[MissingDay, ...]  # by day, KPI
    insufficient: tuple[int, ...]  # days whose health is insufficient_data
    joined: tuple[tuple[str, int], ...] = ()  # (KPI, first day judged) for KPIs added later


class Episode(NamedTuple):
    """An anomaly episode and its length."""

    entry: EpisodeEntry
    minutes: float


class AlertSpan(NamedTuple):
    """A burn-rate alert that fired, its day and its length."""

    day: int
    alert: BurnAlert
    minutes: float


class SloOutcome(NamedTuple):
    """One SLO over the program."""

    report: SloReport
    exhaustion: Exhaustion
    budget_left_share: float | None  # the budget left, 0–100 (0 when overspent)
    windows: tuple[str, ...]  # burn-rate window lengths, in the order first recorded
    peaks: tuple[tuple[int, dict[str, float | None]], ...]  # each day's peak burn by window
    alerts: tuple[AlertSpan, ...]


class IncidentPlan(NamedTuple):
    """An incident (one action item), the days it was seen and what to do."""

    incident: Incident
    days: tuple[int, ...]  # days any of its findings was reported
    actions: tuple[str, ...]  # its mitigation steps, most urgent first


class ProgramJudgement(NamedTuple):
    """The program judged from its recorded days 1..N."""

    days: tuple[DaySummary, ...]  # recorded days 1..N, in order
    baseline: dict[str, float | None]  # each KPI's baseline value (None without data)
    values: dict[str, dict[int, float | None]]  # each spec KPI's value by day
    regression: RegressionReport
    kpis: dict[str, KpiOutcome]  # each spec KPI's worst day, last day and trend
    drifts: tuple[UnexpectedDrift, ...]
    cost: CostReport
    slos: tuple[SloOutcome, ...]
    worst: dict[str, Finding]  # each finding id at one occurrence, ranked
    seen: dict[str, tuple[int, ...]]  # each finding id's days
    steps: tuple[MitigationStep, ...]  # the mitigation plan for ``worst``
    incidents: tuple[IncidentPlan, ...]  # ``worst`` grouped, most urgent first
    health: HealthWeek
    coverage: CoverageWeek
    episodes: tuple[Episode, ...]  # every anomaly episode, in recorded order
    final: Rollback | None  # the last day's recommendation (None without a day)
    verdict: ProgramVerdict | None  # the week's verdict (None without a day)


def judge_program(spec: Spec, history: History) -> ProgramJudgement:
    """Judge the recorded program (see the module docstring)."""
    n = spec.release.days
    recorded = [history.days[d] for d in sorted(history.days) if 1 <= d <= n]
    days = tuple(r.summary for r in recorded)
    baseline = {k: (e.value if e.status == "ok" else None)
                for k, e in (history.ga.kpis.items() if history.ga else [])}
    values = {k.name: {d.day: d.metrics_comparison[k.name].value for d in days
                       if k.name in d.metrics_comparison} for k in spec.kpis}
    comparisons = comparisons_by_kpi(days)
    regression = regression_report_of(spec.kpis, baseline, comparisons, spec.thresholds.drift,
                                      n)
    outcomes = kpi_outcomes(spec.kpis, regression, comparisons, days)
    drifts = tuple(unexpected_drifts(regression, spec.kpis, spec.thresholds.drift))
    rates = {k: {0: baseline.get(k), **v} for k, v in values.items()}
    cost = cost_report(spec.kpis, rates, n)
    slos = tuple(_slo(slo_report(slo, [d.slo[slo.name] for d in days if slo.name in d.slo],
                                 n), days) for slo in spec.slos)
    worst = worst_findings(days, outcomes)
    seen = finding_days(days)
    steps = mitigation_plan(tuple(worst.values()), spec)
    plans = tuple(_plan(i, seen, steps) for i in incidents(worst.values(), spec))
    health = _health(recorded)
    final = days[-1].rollback_recommendation if days else None
    verdict = program_verdict([
        verdict_day(d.day, d.rollback_recommendation, d.findings, d.health_score,
                    d.health_band, d.comparisons()) for d in days]) if days else None
    episodes = tuple(Episode(e, _minutes(e.start, e.end)) for e in
                     (history.anomalies.episodes if history.anomalies is not None else ()))
    return ProgramJudgement(days, baseline, values, regression, outcomes, drifts, cost, slos,
                            worst, seen, steps, plans, health, _coverage(spec, days, health),
                            episodes, final, verdict)


def _plan(incident: Incident, seen: dict[str, tuple[int, ...]],
          steps: Sequence[MitigationStep]) -> IncidentPlan:
    days = sorted({d for fid in incident.ids for d in seen.get(fid, ())})
    mine = {(f.kpi, f.title) for f in incident.findings}
    actions = tuple(dict.fromkeys(s.action for s in steps if (s.kpi, s.reason) in mine))
    return IncidentPlan(incident, tuple(days), actions)


def _health(recorded: Sequence[RecordedDay]) -> HealthWeek:
    rows = []
    for r in recorded:
        s, h = r.summary, r.health
        insufficient = s.health_band == "insufficient_data"
        rows.append(HealthDay(s.day, None if insufficient else s.health_score, s.health_band,
                              h.coverage, h.data_note, s.rollback_recommendation.decision,
                              {p: sum(1 for f in s.findings if f.priority == p)
                               for p in PRIORITIES}, s.anomaly_episodes))
    scored = [r for r in rows if r.score is not None]
    mean = sum(r.score or 0.0 for r in scored) / len(scored) if scored else None
    lowest = min(scored, key=lambda r: (r.score or 0.0, r.day)) if scored else None
    return HealthWeek(tuple(rows), mean, lowest,
                      tuple(r.day for r in rows if r.band == "insufficient_data"))


def _coverage(spec: Spec, days: Sequence[DaySummary], health: HealthWeek) -> CoverageWeek:
    gaps = sorted((Gap(d.day, g.kpi, g.start, g.end, g.minutes) for d in days
                   for g in d.data_gaps), key=lambda g: (g.day, g.start, g.kpi))
    # a KPI absent from a day was not in the spec then: a spec change, not missing data
    missing = tuple(MissingDay(d.day, name, c.status) for d in days
                    for name, c in d.metrics_comparison.items()
                    if name in {k.name for k in spec.kpis} and c.status in ("no_data", "error"))
    cover = [c.coverage for d in days for c in d.metrics_comparison.values()]
    mean = sum(cover) / len(cover) * 100 if cover else 0.0
    joined = []
    for k in spec.kpis:
        judged = [d.day for d in days if k.name in d.metrics_comparison]
        if judged and days and judged[0] != days[0].day:
            joined.append((k.name, judged[0]))
    return CoverageWeek(len(spec.kpis), len(days), mean, tuple(gaps), missing,
                        health.insufficient, tuple(joined))


def _slo(report: SloReport, days: Sequence[DaySummary]) -> SloOutcome:
    windows: list[str] = []
    peaks = []
    alerts = []
    for d in days:
        burn = d.slo_burn.get(report.name)
        if burn is None:
            continue
        by_window = {p.window: p.peak_burn for p in burn.peaks}
        windows += [w for w in by_window if w not in windows]
        peaks.append((d.day, by_window))
        alerts += [AlertSpan(d.day, a, _minutes(a.start, a.end)) for a in burn.alerts]
    left = report.budget_remaining_percent
    share = None if left is None else min(100.0, max(0.0, left))
    return SloOutcome(report, exhaustion(report), share, tuple(windows), tuple(peaks),
                      tuple(alerts))


def _minutes(start: str, end: str) -> float:
    """Minutes from ``start`` to ``end`` (UTC ISO 8601)."""
    return (parse_timestamp(end) - parse_timestamp(start)).total_seconds() / 60.0
