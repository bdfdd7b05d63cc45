"""Findings of one incident, together: one action item per incident, naming every KPI.

Two findings are one incident when they share a **cause**, a **kind** and a **day**:

- *cause*: their KPIs (or SLOs) read the same series. A ratio KPI over an SLO's good/total
  (``ratio: {slo: X}``) reads SLO X's requests, an explicit ratio its denominator's, a ratio
  SLO its total's: availability, error rate and the availability SLO's burn of the same
  requests are one cause. Quantiles of one histogram (``histogram_quantile(0.95, E)`` and
  ``histogram_quantile(0.99, E)``) are one cause: p95 and p99. A threshold SLO reads its KPI.
  Queries are compared with their whitespace collapsed; anything else is its own cause.
- *kind*: a ``degradation`` and an ``slo_burn`` are both the service getting worse; a
  ``no_data`` goes with ``no_data``, a ``query_error`` with ``query_error``.
- *day*: the day each finding is reported at (its worst occurrence) is the same.

An incident takes the most urgent priority and the worst severity of its findings; its lead
is its most urgent finding, whose id is the incident's id (publishing ticks action items by
it), and every finding id stays listed in ``ids``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from tars_ci.analysis.findings import Finding, FindingKind, finding_order
from tars_ci.spec import levels
from tars_ci.spec.model import Kpi, Priority, Severity, Slo, Spec


class Incident(NamedTuple):
    """Findings of one cause on one day (one action item)."""

    id: str  # the lead finding's id
    ids: tuple[str, ...]  # every finding's id, lead first
    kpis: tuple[str, ...]  # the KPIs (or SLOs) named, lead first, each once
    kind: FindingKind  # the lead's
    day: int
    priority: Priority  # the most urgent of the findings'
    severity: Severity  # the worst of the findings'
    findings: tuple[Finding, ...]  # lead first, then by urgency


_QUANTILE = re.compile(r"histogram_quantile\(\s*[0-9.eE+-]+\s*,")
_CLASS: dict[str, str] = {"degradation": "worse", "slo_burn": "worse"}


def incidents(findings: Iterable[Finding], spec: Spec) -> tuple[Incident, ...]:
    """``findings`` (one occurrence per finding id) grouped into incidents, most urgent
    first (priority, severity, day, id)."""
    ranked = sorted(findings, key=finding_order)
    taken: set[str] = set()
    out = []
    for lead in ranked:
        if lead.id in taken:
            continue
        key = (cause(spec, lead), _CLASS.get(lead.kind, lead.kind), lead.day)
        group = [f for f in ranked if f.id not in taken and
                 (cause(spec, f), _CLASS.get(f.kind, f.kind), f.day) == key]
        taken.update(f.id for f in group)
        kpis = tuple(dict.fromkeys(f.kpi for f in group))
        priority = levels.most_urgent(*(f.priority for f in group)) or lead.priority
        severity = levels.worst_severity(*(f.severity for f in group)) or lead.severity
        out.append(Incident(lead.id, tuple(f.id for f in group), kpis, lead.kind, lead.day,
                            priority, severity, tuple(group)))
    return tuple(sorted(out, key=lambda i: (levels.priority_rank(i.priority),
                                            -levels.severity_rank(i.severity), i.day, i.id)))


def cause(spec: Spec, finding: Finding) -> str:
    """The series a finding's KPI or SLO reads (equal for findings of one cause)."""
    if finding.kind == "slo_burn" or finding.id.startswith("slo:"):
        slo = _slo(spec, finding.kpi)
        return _slo_source(spec, slo) if slo is not None else f"slo:{finding.kpi}"
    kpi = _kpi(spec, finding.kpi)
    return _kpi_source(spec, kpi) if kpi is not None else f"kpi:{finding.kpi}"


def _kpi_source(spec: Spec, kpi: Kpi) -> str:
    ratio = kpi.ratio
    if ratio is not None and ratio.slo:
        slo = _slo(spec, ratio.slo)
        return _slo_source(spec, slo) if slo is not None else f"slo:{ratio.slo}"
    if ratio is not None:
        return "events:" + _norm(ratio.denominator)
    return "query:" + _QUANTILE.sub("histogram_quantile(q,", _norm(kpi.query))


def _slo_source(spec: Spec, slo: Slo) -> str:
    if slo.ratio is not None:
        return "events:" + _norm(slo.ratio.total)
    if slo.threshold is not None:
        kpi = _kpi(spec, slo.threshold.kpi)
        return _kpi_source(spec, kpi) if kpi is not None else f"kpi:{slo.threshold.kpi}"
    return f"slo:{slo.name}"


def _kpi(spec: Spec, name: str) -> Kpi | None:
    return next((k for k in spec.kpis if k.name == name), None)


def _slo(spec: Spec, name: str) -> Slo | None:
    return next((s for s in spec.slos if s.name == name), None)


def _norm(query: str) -> str:
    return " ".join(query.split())
