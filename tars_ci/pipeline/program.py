"""Step 3 of a run: judge the whole program from its recorded history (pure).

Once the last day is recorded, the history is judged as a whole: each KPI's trend across the
days (regression), the unexpected drifts, the cost, each SLO's compliance, every finding at
its worst, the mitigation plan, the last day's recommendation and the week's verdict
(:mod:`tars_ci.analysis.verdict`: a P0/P1 regression still present on the last day never
ends as ``monitor``; one that cleared says so). :mod:`tars_ci.reports.retro`
only renders this judgement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from tars_ci.analysis.cost import CostReport, cost_report
from tars_ci.analysis.drift import severity_rank
from tars_ci.analysis.mitigation import MitigationStep, mitigation_plan
from tars_ci.analysis.priority import Finding
from tars_ci.analysis.regression import (
    RegressionReport,
    UnexpectedDrift,
    regression_report,
    unexpected_drifts,
)
from tars_ci.analysis.rollback import Rollback
from tars_ci.analysis.slo import SloReport, slo_report
from tars_ci.analysis.verdict import ProgramVerdict, program_verdict, verdict_day
from tars_ci.reports.records import DaySummary
from tars_ci.reports.store import History
from tars_ci.spec.model import PRIORITIES, Spec


class ProgramJudgement(NamedTuple):
    """The program judged from its recorded days 1..N."""

    days: tuple[DaySummary, ...]  # recorded days 1..N, in order
    baseline: dict[str, float | None]  # each KPI's baseline value (None without data)
    values: dict[str, dict[int, float | None]]  # each spec KPI's value by day
    regression: RegressionReport
    drifts: tuple[UnexpectedDrift, ...]
    cost: CostReport
    slos: tuple[SloReport, ...]
    worst: dict[str, Finding]  # each finding id at its most urgent occurrence, ranked
    steps: tuple[MitigationStep, ...]  # the mitigation plan for ``worst``
    final: Rollback | None  # the last day's recommendation (None without a day)
    verdict: ProgramVerdict | None  # the week's verdict (None without a day)


def judge_program(spec: Spec, history: History) -> ProgramJudgement:
    """Judge the recorded program (see the module docstring)."""
    n = spec.release.days
    days = tuple(history.days[d].summary for d in sorted(history.days) if 1 <= d <= n)
    baseline = {k: (e.value if e.status == "ok" else None)
                for k, e in (history.ga.kpis.items() if history.ga else [])}
    values = {k.name: {d.day: d.metrics_comparison[k.name].value for d in days
                       if k.name in d.metrics_comparison} for k in spec.kpis}
    regression = regression_report(spec.kpis, baseline, values, spec.thresholds.drift, n)
    drifts = tuple(unexpected_drifts(regression, spec.kpis, spec.thresholds.drift))
    rates = {k: {0: baseline.get(k), **v} for k, v in values.items()}
    cost = cost_report(spec.kpis, rates, n)
    slos = tuple(slo_report(slo, [d.slo[slo.name] for d in days if slo.name in d.slo], n)
                 for slo in spec.slos)
    worst = worst_findings(days)
    steps = mitigation_plan(tuple(worst.values()), spec)
    final = days[-1].rollback_recommendation if days else None
    verdict = program_verdict([
        verdict_day(d.day, d.rollback_recommendation, d.findings, d.health_score,
                    d.health_band, d.comparisons()) for d in days]) if days else None
    return ProgramJudgement(days, baseline, values, regression, drifts, cost, slos, worst,
                            steps, final, verdict)


def worst_findings(days: Sequence[DaySummary]) -> dict[str, Finding]:
    """Each finding id at its most urgent (then most severe, then earliest) occurrence."""
    def rank(f: Finding) -> tuple[int, int, int]:
        return (PRIORITIES.index(f.priority), -severity_rank(f.severity), f.day)

    worst: dict[str, Finding] = {}
    for d in days:
        for f in d.findings:
            old = worst.get(f.id)
            if old is None or rank(f) < rank(old):
                worst[f.id] = f
    return dict(sorted(worst.items(), key=lambda kv: (PRIORITIES.index(kv[1].priority),
                                                      -severity_rank(kv[1].severity), kv[0])))
