"""Multi-window, multi-burn-rate SLO alerts over a day's SLI series (the SRE Workbook's model).

Inputs are aligned arrays on a regular time grid (Unix seconds, one step apart): the bad and
total weight of each step. A ratio SLI gives ``bad = total − good`` and ``total`` (rates at a
fixed step are proportional to event counts, so sums weigh every step by its traffic); a
threshold SLI gives one sample per step, bad when it misses the bound. NaN marks a missing
step. The series may start before the day: a 3-day window on day 5 needs days 2–4 too, and
:func:`lookback` says how much history an SLO's alerts need.

Over a trailing window of ``w`` ending at a step (the step and the ones before it)::

    burn rate = (Σbad / Σtotal) / (1 − objective/100)        missing steps excluded

A window where fewer than ``burn_min_coverage`` of its steps have data, or without traffic,
is not evaluated (NaN): the alert cannot fire on it and the day's notes say how many steps
were affected. An alert fires at every step of the day where the burn rate over both its long
and its short window is above its factor (``>``, as the Workbook's rules): the long window
says enough budget burned, the short one that it is still burning, so the alert resets soon
after the burn stops. Each run of firing steps is a :class:`BurnEpisode`:

- ``start`` is the first firing step, ``end`` the step after the last one (clipped to the
  day); ``open_at_start`` / ``open_at_end`` say it was already firing before the day or
  still is at its end, so one incident across midnight reads as one;
- ``peak_burn`` is the highest long-window burn rate while it fired;
- ``budget_consumed`` is the share of the SLO window's error budget that the bad events
  during the firing spent: ``Σbad / (b · mean traffic per step · steps in the SLO window)``,
  with the mean traffic of the whole series given as the estimate of the window's traffic.
  With steady traffic this is the Workbook's ``burn rate · duration / SLO window``: 14.4× for
  1 hour of a 30-day window is 2 % (:func:`budget_consumed`, :func:`burn_rate_for`).

The day's peak burn rate per window (every distinct long and short window of the SLO's
alerts) is reported too, with when it happened and how many of the day's steps could be
evaluated.
"""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

import numpy as np

from tars_ci.analysis.rules import SloBurnRule, burn_rules
from tars_ci.analysis.slo import budget_fraction
from tars_ci.spec.model import Priority, Slo
from tars_ci.spec.values import format_duration

_TOLERANCE = 1e-9


class BurnSeries(NamedTuple):
    """An SLI as bad/total weights per step on a regular grid (NaN = missing step)."""

    times: np.ndarray  # Unix seconds, ascending, ``step`` apart
    bad: np.ndarray
    total: np.ndarray
    step: float  # seconds


class BurnEpisode(NamedTuple):
    """One firing of one burn-rate alert within the evaluated span."""

    alert: str
    long_window: float  # seconds
    short_window: float  # seconds
    factor: float
    priority: Priority
    start: float  # Unix seconds of the first firing step
    end: float  # Unix seconds after the last firing step (clipped to the span)
    peak_burn: float  # highest long-window burn rate while firing
    peak_time: float
    budget_consumed: float  # share (0–1…) of the SLO window's error budget spent while firing
    open_at_start: bool  # already firing at the step before the span
    open_at_end: bool  # still firing at the span's last step


class WindowPeak(NamedTuple):
    """The highest burn rate of one window length within the evaluated span."""

    window: float  # seconds
    peak_burn: float | None  # None when no step could be evaluated
    peak_time: float | None
    evaluated: int  # steps of the span with enough coverage and traffic
    steps: int  # steps in the span


class BurnEvaluation(NamedTuple):
    """An SLO's burn-rate alerts over one span (a day)."""

    slo: str
    objective: float
    slo_window: float  # seconds: the compliance window whose budget the shares refer to
    start: float
    end: float
    episodes: tuple[BurnEpisode, ...]  # by start, then alert order
    peaks: tuple[WindowPeak, ...]  # by window length
    notes: tuple[str, ...]


# --------------------------------------------------------------------------- inputs


