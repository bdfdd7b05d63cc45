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
from tars_ci.reports.retro.findings import (
    action_items,
    incident_items,
    recommendations,
    went_well,
)
from tars_ci.reports.retro.render import render
from tars_ci.reports.retro.slos import slo_section
from tars_ci.reports.retro.summary import executive_summary, final, health_row, steady
from tars_ci.reports.retro.trends import anomalies, drift_row, trend_charts, trend_row
from tars_ci.reports.store import History
from tars_ci.spec.model import Spec

__all__ = ["build", "render"]


def build(spec: Spec, history: History,
          judged: ProgramJudgement) -> tuple[RegressionSummary, Retrospective, str]:
    """(regression analysis, retrospective, retrospective Markdown) of a judged program."""
    titles = {k.name: k.display for k in spec.kpis}
    items = incident_items(spec, judged)
    drifts = [drift_row(judged.kpis[d.kpi], d.potential_causes) for d in judged.drifts]
    health = [health_row(h) for h in judged.health.days]
    final_ = final(judged)
    model: dict[str, Any] = {
        "release": release_block(spec),
        "health_by_day": health,
        "final_recommendation": final_,
        "final_headline": final_.pop("shown"),  # the headline without the verdict repeated
        "decision_steady": steady(judged),
        "what_went_well": went_well(spec, judged),
        "what_could_be_improved": items,
        "drift_band": f"{spec.thresholds.drift.notable:g}–{spec.thresholds.drift.high:g}%",
        "unexpected_drifts": drifts,
        "trends": [trend_row(judged.kpis[k.name]) for k in spec.kpis],
        "cost": judged.cost._asdict(),
        "slos": [slo_section(s) for s in judged.slos],
        "anomalies": anomalies(judged.episodes, titles),
        "recommendations": recommendations(judged, items, spec),
        "action_items": action_items(items),
        "coverage": coverage(spec, judged),
        "provenance": provenance(spec, history, judged.days),
        "charts": {
            "health": charts.line_chart("Health score by day", [
                (f"D{h['day']}", h["score"]) for h in health], "score", (0, 100)),
            "trends": trend_charts(spec, judged, [k for i in items for k in i["kpis"]]
                                   + [d["kpi"] for d in drifts])},
    }
    model["executive_summary"] = executive_summary(spec, judged, items)
    retro = Retrospective.from_json(normalise(encode(model)), Location("retrospective"),
                                    SCHEMA_VERSION)
    return RegressionSummary(release_block(spec), *judged.regression), retro, render(model)
