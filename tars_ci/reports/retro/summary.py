"""The retrospective's executive summary, health-by-day rows and final recommendation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tars_ci.analysis.priority import Finding
from tars_ci.analysis.slo import SloReport
from tars_ci.pipeline.program import ProgramJudgement
from tars_ci.reports import markdown
from tars_ci.reports.retro.render import pct
from tars_ci.spec.model import PRIORITIES, Spec


def day_row(d: Any) -> dict[str, Any]:
    counts = {p: sum(1 for f in d.findings if f.priority == p) for p in PRIORITIES}
    return {"day": d.day, "score": d.health_score, "band": d.health_band,
            "decision": d.rollback_recommendation.decision, "findings": counts,
            "anomaly_episodes": d.anomaly_episodes}


def final(judged: ProgramJudgement) -> dict[str, Any]:
    """The week's verdict, why, and every change of decision between days."""
    verdict, last = judged.verdict, judged.final
    if verdict is None or last is None:
        return {"decision": "unknown", "reasons": ["no day recorded"], "rules": [],
                "headline": "no day recorded", "changes": []}
    reasons = list(verdict.reasons) or list(last.reasons)
    return {"decision": verdict.verdict, "headline": verdict.headline, "reasons": reasons,
            "rules": list(last.rules), "changes": [c.sentence for c in verdict.changes]}


def executive_summary(spec: Spec, model: Mapping[str, Any], worst: Mapping[str, Finding],
                       cost: Any, slos: Sequence[SloReport]) -> str:
    rows = [r for r in model["health_by_day"] if r["score"] is not None]
    final = model["final_recommendation"]
    parts = [f"**{markdown.escape(spec.release.name)}** completed its "
             f"{spec.release.days}-day stabilization program. Final verdict: "
             f"**{final['decision'].replace('_', ' ')}** ({markdown.escape(final['headline'])})."]
    if rows:
        low = min(rows, key=lambda r: (r["score"], r["day"]))
        mean = sum(r["score"] for r in rows) / len(rows)
        parts.append(f"Health averaged {mean:.1f} (lowest {low['score']:.1f} on day "
                     f"{low['day']}, {low['band']}).")
    counts = {p: sum(1 for f in worst.values() if f.priority == p) for p in PRIORITIES}
    parts.append("Findings: " + ", ".join(f"{counts[p]} {p}" for p in PRIORITIES) + ".")
    if worst:
        top = next(iter(worst.values()))
        parts.append(f"Most urgent: {markdown.escape(top.title)} ({top.severity}, "
                     f"{top.priority}).")
    for s in slos:
        state = ("met" if s.compliant else "missed" if s.compliant is not None
                 else "not judged")
        parts.append(f"SLO {markdown.escape(s.name)} {state} ({pct(s.sli_percent, 3)} vs "
                     f"{s.objective:g}%, {pct(s.budget_remaining_percent)} budget left).")
    if cost.average_daily is not None and cost.ga_day_total is not None:
        parts.append(f"Cost averaged ${cost.average_daily:,.2f}/day, "
                     f"{markdown.signed_percent(cost.change_percent)} vs GA day "
                     f"(${cost.ga_day_total:,.2f}).")
    return " ".join(parts)
