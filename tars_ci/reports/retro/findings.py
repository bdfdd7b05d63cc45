"""What went well, the incidents (what could be improved, action items), the top
recommendations.

An incident (:class:`~tars_ci.pipeline.program.IncidentPlan`) is worded once, in
:func:`incident_items`: its title, impact and actions are the same text in the "what could be
improved" table, the action items, the executive summary and the recommendations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tars_ci.analysis.findings import Finding
from tars_ci.pipeline.program import IncidentPlan, ProgramJudgement
from tars_ci.reports.records import KpiComparison
from tars_ci.reports.retro import text
from tars_ci.reports.retro.summary import headline
from tars_ci.spec.model import PRIORITIES, Spec


def went_well(spec: Spec, judged: ProgramJudgement) -> list[dict[str, Any]]:
    """SLOs met, KPIs that never reached a finding, no rollback, no P0."""
    out = []
    for s in judged.slos:
        r = s.report
        if r.compliant:
            out.append({"title": f"{r.name} SLO met",
                        "detail": f"SLI {text.pct(r.sli_percent, 3)} against a {r.objective:g}% "
                                  f"objective over {text.days([d.day for d in r.by_day])}",
                        "achievement_percent": s.budget_left_share,
                        "achievement_of": "the error budget left"})
    named = {k for f in judged.worst.values() for k in (f.kpi,)}
    notable = spec.thresholds.drift.notable
    for k in spec.kpis:
        o = judged.kpis[k.name]
        if k.name in named or not o.days_judged or any(
                status != "absent" for _, status in o.days_missing):
            continue
        detail = (f"no day {notable:g}% or more worse than the GA baseline over "
                  f"{text.days(o.days_judged)} (worst {text.point(o.worst, o.better)})"
                  if o.worst is not None else
                  f"never worse than the GA baseline over {text.days(o.days_judged)}")
        item: dict[str, Any] = {"title": k.display, "detail": detail,
                                "achievement_percent": None, "achievement_of": ""}
        if o.days_within_limit is not None and k.limit is not None:
            n = len(o.days_judged)
            item["detail"] += (f"; within its {text.limit(k.limit, k.unit)} limit on "
                               f"{o.days_within_limit} of {n} days")
            item["achievement_percent"] = o.days_within_limit / n * 100.0
            item["achievement_of"] = "the days within the limit"
        out.append(item)
    days = judged.days
    if days and all(d.rollback_recommendation.decision == "monitor" for d in days):
        out.append({"title": "No rollback needed", "detail": f"no rollback rule fired on any "
                    f"of the {len(days)} days", "achievement_percent": None,
                    "achievement_of": ""})
    if days and not any(f.priority == "P0" for f in judged.worst.values()):
        out.append({"title": "No P0 findings", "detail": "no KPI entered its "
                    "immediate-rollback band", "achievement_percent": None,
                    "achievement_of": ""})
    return out


def incident_items(spec: Spec, judged: ProgramJudgement) -> list[dict[str, Any]]:
    """Each incident, worded once: title, impact, days, actions."""
    return [_item(spec, judged, plan) for plan in judged.incidents]


def _item(spec: Spec, judged: ProgramJudgement, plan: IncidentPlan) -> dict[str, Any]:
    i = plan.incident
    titles = {k.name: k.display for k in spec.kpis}
    if i.kind in ("degradation", "slo_burn"):
        title = f"{text.and_list([_label(judged, f, titles) for f in i.findings])} on day {i.day}"
    else:
        names = text.and_list(list(dict.fromkeys(_name(f, titles) for f in i.findings)))
        title = f"{names}: {i.kind.replace('_', ' ')} on {text.days(plan.days)}"
    impact = "; ".join(_impact(spec, judged, f, titles) for f in i.findings)
    return {"id": i.id, "ids": list(i.ids), "kpis": list(i.kpis), "kind": i.kind,
            "title": title, "severity": i.severity, "priority": i.priority, "day": i.day,
            "days": list(plan.days), "impact": impact, "actions": list(plan.actions),
            "detail": " ".join(f.detail for f in i.findings)}


def _label(judged: ProgramJudgement, f: Finding, titles: Mapping[str, str]) -> str:
    """``Availability -1.00% (worse)``, ``SLO availability burn up to 80.0×``."""
    if f.kind == "slo_burn":
        return f"SLO {f.kpi} burn up to {text.num(f.value, 1)}×"
    name = titles.get(f.kpi, f.kpi)
    c = _comparison(judged, f)
    o = judged.kpis.get(f.kpi)
    if c is None or c.drift_percent is None or o is None:
        return f.title.removesuffix(f" on day {f.day}")
    return f"{name} {text.drift(c.drift_percent, o.better)}"


def _name(f: Finding, titles: Mapping[str, str]) -> str:
    """``SLO availability`` for an SLO's finding, else the KPI's title."""
    return f"SLO {f.kpi}" if f.id.startswith("slo:") else titles.get(f.kpi, f.kpi)


def _impact(spec: Spec, judged: ProgramJudgement, f: Finding,
            titles: Mapping[str, str]) -> str:
    name = _name(f, titles)
    if f.kind == "slo_burn":
        s = next((s for s in judged.slos if s.report.name == f.kpi), None)
        day = next((d for d in s.report.by_day if d.day == f.day), None) if s else None
        used = ("" if s is None or day is None else f"; day {f.day} used "
                f"{text.pct(day.budget_consumed_percent, 2)} of the "
                f"{s.report.window_days:g}-day error budget")
        return f"SLO {f.kpi}: peak burn rate {text.num(f.value, 1)}×{used}"
    if f.kind == "no_data":
        return f"{name}: no data on day {f.day}"
    if f.kind != "degradation":
        return f"{name}: {f.detail.split('. ')[0].rstrip('.')}"
    c = _comparison(judged, f)
    o = judged.kpis.get(f.kpi)
    if c is None or o is None or c.drift_percent is None:
        return f.title
    return (f"{name} {text.value(c.value, o.unit)} vs {text.value(c.baseline, o.unit)} at GA: "
            f"{text.drift(c.drift_percent, o.better)}")


def _comparison(judged: ProgramJudgement, f: Finding) -> KpiComparison | None:
    day = next((d for d in judged.days if d.day == f.day), None)
    return None if day is None else day.metrics_comparison.get(f.kpi)


def recommendations(judged: ProgramJudgement, items: Sequence[Mapping[str, Any]],
                    spec: Spec) -> list[dict[str, Any]]:
    """The top 10: the rollback if the verdict asks for one, each incident's actions, then
    drifts no incident covers; an action is listed once, at its most urgent place."""
    recs: list[dict[str, Any]] = []
    verdict = judged.verdict
    if verdict is not None and verdict.verdict in ("rollback", "immediate_rollback"):
        recs.append({"priority": "P0", "kpi": "", "action": f"Act on the final verdict: "
                     f"{verdict.verdict.replace('_', ' ')}", "reason": headline(
                         verdict.verdict, verdict.headline)})
    covered: set[str] = set()
    for item in items:
        covered.update(item["kpis"])
        recs += [{"priority": item["priority"], "kpi": item["kpis"][0], "action": a,
                  "reason": item["title"]} for a in item["actions"]]
    for d in judged.drifts:
        if d.kpi in covered:
            continue
        o = judged.kpis[d.kpi]
        recs.append({"priority": "P3", "kpi": d.kpi, "action": f"Investigate the "
                     f"{spec.kpi(d.kpi).display} drift before it becomes an incident "
                     f"({d.potential_causes})",
                     "reason": f"{o.title} worst {text.point(o.worst, o.better)}"})
    seen: set[str] = set()
    unique = []
    for rec in sorted(recs, key=lambda r: PRIORITIES.index(r["priority"])):
        if rec["action"] not in seen:
            seen.add(rec["action"])
            unique.append(rec)
    return unique[:10]


def action_items(items: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """The incidents as checkboxes by priority (the JSON's typed action items)."""
    out: dict[str, list[Any]] = {p: [] for p in PRIORITIES}
    for item in items:
        out[item["priority"]].append({
            "id": item["id"], "ids": item["ids"], "kpis": item["kpis"], "title": item["title"],
            "kpi": item["kpis"][0] if item["kpis"] else "", "day": item["day"],
            "severity": item["severity"], "detail": item["impact"],
            "action": "; ".join(item["actions"])})
    return out
