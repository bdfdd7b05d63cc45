"""Cost analysis: the GA day against the program's average day, per component and in total.

Each KPI with ``cost: true`` is a rate in currency per hour; its day value is the day's mean
rate, so it costs ``mean_rate · 24`` that day::

    day total          = Σ_cost KPIs mean_rate · 24             (None if any component is missing)
    average_daily      = mean of the complete day totals of days 1..N
    change_percent     = (average_daily − ga_day_total) / ga_day_total · 100
    monthly_projection = average_daily · 30,   ga_monthly = ga_day_total · 30

Example: GA-day rates summing to 12.5 $/h cost 300 $/day (9,000 $/month); days 1..7
averaging 14.0 $/h cost 336 $/day, +12.0 %, a projected 10,080 $/month.

A component without data on a day makes that day's total unknown (None), never a partial sum
that looks complete; the notes say which component was missing, and the average covers only
the complete days. The breakdown averages each component over those same complete days, so
the components add up to ``average_daily``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from tars_ci.spec.model import Kpi

HOURS_PER_DAY = 24.0
DAYS_PER_MONTH = 30.0


class CostComponent(NamedTuple):
    """One cost KPI: GA-day cost and average daily cost (currency per day)."""

    kpi: str
    title: str
    ga_day: float | None
    average: float | None  # over the complete days 1..N
    change_percent: float | None


class CostReport(NamedTuple):
    """Cost of the GA day against days 1..N (currency per day unless named monthly)."""

    ga_day_total: float | None
    daily_totals: tuple[tuple[int, float | None], ...]  # days 1..N
    average_daily: float | None
    change_percent: float | None
    breakdown: tuple[CostComponent, ...]
    monthly_projection: float | None
    ga_monthly: float | None
    days_with_data: int  # complete days among 1..N
    notes: tuple[str, ...]


def cost_report(kpis: Sequence[Kpi], rates: Mapping[str, Mapping[int, float | None]],
                days: int) -> CostReport:
    """Cost analysis of days 0..``days`` from each cost KPI's daily mean rate.

    ``kpis`` may be all of the spec's KPIs: only those with ``cost: true`` count. ``rates``
    maps a KPI name to {day: mean rate per hour or None}; day 0 is the GA day. A missing or
    non-finite rate is no data.
    """
    if days < 1:
        raise ValueError(f"days must be ≥ 1, got {days}")
    costs = [k for k in kpis if k.cost]
    if not costs:
        return CostReport(None, tuple((d, None) for d in range(1, days + 1)), None, None, (),
                          None, None, 0, ("no cost KPIs (cost: true) in the spec",))
    notes = [f"{k.display} ({k.name}) reduces its day by {k.aggregate}, not mean: its daily "
             "cost is that statistic × 24, not the day's spend" for k in costs
             if k.aggregate != "mean"]
    per_day = {k.name: {d: _day_cost(rates.get(k.name, {}).get(d)) for d in range(days + 1)}
               for k in costs}
    missing_by_day = {d: [k for k in costs if per_day[k.name][d] is None]
                      for d in range(days + 1)}
    for d, missing in missing_by_day.items():
        if missing:
            which = ", ".join(f"{k.display} ({k.name})" for k in missing)
            effect = ("the GA-day total and the changes against it are unknown" if d == 0 else
                      "the day's total is unknown and left out of the average")
            notes.append(f"{'GA day' if d == 0 else f'day {d}'}: no data for {which}; {effect}")
    complete = [d for d in range(1, days + 1) if not missing_by_day[d]]
    if not complete:
        notes.append(f"no complete day among days 1..{days}: no average or projection")

    def total(d: int) -> float | None:
        return None if missing_by_day[d] else sum(per_day[k.name][d] or 0.0 for k in costs)

    breakdown = []
    for k in costs:
        ga_day = per_day[k.name][0]
        average = (sum(per_day[k.name][d] or 0.0 for d in complete) / len(complete)
                   if complete else None)
        breakdown.append(CostComponent(k.name, k.display, ga_day, average,
                                       change_percent(average, ga_day)))
    ga_total = total(0)
    totals = tuple((d, total(d)) for d in range(1, days + 1))
    average_daily = (sum(t for _, t in totals if t is not None) / len(complete)
                     if complete else None)
    if ga_total == 0 and average_daily:
        notes.append("the GA-day cost is 0: the change in percent is undefined")
    return CostReport(ga_total, totals, average_daily, change_percent(average_daily, ga_total),
                      tuple(breakdown), _monthly(average_daily), _monthly(ga_total),
                      len(complete), tuple(notes))


def change_percent(value: float | None, base: float | None) -> float | None:
    """``(value − base) / |base| · 100``; 0 → 0 is 0 %, anything else from 0 is None."""
    if value is None or base is None:
        return None
    if base == 0:
        return 0.0 if value == 0 else None
    return (value - base) / abs(base) * 100.0


def _day_cost(rate: float | None) -> float | None:
    """A day's cost from its mean hourly rate; None for a missing or non-finite rate."""
    return float(rate) * HOURS_PER_DAY if rate is not None and math.isfinite(rate) else None


def _monthly(daily: float | None) -> float | None:
    return None if daily is None else daily * DAYS_PER_MONTH
