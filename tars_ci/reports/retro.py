"""The day-7 regression analysis and retrospective, built from the recorded history.

:func:`build` turns the history into one plain data model; the JSON retrospective *is* that
model, and the Markdown is the same model rendered by ``templates/retrospective.md.j2``
(jinja2, StrictUndefined), so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

import jinja2

from tars_ci.analysis.priority import Finding
from tars_ci.analysis.slo import SloReport
from tars_ci.pipeline.program import ProgramJudgement
from tars_ci.reports import charts, markdown
from tars_ci.reports.codec import Location, encode
from tars_ci.reports.documents import release_block
from tars_ci.reports.jsonio import normalise
from tars_ci.reports.records import (
    SCHEMA_VERSION,
    DaySummary,
    EpisodeEntry,
    RegressionSummary,
    Retrospective,
)
from tars_ci.reports.store import History
from tars_ci.spec.model import PRIORITIES, Spec


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
        "health_by_day": [_day_row(d) for d in days],
        "final_recommendation": _final(judged),
        "what_went_well": _went_well(spec, days, slos, worst),
        "what_could_be_improved": _improve(spec, days, worst, titles),
        "drift_band": f"{spec.thresholds.drift.notable:g}–{spec.thresholds.drift.high:g}%",
        "unexpected_drifts": [{**d._asdict(), "title": titles.get(d.kpi, d.kpi),
                               "drift_percent": d.final_bad_drift_percent
                               if d.final_bad_drift_percent is not None
                               else d.worst_bad_drift_percent,
                               "trend": d.direction} for d in drifts],
        "trends": [_trend_row(t, titles, baseline, spec) for t in regression.trends],
        "cost": cost._asdict(),
        "slos": [{**s._asdict(), "chart": _burn_chart(s), **_burns(s.name, days)}
                 for s in slos],
        "anomalies": _anomalies(anomalies, titles),
        "recommendations": _recommendations(steps, drifts, judged, titles),
        "action_items": _action_items(worst, steps),
        "coverage": _coverage(spec, days),
        "provenance": _provenance(spec, history, days),
    }
    model["charts"] = {"health": charts.line_chart(
        "Health score by day", [(f"D{d['day']}", d["score"]) for d in model["health_by_day"]],
        "score", (0, 100)), "trends": _trend_charts(spec, model, baseline, values)}
    model["executive_summary"] = _executive_summary(spec, model, worst, cost, slos)
    retro = Retrospective.from_json(normalise(encode(model)), Location("retrospective"),
                                    SCHEMA_VERSION)
    return regression_doc, retro, render(model)


# --------------------------------------------------------------------------- sections


def _day_row(d: Any) -> dict[str, Any]:
    counts = {p: sum(1 for f in d.findings if f.priority == p) for p in PRIORITIES}
    return {"day": d.day, "score": d.health_score, "band": d.health_band,
            "decision": d.rollback_recommendation.decision, "findings": counts,
            "anomaly_episodes": d.anomaly_episodes}


def _went_well(spec: Spec, days: Sequence[Any], slos: Sequence[SloReport],
               worst: Mapping[str, Finding]) -> list[dict[str, Any]]:
    out = []
    for s in slos:
        if s.compliant:
            out.append({"title": f"{s.name} SLO met",
                        "detail": f"SLI {s.sli_percent:.3f}% against a {s.objective:g}% "
                                  f"objective; {_pct(s.budget_remaining_percent)} of the "
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


def _improve(spec: Spec, days: Sequence[Any], worst: Mapping[str, Finding],
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


def _trend_row(t: Any, titles: Mapping[str, str], baseline: Mapping[str, float | None],
               spec: Spec) -> dict[str, Any]:
    unit = spec.kpi(t.kpi).unit
    return {"kpi": t.kpi, "title": titles.get(t.kpi, t.kpi), "direction": t.direction,
            "baseline": markdown.number(baseline.get(t.kpi), unit),
            "slope": t.slope_percent_per_day, "worst_day": t.worst_day,
            "worst_drift": t.worst_bad_drift_percent}


def _anomalies(episodes: Sequence[EpisodeEntry],
               titles: Mapping[str, str]) -> dict[str, Any]:
    ranked = sorted(episodes, key=lambda e: (-abs(e.peak_z), e.start, e.kpi))
    top = [{"title": titles.get(e.kpi, e.kpi), "day": e.day, "start": e.start, "end": e.end,
            "peak_z": e.peak_z, "direction": e.direction, "kpi": e.kpi} for e in ranked[:10]]
    return {"total": len(episodes), "top": top,
            "bad_direction": sum(1 for e in episodes if e.bad_direction)}


def _final(judged: ProgramJudgement) -> dict[str, Any]:
    """The week's verdict, why, and every change of decision between days."""
    verdict, last = judged.verdict, judged.final
    if verdict is None or last is None:
        return {"decision": "unknown", "reasons": ["no day recorded"], "rules": [],
                "headline": "no day recorded", "changes": []}
    reasons = list(verdict.reasons) or list(last.reasons)
    return {"decision": verdict.verdict, "headline": verdict.headline, "reasons": reasons,
            "rules": list(last.rules), "changes": [c.sentence for c in verdict.changes]}


