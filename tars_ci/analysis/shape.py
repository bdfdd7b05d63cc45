"""The shape of a KPI's week, named: step, slope, spike, recovered, volatile or stable.

Input: the days' signed drifts ``y`` (% of the GA baseline) and the least-squares fit that
:mod:`tars_ci.analysis.regression` made of them (its direction, slope, residual spread, and
the one-day spike it left out). ``floor`` is the smallest move that counts (half the notable
drift, or half the headroom to the KPI's limit when that is smaller), ``sign`` is +1 when an
increase is bad. The rules, in order:

1. **spike** — one day far off a line the other days sit flat on (the fit's spike day and a
   ``stable`` rest): "one-day spike on day 4: +60.0% (worse); stable otherwise".
2. **recovered** — some day had a severity (``severe_days``: drift bands, limits), and the last
   day has none and is back within ``floor`` of the baseline: "recovered: worst +37.5% (worse) on day 2, back within 5%
   of the GA baseline from day 3". The day is the first of the final run of such days.
3. **step** — a change-point: the fitted days split in two runs (≥ 1 day before, ≥ 2 after),
   each flat (the two-level fit's RMS residual below ``floor``/2, below a quarter of the step
   and below the straight line's), levels at least ``floor`` apart: "step on day 3: +12.0%
   (worse), flat after". A spike on the first day of the new level is named with it.
4. **slope** — the fit's ``increasing`` / ``decreasing``: "steady slope +2.27%/day (worse),
   +13.6% over days 1–7" (a spike the fit left out is named after it).
5. **volatile** / **stable** — the fit's verdicts.

A step or slope reports its size in the KPI's own sign, with "(worse)" or "(better)", so an
availability drop reads "-1.0% (worse)", never "+1.0%".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple

import numpy as np

from tars_ci.analysis.drift import format_drift_word

ShapeName = Literal["step", "slope", "spike", "recovered", "volatile", "stable", "unknown"]


class Shape(NamedTuple):
    """The named shape of a KPI's days and the numbers that go with it."""

    name: ShapeName
    summary: str
    step_day: int | None  # step: the first day at the new level
    step_percent: float | None  # step: new level − old level, in drift points (signed)
    recovered_day: int | None  # recovered: the first day back within the floor


def classify_shape(points: Sequence[tuple[int, float]], fitted: Sequence[tuple[int, float]],
                   *, direction: str, slope: float | None, spread: float | None,
                   spike_day: int | None, floor: float, sign: float,
                   severe_days: frozenset[int]) -> Shape:
    """Name the shape of ``points`` (every day with a drift) given the fit of ``fitted``
    (the days the fit used); see the module docstring for the rules."""
    if direction == "unknown" or not points:
        return Shape("unknown", "too little data for a shape", None, None, None)

    def bad(y: float) -> float:
        return max(0.0, sign * y)

    by_day = dict(points)
    if spike_day is not None and direction == "stable":
        y = by_day[spike_day]
        return Shape("spike", f"one-day spike on day {spike_day}: {_signed(y, sign)}; stable "
                              f"otherwise", None, None, None)
    worst_day, worst = max(points, key=lambda p: (p[0] in severe_days, bad(p[1]), -p[0]))
    last_day, last = points[-1]
    if (worst_day in severe_days and last_day not in severe_days and bad(last) < floor
            and worst_day < last_day):
        back = last_day
        for d, y in reversed(points):
            if bad(y) >= floor:
                break
            back = d
        return Shape("recovered", f"recovered: worst {_signed(worst, sign)} on day {worst_day}, "
                                  f"back within {floor:.3g}% of the GA baseline from day {back}",
                     None, None, back)
    step = _step(fitted, floor, spread)
    if step is not None:
        first_after, size = step
        before = [d for d, _ in fitted if d < first_after]
        day, extra = first_after, ""
        if (spike_day is not None and before and before[-1] < spike_day < first_after
                and np.sign(by_day[spike_day] - by_day[before[-1]]) == np.sign(size)):
            day = spike_day
            extra = f"; day {spike_day} itself spiked to {_signed(by_day[spike_day], sign)}"
        return Shape("step", f"step on day {day}: {_signed(size, sign)}, flat after{extra}",
                     day, size, None)
    spiked = (f"; one-day spike on day {spike_day}: {_signed(by_day[spike_day], sign)}"
              if spike_day is not None else "")
    if direction in ("increasing", "decreasing") and slope is not None:
        days = [d for d, _ in fitted]
        change = slope * (days[-1] - days[0])
        return Shape("slope", f"steady slope {slope:+.2f}%/day ({_word(slope, sign)}), "
                              f"{change:+.1f}% over days {days[0]}–{days[-1]}{spiked}", None,
                     None, None)
    if direction == "volatile":
        return Shape("volatile", f"volatile: spread {spread or 0.0:.1f}% around the trend"
                                 f"{spiked}", None, None, None)
    return Shape("stable", f"stable (within {floor:.3g}% of the GA baseline's trend)", None, None,
                 None)


def _step(fitted: Sequence[tuple[int, float]], floor: float,
          line_spread: float | None) -> tuple[int, float] | None:
    """(first day after the change-point, size) of the best two-level fit, if it is a step."""
    if len(fitted) < 3:
        return None
    y = np.array([v for _, v in fitted], dtype=np.float64)
    best: tuple[float, int] | None = None
    for i in range(1, len(y) - 1):  # ≥ 1 day before, ≥ 2 after
        a, b = y[:i], y[i:]
        sse = float(np.sum((a - a.mean()) ** 2) + np.sum((b - b.mean()) ** 2))
        if best is None or sse < best[0] - 1e-12:
            best = (sse, i)
    assert best is not None
    sse, i = best
    size = float(y[i:].mean() - y[:i].mean())
    rms = (sse / len(y)) ** 0.5
    flat = rms < floor / 2 and rms <= abs(size) / 4
    better_than_line = line_spread is None or rms < line_spread
    if abs(size) >= floor and flat and better_than_line:
        return fitted[i][0], size
    return None


def _word(change: float, sign: float) -> str:
    return "worse" if sign * change > 0 else "better" if change else "unchanged"


def _signed(drift: float, sign: float) -> str:
    """``+12.0% (worse)``; a higher-is-better KPI's drop reads ``-1.0% (worse)``."""
    return format_drift_word(drift, "lower" if sign > 0 else "higher")
