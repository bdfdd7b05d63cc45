"""SLO compliance over the program: SLI per day, error budget, burn rate, days to exhaustion.

A day's SLI is a good fraction with its weights (bad and total), so days pool correctly:

- ratio SLI: ``Σgood / Σtotal`` over the steps where both rate series are finite (rates at a
  fixed step are proportional to event counts);
- threshold SLI: the share of a KPI's finite samples that meet ``max`` (≤) or ``min`` (≥).

Judged against an SLO with objective ``O`` % over a window of ``W`` days::

    budget fraction   b = 1 − O/100                 (error budget = b · W days of bad)
    burn rate           = bad_fraction / b          (1.0 spends the budget exactly over W)
    day consumption     = bad_fraction · 1 day / (b · W) · 100 = burn_rate / W · 100   [% of budget]

Example: O = 99.9, W = 30 d; a day with 0.1 % bad burns at 1.0 and consumes 1/30 = 3.333 % of
the budget; seven such days consume 23.333 %, leave 76.667 %, and the budget lasts another
76.667 / 3.333 = 23 days at that pace.

:func:`exhaustion` projects the budget left two ways: at the last day's consumption and at
the average day's, so a single incident day is never extrapolated as the trend alone
(example: 6 days at 1× and a last day at 9× spend 20 % + 30 % of a 30-day budget; the 50 %
left lasts 1.7 more days at day 7's pace and 7.0 days at the week's average pace).

The report pools days 1..N: ``sli_percent = 1 − Σbad / Σtotal``; consumption is the sum of the
days' consumptions (each day weighs one day, whatever its traffic); the overall burn rate is
the mean daily burn rate, so ``consumed % = burn_rate · days_with_data / W · 100``.
A day without data is ``no_data`` (or ``error``, when a query failed: :func:`ratio_day_of`
keeps the source's message): never compliant, never zero consumption;
the report says which days are missing and its budget figures cover only the days with data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Literal, NamedTuple

import numpy as np

from tars_ci.analysis.series import align
from tars_ci.sources.interface import QueryFailed, QueryResult
from tars_ci.spec.model import Slo

SloStatus = Literal["ok", "no_data", "error"]

_TOLERANCE = 1e-9  # so 999/1000 against 99.9 is compliant despite float noise


class SloDay(NamedTuple):
    """One SLO on one day: the SLI and, once judged against the SLO, its budget figures."""

    day: int
    sli_percent: float | None  # good / total · 100; None without data
    compliant: bool | None  # SLI ≥ objective; None without data or before judging
    budget_consumed_percent: float | None  # this day's share of the window's error budget
    burn_rate: float | None  # bad fraction / (1 − objective/100)
    coverage: float  # share of the day's steps (samples) with usable data
    status: SloStatus
    # Pooling weights. ``bad`` rather than good: JSON keeps 6 significant digits, which keeps
    # a small bad count exact but would blur the difference of two large good/total sums.
    bad: float  # Σ (total − good) rate (ratio) or samples missing the bound (threshold)
    total: float  # Σ total rate or finite samples
    reason: str = ""


class SloReport(NamedTuple):
    """One SLO over the program's days 1..N."""

    name: str
    objective: float
    window_days: float
    by_day: tuple[SloDay, ...]
    sli_percent: float | None  # days with data pooled: 1 − Σbad / Σtotal
    budget_consumed_percent: float | None  # Σ daily consumption (days with data)
    budget_remaining_percent: float | None  # 100 − consumed; negative when overspent
    burn_rate: float | None  # mean daily burn rate
    days_to_exhaustion: float | None  # remaining / mean daily consumption; None if not burning
    compliant: bool | None  # pooled SLI ≥ objective; None when a day's data is missing
    burn_down: tuple[tuple[int, float | None], ...]  # (0, 100.0), then (day, remaining)
    days_with_data: int
    coverage: float  # mean day coverage; a missing day counts as 0
    notes: tuple[str, ...]