def _recommendations(steps: Sequence[Any], drifts: Sequence[Any], judged: ProgramJudgement,
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


def _action_items(worst: Mapping[str, Finding], steps: Sequence[Any]) -> dict[str, list[Any]]:
    first_action: dict[str, str] = {}
    for s in steps:
        first_action.setdefault(s.kpi, s.action)
    items: dict[str, list[Any]] = {p: [] for p in PRIORITIES}
    for f in worst.values():
        items[f.priority].append({"id": f.id, "title": f.title, "kpi": f.kpi, "day": f.day,
                                  "severity": f.severity, "detail": f.detail,
                                  "action": first_action.get(f.kpi, "")})
    return items


def _coverage(spec: Spec, days: Sequence[Any]) -> dict[str, Any]:
    gaps = sorted((d.day, k) for d in days for k, c in d.metrics_comparison.items()
                  if c.status in ("no_data", "error"))
    cover = [c.coverage for d in days for c in d.metrics_comparison.values()]
    mean = sum(cover) / len(cover) * 100 if cover else 0.0
    if not gaps:
        summary = (f"All {len(spec.kpis)} KPIs had data on all {len(days)} days "
                   f"(mean sample coverage {mean:.1f}%).")
    else:
        listed = ", ".join(f"{markdown.escape(k)} on day {d}" for d, k in gaps[:20])
        summary = (f"Missing data: {listed}. Those metrics were scored as worst case and "
                   f"never as a pass (mean sample coverage {mean:.1f}%).")
    return {"summary": summary, "gaps": [{"day": d, "kpi": k} for d, k in gaps],
            "mean_coverage_percent": mean}


def _provenance(spec: Spec, history: History, days: Sequence[DaySummary]) -> dict[str, Any]:
    """What changed in the spec while the program ran: thresholds (which days used which),
    KPIs added after day 0 (late baselines) and KPIs removed."""
    notes: list[str] = []
    groups: list[tuple[str, list[int], Any]] = []
    for d in days:
        if d.provenance is None:
            continue
        digest = d.provenance.thresholds_digest
        if groups and groups[-1][0] == digest:
            groups[-1][1].append(d.day)
        else:
            groups.append((digest, [d.day], d.provenance.thresholds))
    for (_, before, old), (_, after, new) in pairwise(groups):
        changed = _changed_settings(old, new)
        what = "; ".join(changed[:6]) + (" …" if len(changed) > 6 else "")
        notes.append(f"Thresholds changed from day {after[0]} ({what or 'other settings'}): "
                     f"days {_span(before)} were judged with the old values, days "
                     f"{_span(after)} with the new.")
    spec_kpis = {k.name for k in spec.kpis}
    recorded_kpis: dict[str, list[int]] = {}
    if history.ga is not None:
        for name, entry in history.ga.kpis.items():
            if entry.late_since is None:
                recorded_kpis.setdefault(name, []).append(0)
            elif name in spec_kpis:
                got = ("taken from day 0's data" if entry.value is not None else
                       "unavailable (day 0 had left the source), so it was judged "
                       "no_baseline")
                notes.append(f"{name} was added to the spec after day 0; its baseline was "
                             f"{got} at {entry.late_since}.")
    for d in days:
        for name in d.metrics_comparison:
            recorded_kpis.setdefault(name, []).append(d.day)
    for name in sorted(set(recorded_kpis) - spec_kpis):
        notes.append(f"{name} was removed from the spec; it is recorded on days "
                     f"{_span(sorted(set(recorded_kpis[name])))} and left out of this "
                     f"retrospective.")
    return {"notes": notes, "threshold_groups": [
        {"days": list(group), "thresholds_digest": digest} for digest, group, _ in groups]}


def _changed_settings(old: Any, new: Any, path: str = "") -> list[str]:
    """``drift.notable 10 → 15`` for each setting that differs."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        out: list[str] = []
        for key in sorted(set(old) | set(new)):
            out += _changed_settings(old.get(key), new.get(key), f"{path}.{key}" if path
                                     else str(key))
        return out
    return [] if old == new else [f"{path} {old} → {new}"]


def _span(days: Sequence[int]) -> str:
    """``1–4`` for consecutive days, else ``1, 3, 5``."""
    if len(days) > 1 and list(days) == list(range(days[0], days[-1] + 1)):
        return f"{days[0]}–{days[-1]}"
    return ", ".join(map(str, days))


def _burns(slo: str, days: Sequence[DaySummary]) -> dict[str, Any]:
    """The SLO's burn-rate alerts that fired and each day's peak burn per window."""
    windows: list[str] = []
    rows = []
    alerts = []
    for d in days:
        burn = d.slo_burn.get(slo)
        if burn is None:
            continue
        peaks = {p.window: p.peak_burn for p in burn.peaks}
        windows += [w for w in peaks if w not in windows]
        rows.append({"day": d.day, "peaks": peaks})
        alerts += [{"day": d.day, **a._asdict()} for a in burn.alerts]
    return {"burn_windows": windows, "burn_by_day": rows, "burn_alerts": alerts}


def _burn_chart(s: SloReport) -> str:
    return charts.line_chart(f"{s.name} error budget remaining (%)",
                             [(f"D{d}", r) for d, r in s.burn_down], "remaining %")


def _trend_charts(spec: Spec, model: Mapping[str, Any], baseline: Mapping[str, float | None],
                  values: Mapping[str, Mapping[int, float | None]]) -> list[str]:
    picked: list[str] = []
    for kpi in [i["kpi"] for i in model["what_could_be_improved"]] + [
            d["kpi"] for d in model["unexpected_drifts"]]:
        if kpi in values and kpi not in picked:
            picked.append(kpi)
    out = []
    for kpi in picked[:4]:
        k = spec.kpi(kpi)
        points = [("GA", baseline.get(kpi))] + [
            (f"D{d}", v) for d, v in sorted(values[kpi].items())]
        chart = charts.line_chart(f"{k.display} by day ({k.unit})", points, k.unit)
        if chart:
            out.append(chart)
    return out


def _executive_summary(spec: Spec, model: Mapping[str, Any], worst: Mapping[str, Finding],
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
        parts.append(f"SLO {markdown.escape(s.name)} {state} ({_pct(s.sli_percent, 3)} vs "
                     f"{s.objective:g}%, {_pct(s.budget_remaining_percent)} budget left).")
    if cost.average_daily is not None and cost.ga_day_total is not None:
        parts.append(f"Cost averaged ${cost.average_daily:,.2f}/day, "
                     f"{markdown.signed_percent(cost.change_percent)} vs GA day "
                     f"(${cost.ga_day_total:,.2f}).")
    return " ".join(parts)


def _pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}%"


# --------------------------------------------------------------------------- rendering


def _num(value: Any, digits: int = 2) -> str:
    return "n/a" if value is None else f"{float(value):,.{digits}f}"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("tars_ci.reports", "templates"),
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True,
        trim_blocks=False, lstrip_blocks=False)
    env.filters.update({
        "md": markdown.escape,
        "num": _num,
        "pct": _pct,
        "signed": markdown.signed_percent,
        "money": lambda v: "n/a" if v is None else f"${float(v):,.2f}",
    })
    return env


def render(model: Mapping[str, Any]) -> str:
    """The retrospective Markdown of ``model``."""
    text = _environment().get_template("retrospective.md.j2").render(r=model)
    lines = [line.rstrip() for line in text.splitlines()]
    collapsed: list[str] = []
    for line in lines:
        if line or (collapsed and collapsed[-1]):
            collapsed.append(line)
    return "\n".join(collapsed).strip() + "\n"