def ratio_series(times: np.ndarray, good: np.ndarray, total: np.ndarray,
                 step: float) -> BurnSeries:
    """A ratio SLI's good/total rates as bad/total weights (a step is missing unless both
    rates are finite)."""
    t = np.asarray(times, dtype=np.float64)
    g, n = np.asarray(good, dtype=np.float64), np.asarray(total, dtype=np.float64)
    if not t.shape == g.shape == n.shape:
        raise ValueError(f"times, good and total must be aligned, got shapes {t.shape}, "
                         f"{g.shape} and {n.shape}")
    both = np.isfinite(g) & np.isfinite(n)
    with np.errstate(invalid="ignore"):
        return BurnSeries(t, np.where(both, n - g, np.nan), np.where(both, n, np.nan),
                          float(step))


def threshold_series(times: np.ndarray, values: np.ndarray, step: float, *,
                     max: float | None = None, min: float | None = None) -> BurnSeries:
    """A threshold SLI: each finite sample is one unit of total, bad when it misses the
    bound (``> max`` or ``< min``)."""
    if (max is None) == (min is None):
        raise ValueError("give exactly one of max or min")
    t, v = np.asarray(times, dtype=np.float64), np.asarray(values, dtype=np.float64)
    if t.shape != v.shape:
        raise ValueError(f"times and values must be aligned, got shapes {t.shape} and "
                         f"{v.shape}")
    finite = np.isfinite(v)
    with np.errstate(invalid="ignore"):
        missed = v > max if max is not None else v < (min if min is not None else -np.inf)
    return BurnSeries(t, np.where(finite, missed.astype(np.float64), np.nan),
                      np.where(finite, 1.0, np.nan), float(step))


def lookback(slo: Slo) -> timedelta:
    """History an SLO's alerts need before a day (its longest window; 0 without alerts)."""
    return max((a.long for a in slo.burn_alerts), default=timedelta(0))


# --------------------------------------------------------------------------- arithmetic


def budget_consumed(burn_rate: float, duration: timedelta, slo_window: timedelta) -> float:
    """Share of the error budget a steady ``burn_rate`` spends in ``duration``
    (14.4× for 1 h of a 30-day window: 0.02)."""
    return burn_rate * (duration / slo_window)


def burn_rate_for(share: float, duration: timedelta, slo_window: timedelta) -> float:
    """The burn rate that spends ``share`` of the budget in ``duration`` (inverse of
    :func:`budget_consumed`: 2 % in 1 h of 30 days is 14.4×)."""
    return share / (duration / slo_window)


