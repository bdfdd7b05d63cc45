"""Gate values for people: bytes with their unit spelled out, counts as whole numbers.

A metric in ``bytes`` is shown in the unit its bounds are written in (``2.61 GB`` beside
``< 2.5 GB``; GB = 10⁹ bytes, GiB = 2³⁰ bytes), otherwise in decimal GB/MB/kB. A count
(``restarts``, ``requests``, …) is judged and shown as a whole number: ``increase()``
extrapolates, so one restart may come back as 1.04. Anything else is
:func:`tars_ci.analysis.kpis.format_value`.
"""

from __future__ import annotations

from tars_ci.analysis.kpis import format_value
from tars_ci.spec.gates import BYTE_UNITS, BYTES, COUNT_UNITS, Bound

_DECIMAL = ("TB", "GB", "MB", "kB")


def is_count(unit: str) -> bool:
    """Whether ``unit`` counts things (judged and shown as whole numbers)."""
    return unit in COUNT_UNITS


def judged(value: float, unit: str) -> float:
    """The value a bound is checked against: counts rounded to whole numbers."""
    return float(round(value)) if is_count(unit) else value


def byte_unit(*bounds: Bound | None) -> str:
    """The byte unit the first bound that has one is written in ("" when none)."""
    return next((b.unit for b in bounds if b is not None and b.unit), "")


def show(value: float | None, unit: str, scale: str = "") -> str:
    """``value`` in ``unit`` for a table or a reason; ``scale`` picks the byte unit."""
    if value is None:
        return "n/a"
    if unit == BYTES:
        name = scale or next((u for u in _DECIMAL if abs(value) >= BYTE_UNITS[u]), "B")
        number = value / BYTE_UNITS[name]
        return f"{number:,.0f} {name}" if name == "B" else f"{number:,.2f} {name}"
    if is_count(unit):
        whole = round(value)
        return f"{whole:,} {unit if whole != 1 else unit.removesuffix('s')}"
    return format_value(value, unit)


def exact_bytes(value: float) -> str:
    """``value`` bytes to the byte, for a reason: ``2,612,345,678 bytes``."""
    return f"{round(value):,} bytes"
