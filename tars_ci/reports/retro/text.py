"""How the retrospective words its numbers: one formatter per kind of number, so a value
shown in two sections reads the same in both."""

from __future__ import annotations

from collections.abc import Sequence

from tars_ci.analysis.drift import format_drift_word
from tars_ci.analysis.kpis import format_value
from tars_ci.pipeline.outcomes import DayPoint
from tars_ci.reports import markdown
from tars_ci.spec.model import Better


def pct(value: float | None, digits: int = 1) -> str:
    """``86.6%``; ``n/a`` for None."""
    return "n/a" if value is None else f"{value:.{digits}f}%"


def num(value: float | None, digits: int = 2) -> str:
    """``1,234.50``; ``n/a`` for None."""
    return "n/a" if value is None else f"{float(value):,.{digits}f}"


def money(value: float | None) -> str:
    """``$1,234.50``; ``n/a`` for None."""
    return "n/a" if value is None else f"${float(value):,.2f}"


def drift(value: float | None, better: Better) -> str:
    """A drift in the KPI's bad direction: ``+18.0% (worse)``, ``-1.0% (worse)``."""
    return format_drift_word(value, better)


def point(p: DayPoint | None, better: Better) -> str:
    """``+18.0% (worse) on day 3``; ``n/a`` without a day."""
    return "n/a" if p is None else f"{drift(p.drift_percent, better)} on day {p.day}"


def value(v: float | None, unit: str) -> str:
    """A KPI value with its unit (the analysis' own format)."""
    return markdown.number(v, unit)


def limit(v: float, unit: str) -> str:
    """A number from the spec as written: ``99.9%``, ``200 ms``."""
    return format_value(v, markdown.escape(unit) if unit else "", exact=True)


def duration(minutes: float) -> str:
    """``12 min``, ``3h 05m``: a length people read at a glance (whole minutes)."""
    whole = round(minutes)
    if whole < 60:
        return f"{whole} min"
    return f"{whole // 60}h {whole % 60:02d}m"


def days(numbers: Sequence[int]) -> str:
    """``day 2``, ``days 2–4``, ``days 1, 3 and 5``."""
    if not numbers:
        return "no day"
    if len(numbers) == 1:
        return f"day {numbers[0]}"
    return f"days {span(numbers)}"


def span(numbers: Sequence[int]) -> str:
    """``1–4`` for consecutive days, else ``1, 3 and 5``."""
    items = list(numbers)
    if len(items) > 1 and items == list(range(items[0], items[-1] + 1)):
        return f"{items[0]}–{items[-1]}"
    return and_list([str(n) for n in items])


def and_list(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" and {items[-1]}"


def plural(count: int, word: str) -> str:
    """``1 action item``, ``2 action items``."""
    return f"{count} {word}{'' if count == 1 else 's'}"
