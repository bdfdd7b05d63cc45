"""The retrospective's SLO sections: compliance, budget and its exhaustion projected two
ways, burn-rate alerts with their lengths, peaks by window, the burn-down chart."""

from __future__ import annotations

from typing import Any

from tars_ci.analysis.slo import Exhaustion
from tars_ci.pipeline.program import SloOutcome
from tars_ci.reports import charts
from tars_ci.reports.retro import text


def slo_section(s: SloOutcome) -> dict[str, Any]:
    """One SLO: the report's numbers, the exhaustion projections, the burn-rate alerts."""
    r = s.report
    state = ("compliant" if r.compliant else "not compliant" if r.compliant is not None
             else "not judged (missing data)")
    return {**r._asdict(), "state": state, "exhaustion": s.exhaustion._asdict(),
            "exhaustion_text": exhaustion_text(s.exhaustion, text.days(
                [d.day for d in r.by_day if d.status == "ok"])),
            "budget_text": _budget_text(r.budget_consumed_percent, r.budget_remaining_percent,
                                        r.window_days),
            "budget_left_share": s.budget_left_share, "burn_windows": list(s.windows),
            "burn_by_day": [{"day": d, "peaks": peaks} for d, peaks in s.peaks],
            "burn_alerts": [{"day": a.day, **a.alert._asdict(), "minutes": a.minutes,
                             "duration": text.duration(a.minutes)} for a in s.alerts],
            "chart": charts.line_chart(f"{r.name} error budget remaining (%)",
                                       [(f"D{d}", v) for d, v in r.burn_down], "remaining %")}


def exhaustion_text(e: Exhaustion, days: str) -> str:
    """``45.4 days at day 7's rate (0.54×); 42.1 days at the average rate of days 1–7
    (0.57×)``: the budget left, projected at the last day's pace beside the average's."""
    if e.last_day is None:
        return "unknown (no day with data)"
    if e.remaining_percent is not None and e.remaining_percent <= 0:
        return "none: the error budget is already spent"
    return (f"{_days(e.days_at_last_day)} at day {e.last_day}'s rate "
            f"({text.num(e.last_day_burn_rate)}×); {_days(e.days_at_average)} at the average "
            f"rate of {days} ({text.num(e.average_burn_rate)}×)")


def _budget_text(consumed: float | None, remaining: float | None, window: float) -> str:
    if consumed is None or remaining is None:
        return "unknown (no day with data)"
    if remaining < 0:
        return (f"{text.pct(consumed)} of the {window:g}-day budget consumed: overspent by "
                f"{text.pct(-remaining)}")
    return f"{text.pct(consumed)} of the {window:g}-day budget consumed, {text.pct(remaining)} left"


def _days(days: float | None) -> str:
    if days is None:
        return "never (not burning)"
    return "exhausted" if days <= 0 else f"{days:.1f} days"