def ratio_day(day: int, good: np.ndarray, total: np.ndarray, slo: Slo | None = None) -> SloDay:
    """Ratio SLI of one day from aligned ``good``/``total`` rate arrays (NaN = missing).

    The arrays sit on the day's step grid, so coverage is the share of steps where both are
    finite. Without traffic (Σtotal = 0) the SLI is undefined: no_data. Rate-extrapolation
    noise that makes Σgood exceed Σtotal is clipped to 100 %. Judged when ``slo`` is given.
    """
    g, t = np.asarray(good, dtype=np.float64), np.asarray(total, dtype=np.float64)
    if g.shape != t.shape:
        raise ValueError(f"good and total must be aligned, got shapes {g.shape} and {t.shape}")
    both = np.isfinite(g) & np.isfinite(t)
    steps = int(np.count_nonzero(both))
    cover = steps / g.size if g.size else 0.0
    if steps == 0:
        return missing_day(day, "no step has both a good and a total rate", coverage=0.0)
    sum_total = float(np.sum(t[both]))
    if sum_total <= 0:
        return missing_day(day, f"no traffic: the total rate is 0 on all {steps} steps",
                           coverage=cover)
    bad = min(max(sum_total - float(np.sum(g[both])), 0.0), sum_total)
    reason = _coverage_reason(steps, g.size, "steps")
    return _judged(SloDay(day, (1.0 - bad / sum_total) * 100.0, None, None, None, cover, "ok",
                          bad, sum_total, reason), slo)


def ratio_day_of(day: int, good: QueryResult, total: QueryResult, grid: np.ndarray,
                 step: float, slo: Slo | None = None) -> SloDay:
    """:func:`ratio_day` from the good/total query results themselves, so that a failed
    query is an ``error`` day carrying the source's message, not ``no_data``."""
    for what, result in (("good", good), ("total", total)):
        if isinstance(result, QueryFailed):
            return missing_day(day, f"{what} query failed: {result.message} (query: "
                                    f"{result.query})", "error")
    return ratio_day(day, align(good, grid, step), align(total, grid, step), slo)


def threshold_day(day: int, values: np.ndarray, max: float | None = None,
                  min: float | None = None, slo: Slo | None = None) -> SloDay:
    """Threshold SLI of one day: the share of finite samples ≤ ``max`` (or ≥ ``min``).

    ``values`` is the KPI's samples on the day's grid (NaN = missing). Give exactly one bound.
    """
    if (max is None) == (min is None):
        raise ValueError("give exactly one of max or min")
    v = np.asarray(values, dtype=np.float64)
    finite = v[np.isfinite(v)]
    if finite.size == 0:
        return missing_day(day, "no finite samples of the KPI", coverage=0.0)
    bad = np.count_nonzero(finite > max) if max is not None else np.count_nonzero(
        finite < (min if min is not None else -np.inf))
    reason = _coverage_reason(finite.size, v.size, "samples")
    return _judged(SloDay(day, (1.0 - bad / finite.size) * 100.0, None, None, None,
                          finite.size / v.size, "ok", float(bad), float(finite.size), reason),
                   slo)


def missing_day(day: int, reason: str, status: SloStatus = "no_data",
                coverage: float = 0.0) -> SloDay:
    """A day without a usable SLI (``no_data``, or ``error`` when its query failed)."""
    if status == "ok":
        raise ValueError("a missing day cannot have status ok")
    return SloDay(day, None, None, None, None, coverage, status, 0.0, 0.0, reason)


def assess_day(slo: Slo, day: SloDay) -> SloDay:
    """``day`` judged against ``slo``: compliance, burn rate and budget consumption."""
    if day.status != "ok":
        return day._replace(compliant=None, burn_rate=None, budget_consumed_percent=None)
    if day.total <= 0:
        return missing_day(day.day, "recorded as ok without a total weight", "error",
                           day.coverage)
    budget, window = budget_fraction(slo), window_days(slo.window)
    burn = day.bad / day.total / budget
    return day._replace(compliant=burn <= 1.0 + _TOLERANCE, burn_rate=burn,
                        budget_consumed_percent=burn / window * 100.0)


