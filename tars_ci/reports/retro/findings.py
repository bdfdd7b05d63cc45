"""What went well, what could be improved, the top recommendations and the action items."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tars_ci.analysis.priority import Finding
from tars_ci.analysis.slo import SloReport
from tars_ci.pipeline.program import ProgramJudgement
from tars_ci.reports import markdown
from tars_ci.reports.retro.render import pct
from tars_ci.spec.model import PRIORITIES, Spec


def went_well(spec: Spec, days: Sequence[Any], slos: Sequence[SloReport],
               worst: Mapping[str, Finding]) -> list[dict[str, Any]]:
    out = []
    for s in slos:
        if s.compliant:
            out.append({"title": f"{s.name} SLO met",
                        "detail": f"SLI {s.sli_percent:.3f}% against a {s.objective:g}% "
                                  f"objective; {pct(s.budget_remaining_percent)} of the "
                                  f"error budget left",
                        "achievement_percent": (s.sli_percent or 0.0) / s.objective * 100})
    degraded = {f.kpi for f in worst.values()}
    for k in spec.kpis:
        comps = [d.metrics_comparison[k.name] for d in days if k.name in d.metrics_comparison]
        if k.name in degraded or not comps or any(c.value is None for c in comps):
            continue
        drifts = [abs(c.drift_percent) for c in comps if c.drift_percent is not None]
        detail = (f"within {spec.thresholds.drift.notable:g}% of the GA baseline on all "
                  f"{len(comps)} days (largest drift {max(drifts, default=0.0):.1f}%)")
        within = None
        if k.limit is not None:
            ok = sum(1 for c in comps if c.value is not None and (
                c.value <= k.limit if k.better == "lower" else c.value >= k.limit))
            within = ok / len(comps) * 100
            detail += f"; {ok} of {len(comps)} days within its {k.limit:g} {k.unit} limit"
        out.append({"title": k.display, "detail": detail, "achievement_percent": within})
    if days and all(d.rollback_recommendation.decision == "monitor" for d in days):
        out.append({"title": "No rollback needed", "detail": f"no rollback rule fired on any "
                                                              f"of the {len(days)} days",
                    "achievement_percent": None})
    if days and not any(f.priority == "P0" for f in worst.values()):
        out.append({"title": "No P0 findings", "detail": "no KPI entered its "
                                                         "immediate-rollback band",
                    "achievement_percent": None})
    return out


def improve(spec: Spec, days: Sequence[Any], worst: Mapping[str, Finding],
             titles: Mapping[str, str]) -> list[dict[str, Any]]:
    out = []
    for f in worst.values():
        seen = [d.day for d in days if any(g.id == f.id for g in d.findings)]
        if f.kind == "degradation":
            unit = spec.kpi(f.kpi).unit if f.kpi in titles else ""
            impact = (f"{markdown.signed_percent(f.drift_percent)} "
                      f"({markdown.number(f.value, unit)} vs {markdown.number(f.baseline, unit)})")
        else:
            impact = markdown.escape(f.detail, 200)
        out.append({"id": f.id, "kpi": f.kpi, "title": titles.get(f.kpi, f.kpi) if
                    f.kind != "slo_burn" else f.title, "severity": f.severity,
                    "priority": f.priority, "day": f.day, "impact": impact, "days": seen})
    return out


def recommendations(steps: Sequence[Any], drifts: Sequence[Any], judged: ProgramJudgement,
                     titles: Mapping[str, str]) -> list[dict[str, Any]]:
    recs: list[dict[str, Any]] = []
    verdict = judged.verdict
    if verdict is not None and verdict.verdict in ("rollback", "immediate_rollback"):
        recs.append({"priority": "P0", "kpi": "", "action": f"Act on the rollback "
                     f"recommendation ({verdict.verdict.replace('_', ' ')})",
                     "reason": verdict.headline})
    for s in steps:
        recs.append({"priority": s.priority, "kpi": s.kpi, "action": s.action,
                     "reason": s.reason})
    for d in drifts:
        recs.append({"priority": "P3", "kpi": d.kpi, "action": f"Investigate the "
                     f"{titles.get(d.kpi, d.kpi)} drift before it becomes an incident",
                     "reason": d.potential_causes})
    seen: set[str] = set()
    unique = []
    for rec in sorted(recs, key=lambda r: PRIORITIES.index(r["priority"])):
        if rec["action"] not in seen:
            seen.add(rec["action"])
            unique.append(rec)
    return unique[:10]


def action_items(worst: Mapping[str, Finding], steps: Sequence[Any]) -> dict[str, list[Any]]:
    first_action: dict[str, str] = {}
    for s in steps:
        first_action.setdefault(s.kpi, s.action)
    items: dict[str, list[Any]] = {p: [] for p in PRIORITIES}
    for f in worst.values():
        items[f.priority].append({"id": f.id, "title": f.title, "kpi": f.kpi, "day": f.day,
                                  "severity": f.severity, "detail": f.detail,
                                  "action": first_action.get(f.kpi, "")})
    return items
