"""Priorities: a KPI's absolute bands and the severity → priority map.

A degradation finding (:mod:`tars_ci.analysis.findings`) takes the most urgent of two
priorities:

- the severity map (seeds: critical P1, high P1, medium P2, low P3), and
- the KPI's absolute band: beyond P0 (e.g. availability < 99%, error rate > 5%) → P0 and
  severity critical; beyond P1 → P1 and severity ≥ high; beyond P2 → P2 and severity ≥ medium.
"""

from __future__ import annotations

from tars_ci.analysis.kpis import format_value
from tars_ci.spec import levels
from tars_ci.spec.model import (
    Band,
    Kpi,
    Priority,
    Severity,
    SeverityMap,
)

_BAND_SEVERITY: dict[Priority, Severity] = {"P0": "critical", "P1": "high", "P2": "medium"}

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
