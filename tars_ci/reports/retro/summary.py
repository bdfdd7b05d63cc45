"""The retrospective's executive summary, health-by-day rows and final verdict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tars_ci.analysis.verdict import DecisionChange
from tars_ci.pipeline.program import HealthDay, ProgramJudgement
from tars_ci.reports import markdown
from tars_ci.reports.retro import text
from tars_ci.spec.model import PRIORITIES, Spec

_WORDS = {"immediate_rollback": "immediate rollback", "rollback": "rollback",
          "monitor": "monitor", "recovered": "recovered",
          "insufficient_data": "insufficient data", "unknown": "unknown"}


def health_row(h: HealthDay) -> dict[str, Any]:
    """One day of the health table; an insufficient_data day shows no score and no band."""
    insufficient = h.band == "insufficient_data"
    band = (f"insufficient data (critical coverage {text.pct(_share(h.coverage))})"
            if insufficient else h.band or "n/a")
    return {"day": h.day, "score": h.score, "band": h.band, "band_text": band,
            "coverage_percent": _share(h.coverage), "note": h.note,
            "decision": h.decision, "findings": dict(h.findings),
            "anomaly_episodes": h.anomaly_episodes}


def final(judged: ProgramJudgement) -> dict[str, Any]:
    """The week's verdict, why, and every change of decision between days."""
    verdict, last = judged.verdict, judged.final
    if verdict is None or last is None:
        return {"decision": "unknown", "reasons": ["no day recorded"], "rules": [],
                "headline": "no day recorded", "shown": "no day recorded", "changes": []}
    reasons = list(verdict.reasons) or list(last.reasons)
    return {"decision": verdict.verdict, "headline": verdict.headline,
            "shown": headline(verdict.verdict, verdict.headline), "reasons": reasons,
            "rules": list(last.rules), "changes": [c.sentence for c in verdict.changes]}


def headline(verdict: str, text_: str) -> str:
    """The verdict's headline without a leading repeat of the verdict (``rollback: …``)."""
    return text_.removeprefix(f"{_WORDS.get(verdict, verdict)}: ")


def steady(judged: ProgramJudgement) -> str:
    """``The daily decision was monitor on all 7 recorded days.`` when it never changed."""
    decisions = {d.rollback_recommendation.decision for d in judged.days}
    if len(decisions) != 1:
        return ""
    return (f"The daily decision was {_WORDS[decisions.pop()]} on all "
            f"{text.plural(len(judged.days), 'recorded day')}.")


def brief(change: DecisionChange) -> str:
    """``day 4: rollback → monitor (slo_drift stopped; 1 regression cleared)``."""
    why = []
    if change.started:
        why.append(f"{text.and_list(list(change.started))} fired")
    if change.stopped:
        why.append(f"{text.and_list(list(change.stopped))} stopped")
    if change.cleared:
        why.append(f"{text.plural(len(change.cleared), 'P0/P1 regression')} cleared")
    return (f"day {change.day}: {_WORDS[change.before]} → {_WORDS[change.after]}"
            + (f" ({'; '.join(why)})" if why else ""))


def executive_summary(spec: Spec, judged: ProgramJudgement,
                      items: Sequence[Mapping[str, Any]]) -> str:
    """The summary paragraph: the verdict and how it came about, health, findings, SLOs,
    cost."""
    parts = [f"**{markdown.escape(spec.release.name)}** completed its "
             f"{spec.release.days}-day stabilization program."]
    verdict = judged.verdict
    if verdict is None:
        parts.append("No day was recorded: there is no verdict.")
    else:
        parts.append(f"Final verdict: **{_WORDS[verdict.verdict]}** — "
                     f"{markdown.escape(headline(verdict.verdict, verdict.headline))}.")
        if verdict.changes:
            parts.append(f"The daily decision changed {text.plural(len(verdict.changes), 'time')}"
                         f": " + "; ".join(brief(c) for c in verdict.changes) + ".")
        else:
            parts.append(steady(judged))
    health = judged.health
    if health.mean is not None and health.lowest is not None:
        scored = len(health.days) - len(health.insufficient)
        parts.append(f"Health averaged {health.mean:.1f} over "
                     f"{text.plural(scored, 'scored day')} (lowest {health.lowest.score:.1f} on "
                     f"day {health.lowest.day}, {health.lowest.band}).")
    if health.insufficient:
        parts.append(f"{text.days(health.insufficient).capitalize()} had insufficient data for "
                     f"a health score.")
    counts = {p: sum(1 for i in items if i["priority"] == p) for p in PRIORITIES}
    if items:
        parts.append(f"{text.plural(len(items), 'action item')} from "
                     f"{text.plural(len(judged.worst), 'finding')}: "
                     + ", ".join(f"{counts[p]} {p}" for p in PRIORITIES) + ".")
    else:
        parts.append("No finding on any day: no action items.")
    if items:
        top = items[0]
        parts.append(f"Most urgent: {markdown.escape(top['title'])} ({top['priority']}, "
                     f"{top['severity']}).")
    for s in judged.slos:
        r = s.report
        state = ("met" if r.compliant else "missed" if r.compliant is not None
                 else "not judged (missing data)")
        left = r.budget_remaining_percent
        budget = ("its error budget unknown" if left is None else
                  f"its error budget overspent by {text.pct(-left)}" if left < 0 else
                  f"{text.pct(left)} of the error budget left")
        parts.append(f"SLO {markdown.escape(r.name)} {state}: SLI {text.pct(r.sli_percent, 3)} "
                     f"vs {r.objective:g}%, {budget}.")
    cost = judged.cost
    if cost.average_daily is not None and cost.ga_day_total is not None:
        parts.append(f"Cost averaged {text.money(cost.average_daily)}/day, "
                     f"{markdown.signed_percent(cost.change_percent)} vs the GA day "
                     f"({text.money(cost.ga_day_total)}).")
    return " ".join(p for p in parts if p)


def _share(coverage: float | None) -> float | None:
    return None if coverage is None else coverage * 100.0
