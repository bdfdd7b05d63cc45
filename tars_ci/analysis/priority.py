"""Findings: what needs attention on a day, ranked P0 (most urgent) to P3.

A KPI yields a ``degradation`` finding when its comparison has a severity or its value lies
in one of its absolute bands, and a ``no_data`` finding (severity medium) when its status is
``no_data`` or ``error``. A finding takes the most urgent of two priorities:

- the severity map (seeds: critical P1, high P1, medium P2, low P3), and
- the KPI's absolute band: beyond P0 (e.g. availability < 99%, error rate > 5%) → P0 and
  severity critical; beyond P1 → P1 and severity ≥ high; beyond P2 → P2 and severity ≥ medium.

Finding ids are stable across days (``<kpi>:degradation``, ``<kpi>:no_data``,
``slo:<name>:burn``) so a finding seen again updates the same GitHub issue.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, NamedTuple

from tars_ci.analysis.drift import Comparison, format_drift, max_severity
from tars_ci.analysis.kpis import format_value
from tars_ci.spec import levels
from tars_ci.spec.model import (
    Band,
    Kpi,
    Priority,
    Severity,
    SeverityMap,
    Spec,
)

FindingKind = Literal["degradation", "no_data", "slo_burn"]

_BAND_SEVERITY: dict[Priority, Severity] = {"P0": "critical", "P1": "high", "P2": "medium"}


class Finding(NamedTuple):
    """Something to act on, on one day."""

    id: str
    day: int
    kpi: str
    kind: FindingKind
    severity: Severity
    priority: Priority
    value: float | None
    baseline: float | None
    drift_percent: float | None
    title: str
    detail: str


def band_priority(kpi: Kpi, value: float | None, band: Band | None) -> Priority | None:
    """The absolute band ``value`` is in: P0, P1, P2, or None (outside every band).

    Higher-is-better: below the P0 bound → P0, below P1 → P1, below P2 → P2; lower-is-better
    mirrored with "above". A value exactly on a bound is not beyond it.
    """
    if value is None or band is None:
        return None
    bounds: tuple[tuple[Priority, float | None], ...] = (
        ("P0", band.P0), ("P1", band.P1), ("P2", band.P2))
    for level, bound in bounds:
        if bound is None:
            continue
        if (value < bound) if kpi.better == "higher" else (value > bound):
            return level
    return None


def band_severity(level: Priority | None) -> Severity | None:
    """The severity a value inside band ``level`` carries at least (P0 critical, P1 high,
    P2 medium; None outside every band)."""
    return None if level is None else _BAND_SEVERITY.get(level)


def band_bound_text(kpi: Kpi, level: Priority, band: Band) -> str:
    """``< 99%`` / ``> 5%``: the bound of ``level`` as people read it."""
    bound = {"P0": band.P0, "P1": band.P1, "P2": band.P2}.get(level)
    return f"{'<' if kpi.better == 'higher' else '>'} {format_value(bound, kpi.unit, exact=True)}"


def priority_for_severity(severity: Severity, mapping: SeverityMap) -> Priority:
    """The priority the spec's severity map gives ``severity``."""
    priority: Priority = getattr(mapping, severity)
    return priority


def most_urgent(*priorities: Priority | None) -> Priority:
    """The most urgent of the given priorities (P3 when none is given)."""
    return levels.most_urgent(*priorities) or "P3"


def is_at_least(priority: Priority, level: Priority) -> bool:
    """True when ``priority`` is ``level`` or more urgent (``is_at_least("P0", "P1")``)."""
    return levels.at_least_as_urgent(priority, level)


def findings_for_day(day: int, spec: Spec,
                     comparisons: Mapping[str, Comparison]) -> tuple[Finding, ...]:
    """The day's findings, sorted by priority, then severity (worst first), then KPI.

    Every spec KPI is considered; one without a comparison counts as no data.
    """
    unknown = sorted(set(comparisons) - {k.name for k in spec.kpis})
    if unknown:
        raise ValueError(f"comparisons for KPIs not in the spec: {', '.join(unknown)}")
    found = []
    for kpi in spec.kpis:
        comparison = comparisons.get(kpi.name)
        if comparison is None or comparison.status in ("no_data", "error"):
            found.append(_no_data(day, spec, kpi, comparison))
            continue
        finding = _degradation(day, spec, kpi, comparison)
        if finding is not None:
            found.append(finding)
    return tuple(sorted(found, key=finding_order))


def finding_order(finding: Finding) -> tuple[int, int, str, str]:
    """Sort key: priority, severity worst first, KPI, id."""
    return (levels.priority_rank(finding.priority), -levels.severity_rank(finding.severity),
            finding.kpi, finding.id)


def _degradation(day: int, spec: Spec, kpi: Kpi, c: Comparison) -> Finding | None:
    band = spec.band(kpi.name)
    level = band_priority(kpi, c.value, band)
    severity = max_severity(c.severity, band_severity(level))
    if severity is None:
        return None
    by_severity = priority_for_severity(severity, spec.priorities.severity)
    priority = most_urgent(by_severity, level)
    value, base = format_value(c.value, kpi.unit), format_value(c.baseline, kpi.unit)
    if c.severity is not None and c.drift_percent is not None:
        title = (f"{kpi.display} {format_drift(c.drift_percent)} vs GA baseline "
                 f"({value} vs {base}) on day {day}")
    elif c.severity is not None:
        title = f"{kpi.display} rose to {value} from a zero GA baseline on day {day}"
    else:
        assert level is not None and band is not None
        title = (f"{kpi.display} {value} is in the {level} band "
                 f"({band_bound_text(kpi, level, band)}) on day {day}")
    detail = [c.reason[:1].upper() + c.reason[1:] + "."]
    if level is not None and band is not None:
        what = " (immediate-rollback class)" if level == "P0" else ""
        detail.append(f"Value {value} is in the {level} band "
                      f"({band_bound_text(kpi, level, band)}){what}.")
    detail.append(f"Priority {priority}: severity {severity} maps to {by_severity}"
                  + (f", band {level}." if level else "."))
    return Finding(f"{kpi.name}:degradation", day, kpi.name, "degradation", severity, priority,
                   c.value, c.baseline, c.drift_percent, title, " ".join(detail))


def _no_data(day: int, spec: Spec, kpi: Kpi, c: Comparison | None) -> Finding:
    severity: Severity = "medium"
    priority = priority_for_severity(severity, spec.priorities.severity)
    if c is None:
        what, reason = "no data", "no comparison was computed for this KPI"
    else:
        what = "query error" if c.status == "error" else "no data"
        reason = c.reason
    title = f"{kpi.display}: {what} on day {day}"
    detail = (f"{reason[:1].upper() + reason[1:]}. Missing data is not a pass: the KPI is "
              f"scored as worst case in the health score until data is back.")
    return Finding(f"{kpi.name}:no_data", day, kpi.name, "no_data", severity, priority,
                   None if c is None else c.value, None if c is None else c.baseline, None,
                   title, detail)
