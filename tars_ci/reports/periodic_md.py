"""The periodic report's Markdown, rendered from its record alone (so the committed JSON
re-renders to the committed Markdown), through the retrospective's strict jinja2
environment and number formatters."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tars_ci.reports.periodic import PeriodicReport, SloWindow
from tars_ci.reports.retro import text
from tars_ci.reports.retro.render import render_markdown
from tars_ci.spec.fields import PRIORITIES


def render(report: PeriodicReport) -> str:
    """The Markdown of ``report``."""
    return render_markdown("periodic.md.j2", model(report))


def model(report: PeriodicReport) -> dict[str, Any]:
    """What the template shows, worded."""
    p = report.period
    counts: dict[str, int] = {pr: sum(1 for f in report.findings if f.priority == pr)
                              for pr in PRIORITIES}
    days = list(p.program_days)
    titles = {name: c.title for name, c in report.metrics_comparison.items()}
    return {
        "release": report.release._asdict(),
        "period": p.period, "start": _utc(p.start), "end": _utc(p.end),
        "program_days": (f"program {text.days(days)}" if days
                         else "outside the program's days"),
        "baseline": report.baseline_file or "none recorded",
        "spec_digest": (report.provenance.spec_digest.removeprefix("sha256:")[:12]),
        "counts": counts,
        "headline": _headline(report, counts),
        "slos": [_slo(name, s) for name, s in sorted(report.slo.items())],
        "alerts": [{"slo": name, **a._asdict(),
                    "length": text.duration(_minutes(a.start, a.end)),
                    "from": _utc(a.start), "to": _utc(a.end)}
                   for name, s in sorted(report.slo.items()) for a in s.burn.alerts],
        # the file's keys are sorted: critical KPIs first, then by title, whatever the order
        "kpis": [_kpi(report, name) for name in sorted(
            report.metrics_comparison, key=lambda n: (not report.metrics_comparison[n].critical,
                                                      titles[n].lower(), n))],
        "health": report.health._asdict(),
        "health_lost": [{"title": titles.get(c.kpi, c.kpi), "explanation": c.explanation}
                        for c in report.health.breakdown if c.points_lost > 0],
        "findings": list(report.findings),
        "anomalies": [{**dataclasses.asdict(e), "title": titles.get(e.kpi, e.kpi),
                       "from": _utc(e.start), "to": _utc(e.end)}
                      for e in report.anomalies],
        "coverage": report.data_coverage._asdict(),
        "gaps": [{**g._asdict(), "title": titles.get(g.kpi, g.kpi),
                  "from": _utc(g.start), "to": _utc(g.end),
                  "length": text.duration(g.minutes)} for g in report.data_gaps],
        "notes": list(report.notes) + [f"SLO {name}: {n}" for name, s in sorted(report.slo.items())
                                       for n in s.burn.notes],
    }


def _headline(report: PeriodicReport, counts: Mapping[str, int]) -> str:
    h = report.health
    health = ("health not scored" if h.score is None
              else f"health {h.score:.1f}" + ("" if h.band == "insufficient_data"
                                               else f" ({h.band})"))
    if h.band == "insufficient_data":
        health += " — insufficient data"
    missed = [n for n, s in report.slo.items() if s.met is False]
    slos = (f"SLO missed: {', '.join(missed)}" if missed
            else "every SLO met" if report.slo and all(s.met for s in report.slo.values())
            else "SLOs not all judged" if report.slo else "no SLOs")
    found = " · ".join(f"{counts[p]} {p}" for p in PRIORITIES if counts[p]) or "no findings"
    return f"{health} · {slos} · {found}"


def _slo(name: str, s: SloWindow) -> dict[str, Any]:
    state = {True: "met", False: "**missed**", None: "not judged"}[s.met]
    if s.status != "ok":
        state = s.status.replace("_", " ")
    unit = s.unit
    return {
        "name": name, **s._asdict(), "state": state,
        "sli": "n/a" if s.sli_percent is None else f"{s.sli_percent:.4f}%",
        "burn_rate_text": "n/a" if s.burn_rate is None else f"{s.burn_rate:.2f}×",
        "budget_text": ("n/a" if s.window_budget is None or s.bad is None else
                        f"{s.bad:,.0f} of {s.window_budget:,.0f} allowed bad {unit} "
                        f"({text.pct(s.window_budget_consumed_percent)})"),
        "slo_budget_text": ("n/a" if s.slo_budget_consumed_percent is None else
                            f"{text.pct(s.slo_budget_consumed_percent, 2)} of {s.slo_window}"),
        "peaks": ", ".join(f"{pk.window} {'n/a' if pk.peak_burn is None else f'{pk.peak_burn:.1f}×'}"
                           for pk in s.burn.peaks),
    }


def _kpi(report: PeriodicReport, name: str) -> dict[str, Any]:
    c = report.metrics_comparison[name]
    v = report.kpis[name]
    return {**c._asdict(), "value_text": text.value(c.value, c.unit),
            "baseline_text": text.value(c.baseline, c.unit),
            "drift_text": text.drift(c.drift_percent, c.better),
            "band": v.band or "—", "priority": v.priority or "—"}


def _utc(iso: str) -> str:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M UTC")


def _minutes(start: str, end: str) -> float:
    a, b = (datetime.fromisoformat(x.replace("Z", "+00:00")) for x in (start, end))
    return (b - a).total_seconds() / 60.0
