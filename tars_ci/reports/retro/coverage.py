"""The retrospective's data coverage and spec-change (provenance) sections."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

from tars_ci.reports import markdown
from tars_ci.reports.records import DaySummary
from tars_ci.reports.store import History
from tars_ci.spec.model import Spec


def coverage(spec: Spec, days: Sequence[Any]) -> dict[str, Any]:
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
