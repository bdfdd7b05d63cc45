"""Priorities: a KPI's absolute bands and the severity → priority map.

A degradation finding (:mod:`tars_ci.analysis.findings`) takes the most urgent of two
priorities:

- the severity map (seeds: critical P1, high P1, medium P2, low P3), and
- the KPI's absolute band: beyond P0 (e.g. availability < 99%, error rate > 5%) → P0 and
  severity critical; beyond P1 → P1 and severity ≥ high; beyond P2 → P2 and severity ≥ medium.

The bands are judged by their compiled :class:`~tars_ci.analysis.rules.BandRule` records;
these helpers answer the same questions for one KPI and its spec band.
"""

from __future__ import annotations

from tars_ci.analysis.rules import BAND_SEVERITY, band_level, band_rules, priority_for_severity
from tars_ci.spec import levels
from tars_ci.spec.model import Band, Kpi, Priority, Severity

__all__ = ["band_bound_text", "band_priority", "band_severity", "is_at_least", "most_urgent",
           "priority_for_severity"]


def band_priority(kpi: Kpi, value: float | None, band: Band | None) -> Priority | None:
    """The absolute band ``value`` is in: P0, P1, P2, or None (outside every band).

    Higher-is-better: below the P0 bound → P0, below P1 → P1, below P2 → P2; lower-is-better
    mirrored with "above". A value exactly on a bound is not beyond it.
    """
    rule = band_level(band_rules(kpi, band), value)
    return None if rule is None else rule.level


def band_severity(level: Priority | None) -> Severity | None:
    """The severity a value inside band ``level`` carries at least (P0 critical, P1 high,
    P2 medium; None outside every band)."""
    return None if level is None else BAND_SEVERITY.get(level)


def band_bound_text(kpi: Kpi, level: Priority, band: Band) -> str:
    """``< 99%`` / ``> 5%``: the bound of ``level`` as people read it."""
    rule = next(r for r in band_rules(kpi, band) if r.level == level)
    return rule.bound_text()


def most_urgent(*priorities: Priority | None) -> Priority:
    """The most urgent of the given priorities (P3 when none is given)."""
    return levels.most_urgent(*priorities) or "P3"


def is_at_least(priority: Priority, level: Priority) -> bool:
    """True when ``priority`` is ``level`` or more urgent (``is_at_least("P0", "P1")``)."""
    return levels.at_least_as_urgent(priority, level)