def slo_report(slo: Slo, days: Sequence[SloDay], program_days: int | None = None) -> SloReport:
    """Compliance of ``slo`` over ``days`` (days 1..N; a day may be recorded unjudged).

    With ``program_days``, any day 1..program_days absent from ``days`` is reported as
    no_data, so a gap in the history cannot shrink the report silently.
    """
    by_number = {d.day: d for d in days}
    if len(by_number) != len(days) or any(n < 1 for n in by_number):
        raise ValueError("days must be distinct program days ≥ 1 (day 0 is the GA baseline)")
    for n in range(1, (program_days or 0) + 1):
        by_number.setdefault(n, missing_day(n, "no SLI recorded for this day"))
    judged = tuple(assess_day(slo, by_number[n]) for n in sorted(by_number))
    window = window_days(slo.window)
    ok = [d for d in judged if d.status == "ok"]
    missing = [d for d in judged if d.status != "ok"]
    notes = tuple(f"day {d.day}: {d.status.replace('_', ' ')} ({d.reason}); its budget "
                  "consumption is unknown and not counted" for d in missing)
    coverage = sum(d.coverage for d in judged) / len(judged) if judged else 0.0
    burn_down: list[tuple[int, float | None]] = [(0, 100.0)]
    consumed = 0.0
    for d in judged:
        if d.budget_consumed_percent is not None:
            consumed += d.budget_consumed_percent
        burn_down.append((d.day, 100.0 - consumed if d.status == "ok" else None))
    if not ok:
        return SloReport(slo.name, slo.objective, window, judged, None, None, None, None, None,
                         None, tuple(burn_down), 0, coverage,
                         notes or ("no days to report",))
    sli = (1.0 - sum(d.bad for d in ok) / sum(d.total for d in ok)) * 100.0
    burn = sum(d.burn_rate or 0.0 for d in ok) / len(ok)
    remaining = 100.0 - consumed
    to_exhaustion = days_left(remaining, consumed / len(ok))
    met = 100.0 - sli <= budget_fraction(slo) * 100.0 * (1.0 + _TOLERANCE)
    compliant = False if not met else (None if missing else True)
    return SloReport(slo.name, slo.objective, window, judged, sli, consumed, remaining, burn,
                     to_exhaustion, compliant, tuple(burn_down), len(ok), coverage, notes)


class Exhaustion(NamedTuple):
    """How long the error budget left lasts, projected two ways: at the last day's pace and
    at the program's average pace. An incident on one day never becomes the trend: the
    average says what the week as a whole implies, the last day what the release does now."""

    remaining_percent: float | None  # of the window's budget, after the days with data
    last_day: int | None  # the last day with an SLI
    last_day_burn_rate: float | None
    last_day_consumed_percent: float | None
    days_at_last_day: float | None  # None: not burning that day; 0.0: already exhausted
    average_burn_rate: float | None  # mean daily burn rate (the report's burn_rate)
    average_consumed_percent: float | None  # mean daily consumption, days with data
    days_at_average: float | None  # the report's days_to_exhaustion


def exhaustion(report: SloReport) -> Exhaustion:
    """When ``report``'s budget runs out at the last day's pace and at the average pace."""
    ok = [d for d in report.by_day if d.status == "ok" and d.budget_consumed_percent is not None]
    remaining = report.budget_remaining_percent
    if not ok or remaining is None or report.budget_consumed_percent is None:
        return Exhaustion(remaining, None, None, None, None, None, None, None)
    last = ok[-1]
    last_pace = last.budget_consumed_percent or 0.0
    average = report.budget_consumed_percent / len(ok)
    return Exhaustion(remaining, last.day, last.burn_rate, last_pace,
                      days_left(remaining, last_pace), report.burn_rate, average,
                      days_left(remaining, average))


def days_left(remaining_percent: float, consumed_per_day: float) -> float | None:
    """Days until ``remaining_percent`` of the budget is spent at ``consumed_per_day`` (% of
    the budget a day): None when nothing is being spent, 0.0 when it already is."""
    if consumed_per_day <= 0:
        return None
    return 0.0 if remaining_percent <= 0 else remaining_percent / consumed_per_day


def budget_fraction(slo: Slo) -> float:
    """The share of events (or time) the SLO allows to be bad: ``1 − objective/100``."""
    return 1.0 - slo.objective / 100.0


def window_days(window: timedelta) -> float:
    """A compliance window in days (``30d`` → 30.0)."""
    return window / timedelta(days=1)


def _judged(day: SloDay, slo: Slo | None) -> SloDay:
    return day if slo is None else assess_day(slo, day)


def _coverage_reason(used: int, expected: int, what: str) -> str:
    if used >= expected:
        return ""
    return f"{expected - used} of {expected} {what} missing"
