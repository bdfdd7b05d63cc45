"""The retrospective's data coverage and spec-change (provenance) sections."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

from tars_ci.pipeline.program import ProgramJudgement
from tars_ci.reports.records import DaySummary
from tars_ci.reports.retro import text
from tars_ci.reports.store import History
from tars_ci.spec.model import Spec


def coverage(spec: Spec, judged: ProgramJudgement) -> dict[str, Any]:
    """Every gap of 15 minutes or more by name, the KPI-days without data and the days
    without enough data for a health band: never summed away into one percentage."""
    c = judged.coverage
    titles = {k.name: k.display for k in spec.kpis}
    gaps = [{**g._asdict(), "title": titles.get(g.kpi, g.kpi),
             "duration": text.duration(g.minutes)} for g in c.gaps]
    missing = [{**m._asdict(), "title": titles.get(m.kpi, m.kpi)} for m in c.missing]
    insufficient = [{"day": h.day, "coverage_percent": None if h.coverage is None
                     else h.coverage * 100.0, "note": h.note}
                    for h in judged.health.days if h.day in c.insufficient]
    mean = f"mean sample coverage {text.pct(c.mean_coverage_percent)}"
    later = text.and_list([f"{titles.get(k, k)} from day {d}" for k, d in c.joined])
    if not gaps and not missing and not insufficient and later:
        summary = (f"Every KPI had data on every day it was judged ({later}, after joining "
                   f"the spec), with no gap of 15 minutes or more ({mean}).")
    elif not gaps and not missing and not insufficient:
        summary = (f"All {text.plural(c.kpis, 'KPI')} had data on all "
                   f"{text.plural(c.days, 'day')}, with no gap of 15 minutes or more "
                   f"({mean}).")
    else:
        parts = [f"{text.plural(len(gaps), 'gap')} of 15 minutes or more" if gaps else
                 "no gap of 15 minutes or more",
                 f"{text.plural(len(missing), 'KPI-day')} without data" if missing else
                 "no KPI-day without data"]
        if insufficient:
            parts.append(f"{text.plural(len(insufficient), 'day')} with too little data for "
                         "a health band")
        listed = text.and_list(parts)
        summary = (f"{listed[:1].upper() + listed[1:]} ({mean}, which averages them "
                   f"away: see below). Missing data is never a pass: a KPI without data is "
                   f"left out of the health score and the rollback rules that day.")
    rows: dict[tuple[int, str, str], list[str]] = {}
    for g in gaps:
        rows.setdefault((g["day"], g["start"], g["end"]), []).append(g["title"])
    gap_rows = [{"day": day, "start": start, "end": end, "titles": titles,
                 "duration": next(g["duration"] for g in gaps if (g["day"], g["start"],
                                                                  g["end"]) == (day, start, end))}
                for (day, start, end), titles in rows.items()]
    return {"summary": summary, "gaps": gaps, "gap_rows": gap_rows, "missing": missing,
            "joined": [{"kpi": k, "first_day": d} for k, d in c.joined],
            "insufficient": insufficient, "mean_coverage_percent": c.mean_coverage_percent}


def provenance(spec: Spec, history: History, days: Sequence[DaySummary]) -> dict[str, Any]:
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
        changed = changed_settings(old, new)
        what = "; ".join(changed[:6]) + (" …" if len(changed) > 6 else "")
        notes.append(f"Thresholds changed from day {after[0]} ({what or 'other settings'}): "
                     f"days {span(before)} were judged with the old values, days "
                     f"{span(after)} with the new.")
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
                     f"{span(sorted(set(recorded_kpis[name])))} and left out of this "
                     f"retrospective.")
    return {"notes": notes, "threshold_groups": [
        {"days": list(group), "thresholds_digest": digest} for digest, group, _ in groups]}


def changed_settings(old: Any, new: Any, path: str = "") -> list[str]:
    """``drift.notable 10 → 15`` for each setting that differs."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        out: list[str] = []
        for key in sorted(set(old) | set(new)):
            out += changed_settings(old.get(key), new.get(key), f"{path}.{key}" if path
                                     else str(key))
        return out
    return [] if old == new else [f"{path} {old} → {new}"]


def span(days: Sequence[int]) -> str:
    """``1–4`` for consecutive days, else ``1, 3, 5``."""
    if len(days) > 1 and list(days) == list(range(days[0], days[-1] + 1)):
        return f"{days[0]}–{days[-1]}"
    return ", ".join(map(str, days))
