"""Priority and Severity as ordered types, compared here and nowhere else.

The spec and the JSON history spell them as strings (``"P0"``…``"P3"``, ``"low"``…
``"critical"``), and :data:`~tars_ci.spec.fields.Priority` / :data:`~tars_ci.spec.fields.Severity`
are those literal spellings, so mypy checks every spelling. Their *order* lives only in this
module: code asks ``more_urgent(a, b)`` or ``worst_severity(a, b)``, never ``a < b`` on the
strings (``"P10" < "P2"``, ``"critical" < "high"``) nor an ``index`` of its own.

Priority: P0 is the most urgent. Severity: critical is the worst; ``None`` (no severity) sorts
below low.
"""

from __future__ import annotations

from tars_ci.spec.fields import PRIORITIES, SEVERITIES, Priority, Severity

__all__ = ["PRIORITIES", "SEVERITIES", "Priority", "Severity", "at_least_as_urgent",
           "least_urgent", "more_urgent", "most_urgent", "priority_rank", "severity_at_least",
           "severity_rank", "worst_severity"]

_PRIORITY_RANK: dict[str, int] = {p: i for i, p in enumerate(PRIORITIES)}
_SEVERITY_RANK: dict[str, int] = {s: i for i, s in enumerate(SEVERITIES)}


def priority_rank(priority: Priority) -> int:
    """0 for P0 (most urgent) … 3 for P3; a sort key that puts the most urgent first."""
    try:
        return _PRIORITY_RANK[priority]
    except KeyError:
        raise ValueError(f"unknown priority {priority!r}; expected one of "
                         f"{', '.join(PRIORITIES)}") from None


def severity_rank(severity: Severity | None) -> int:
    """−1 for no severity, 0 for low … 3 for critical; larger is worse."""
    if severity is None:
        return -1
    try:
        return _SEVERITY_RANK[severity]
    except KeyError:
        raise ValueError(f"unknown severity {severity!r}; expected one of "
                         f"{', '.join(SEVERITIES)}") from None


def more_urgent(a: Priority, b: Priority) -> bool:
    """True when ``a`` is strictly more urgent than ``b`` (``more_urgent("P0", "P1")``)."""
    return priority_rank(a) < priority_rank(b)


def at_least_as_urgent(priority: Priority, level: Priority) -> bool:
    """True when ``priority`` is ``level`` or more urgent (``at_least_as_urgent("P0", "P1")``)."""
    return priority_rank(priority) <= priority_rank(level)


def most_urgent(*priorities: Priority | None) -> Priority | None:
    """The most urgent of the given priorities (None when none is given)."""
    given: list[Priority] = [p for p in priorities if p is not None]
    if not given:
        return None
    return min(given, key=priority_rank)


def least_urgent(*priorities: Priority | None) -> Priority | None:
    """The least urgent of the given priorities (None when none is given)."""
    given: list[Priority] = [p for p in priorities if p is not None]
    if not given:
        return None
    return max(given, key=priority_rank)


def worst_severity(*severities: Severity | None) -> Severity | None:
    """The most severe of the given severities (None when none is given)."""
    given: list[Severity] = [s for s in severities if s is not None]
    return max(given, key=severity_rank) if given else None


def severity_at_least(severity: Severity | None, level: Severity) -> bool:
    """True when ``severity`` is ``level`` or worse (no severity is below every level)."""
    return severity_rank(severity) >= severity_rank(level)
