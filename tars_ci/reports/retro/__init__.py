"""The day-7 regression analysis and retrospective, built from the recorded history.

:func:`build` turns the history into one plain data model; the JSON retrospective *is* that
model, and the Markdown is the same model rendered by ``templates/retrospective.md.j2``
(jinja2, StrictUndefined), so the two can never disagree. One module per group of sections.
"""

from __future__ import annotations

from typing import Any

from tars_ci.pipeline.program import ProgramJudgement
from tars_ci.reports import charts
from tars_ci.reports.codec import Location, encode
from tars_ci.reports.documents import release_block
from tars_ci.reports.jsonio import normalise
from tars_ci.reports.records import SCHEMA_VERSION, RegressionSummary, Retrospective
from tars_ci.reports.retro.coverage import coverage, provenance
from tars_ci.reports.retro.findings import action_items, improve, recommendations, went_well
from tars_ci.reports.retro.render import render
from tars_ci.reports.retro.slos import burn_chart, burns
from tars_ci.reports.retro.summary import day_row, executive_summary, final
from tars_ci.reports.retro.trends import anomalies as anomaly_section
from tars_ci.reports.retro.trends import trend_charts, trend_row
from tars_ci.reports.store import History
from tars_ci.spec.model import Spec

__all__ = ["build", "render"]


def build(spec: Spec, history: History,
          judged: ProgramJudgement) -> tuple[RegressionSummary, Retrospective, str]:
    """(regression analysis, retrospective, retrospective Markdown) of a judged program."""
    days = judged.days
    anomalies = history.anomalies.episodes if history.anomalies is not None else ()
    titles = {k.name: k.display for k in spec.kpis}
    baseline, values = judged.baseline, judged.values
    regression, drifts, cost, slos = judged.regression, judged.drifts, judged.cost, judged.slos
    worst, steps = judged.worst, judged.steps
    regression_doc = RegressionSummary(release_block(spec), *regression)
    model: dict[str, Any] = {
        "release": release_block(spec),
        "health_by_day": [day_row(d) for d in days],
        "final_recommendation": final(judged),
        "what_went_well": went_well(spec, days, slos, worst),
        "what_could_be_improved": improve(spec, days, worst, titles),
        "drift_band": f"{spec.thresholds.drift.notable:g}–{spec.thresholds.drift.high:g}%",
        "unexpected_drifts": [{**d._asdict(), "title": titles.get(d.kpi, d.kpi),
                               "drift_percent": d.final_bad_drift_percent
                               if d.final_bad_drift_percent is not None
                               else d.worst_bad_drift_percent,
                               "trend": d.direction} for d in drifts],
        "trends": [trend_row(t, titles, baseline, spec) for t in regression.trends],
        "cost": cost._asdict(),
        "slos": [{**s._asdict(), "chart": burn_chart(s), **burns(s.name, days)}
                 for s in slos],
        "anomalies": anomaly_section(anomalies, titles),
        "recommendations": recommendations(steps, drifts, judged, titles),
        "action_items": action_items(worst, steps),
        "coverage": coverage(spec, days),
        "provenance": provenance(spec, history, days),
    }
    model["charts"] = {"health": charts.line_chart(
        "Health score by day", [(f"D{d['day']}", d["score"]) for d in model["health_by_day"]],
        "score", (0, 100)), "trends": trend_charts(spec, model, baseline, values)}
    model["executive_summary"] = executive_summary(spec, model, worst, cost, slos)
    retro = Retrospective.from_json(normalise(encode(model)), Location("retrospective"),
                                    SCHEMA_VERSION)
    return regression_doc, retro, render(model)