def window_burn(series: BurnSeries, window: float, budget: float,
                min_coverage: float) -> tuple[np.ndarray, np.ndarray]:
    """(burn rate, coverage) over the trailing ``window`` seconds ending at every step.

    The burn rate is NaN where the coverage is below ``min_coverage`` or there is no traffic.
    Steps before the series' start count as missing.
    """
    n = max(1, round(window / series.step))
    valid = np.isfinite(series.bad) & np.isfinite(series.total)
    bad = np.concatenate(([0.0], np.cumsum(np.where(valid, series.bad, 0.0))))
    total = np.concatenate(([0.0], np.cumsum(np.where(valid, series.total, 0.0))))
    count = np.concatenate(([0], np.cumsum(valid)))
    hi = np.arange(1, series.times.size + 1)
    lo = np.maximum(hi - n, 0)
    sum_total = total[hi] - total[lo]
    sum_bad = np.clip(bad[hi] - bad[lo], 0.0, np.maximum(sum_total, 0.0))
    coverage = (count[hi] - count[lo]) / n
    ok = (coverage >= min_coverage - 1e-12) & (sum_total > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        burn = np.where(ok, sum_bad / np.where(ok, sum_total, 1.0) / budget, np.nan)
    return burn, coverage


# --------------------------------------------------------------------------- evaluation


def evaluate_burn(slo: Slo, series: BurnSeries, start: float, end: float,
                  rules: tuple[SloBurnRule, ...] | None = None) -> BurnEvaluation:
    """The SLO's burn-rate alerts at every step of ``series`` inside ``[start, end)``:
    ``rules``, its compiled :class:`~tars_ci.analysis.rules.SloBurnRule` records
    (default: compiled from ``slo.burn_alerts``)."""
    alerts = burn_rules(slo) if rules is None else rules
    if any(r.slo != slo.name for r in alerts):
        raise ValueError(f"burn rules of another SLO given for {slo.name}")
    if series.step <= 0:
        raise ValueError(f"step must be positive, got {series.step}")
    if not series.times.shape == series.bad.shape == series.total.shape:
        raise ValueError("times, bad and total must be aligned")
    budget = budget_fraction(slo)
    span = (series.times >= start) & (series.times < end)
    idx = np.flatnonzero(span)
    windows = sorted({w.total_seconds() for a in alerts for w in (a.long, a.short)})
    burns = {w: window_burn(series, w, budget, slo.burn_min_coverage) for w in windows}
    notes = []
    peaks = []
    for w in windows:
        if w < series.step * (1 - _TOLERANCE):
            notes.append(f"{_dur(w)} window is shorter than the {_dur(series.step)} step: "
                         f"evaluated over one step")
        burn, coverage = burns[w]
        inside = burn[idx]
        evaluated = int(np.count_nonzero(np.isfinite(inside)))
        if evaluated:
            k = int(np.nanargmax(inside))
            peaks.append(WindowPeak(w, float(inside[k]), float(series.times[idx[k]]),
                                    evaluated, int(idx.size)))
        else:
            peaks.append(WindowPeak(w, None, None, 0, int(idx.size)))
        skipped = int(idx.size) - evaluated
        if skipped:
            thin = int(np.count_nonzero(coverage[idx] < slo.burn_min_coverage - 1e-12))
            why = []
            if thin:
                why.append(f"{thin} with data on less than {slo.burn_min_coverage:.0%} of "
                           f"the window")
            if skipped - thin:
                why.append(f"{skipped - thin} without traffic")
            notes.append(f"{_dur(w)} window: {skipped} of {idx.size} steps not evaluated "
                         f"({'; '.join(why)})")
    traffic = _mean_traffic(series)
    window_steps = slo.window.total_seconds() / series.step
    episodes = []
    for alert in alerts:
        long_burn = burns[alert.long.total_seconds()][0]
        short_burn = burns[alert.short.total_seconds()][0]
        above = alert.factor * (1 + _TOLERANCE)  # so float noise cannot tip "exactly at"
        with np.errstate(invalid="ignore"):
            firing = (long_burn > above) & (short_burn > above)
        for lo, hi in _runs(firing[idx]):
            a, b = int(idx[lo]), int(idx[hi - 1])
            episodes.append(_episode(alert, series, firing, long_burn, a, b, end, budget,
                                     traffic, window_steps))
    order = [a.alert for a in alerts]
    episodes.sort(key=lambda e: (e.start, order.index(e.alert)))
    if idx.size == 0:
        notes.append("no step of the series falls inside the evaluated span")
    return BurnEvaluation(slo.name, slo.objective, slo.window.total_seconds(), float(start),
                          float(end), tuple(episodes),
                          tuple(peaks), tuple(notes))


def _episode(alert: SloBurnRule, series: BurnSeries, firing: np.ndarray, long_burn: np.ndarray,
             a: int, b: int, end: float, budget: float, traffic: float,
             window_steps: float) -> BurnEpisode:
    """The episode of ``alert`` firing on steps a..b (inclusive)."""
    part = slice(a, b + 1)
    k = a + int(np.nanargmax(long_burn[part]))
    valid = np.isfinite(series.bad[part]) & np.isfinite(series.total[part])
    bad = float(np.sum(np.where(valid, series.bad[part], 0.0)))
    total = float(np.sum(np.where(valid, series.total[part], 0.0)))
    bad = min(max(bad, 0.0), max(total, 0.0))
    consumed = bad / (budget * traffic * window_steps) if traffic > 0 else 0.0
    return BurnEpisode(
        alert.alert, alert.long.total_seconds(), alert.short.total_seconds(), alert.factor,
        alert.priority, float(series.times[a]),
        float(min(series.times[b] + series.step, end)), float(long_burn[k]),
        float(series.times[k]), consumed, bool(a > 0 and firing[a - 1]),
        bool(series.times[b] + series.step >= end))


def _mean_traffic(series: BurnSeries) -> float:
    """Mean total per step over the steps with data: the estimate of the SLO window's traffic."""
    valid = np.isfinite(series.bad) & np.isfinite(series.total)
    return float(np.mean(series.total[valid])) if valid.any() else 0.0


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``(start, stop)`` of every run of True in ``mask``."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def _dur(seconds: float) -> str:
    return format_duration(timedelta(seconds=seconds))
