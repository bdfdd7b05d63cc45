"""The PromQL functions the example spec uses, on a regular sample grid, in numpy.

These follow Prometheus 2.x semantics exactly where it matters for the scenarios:

- a range selector ``x[r]`` at time ``t`` takes the samples in ``[t − r, t]`` (both ends);
- an instant selector takes the newest sample in ``[t − 5m, t]`` (the lookback delta;
  backfilled data has no staleness markers);
- ``rate`` corrects counter resets and extrapolates like ``extrapolatedRate``;
- ``histogram_quantile`` interpolates linearly inside the bucket, like ``bucketQuantile``.

Arrays are ``[series, slots]``; evaluation happens at the sample slots themselves and a
missing sample or result is NaN. ``slots`` is the range or lookback in grid steps.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

LOOKBACK_SLOTS = 5  # Prometheus' default 5m lookback delta at a 60 s grid


def windows(values: np.ndarray, slots: int) -> np.ndarray:
    """``[S, K, slots + 1]``: for each slot, the samples in ``[t − slots·step, t]``."""
    values = np.atleast_2d(values)
    pad = np.full((values.shape[0], slots), np.nan)
    return sliding_window_view(np.concatenate([pad, values], axis=1), slots + 1, axis=1)


def rate(values: np.ndarray, step: float, slots: int) -> np.ndarray:
    """``rate(x[slots·step])`` per series (NaN where fewer than two samples)."""
    win = windows(values, slots)
    present = ~np.isnan(win)
    count = present.sum(axis=-1)
    width = slots + 1
    first_i = np.argmax(present, axis=-1)
    last_i = width - 1 - np.argmax(present[..., ::-1], axis=-1)
    first = np.take_along_axis(win, first_i[..., None], axis=-1)[..., 0]
    last = np.take_along_axis(win, last_i[..., None], axis=-1)[..., 0]
    result = last - first
    previous = np.full(win.shape[:-1], np.nan)
    for j in range(width):
        v, here = win[..., j], present[..., j]
        result = result + np.where(here & (v < previous), previous, 0.0)
        previous = np.where(here, v, previous)
    to_start = step * first_i
    to_end = step * (width - 1 - last_i)
    sampled = step * (last_i - first_i)
    with np.errstate(divide="ignore", invalid="ignore"):
        average = sampled / (count - 1)
        to_zero = sampled * (first / result)
        to_start = np.where((result > 0) & (first >= 0) & (to_zero < to_start), to_zero,
                            to_start)
        threshold = average * 1.1
        interval = (sampled + np.where(to_start < threshold, to_start, average / 2)
                    + np.where(to_end < threshold, to_end, average / 2))
        out = result * (interval / sampled) / (slots * step)
    return np.asarray(np.where(count >= 2, out, np.nan))


def instant(values: np.ndarray, slots: int = LOOKBACK_SLOTS) -> np.ndarray:
    """An instant selector: the newest sample within the lookback."""
    win = windows(values, slots)
    present = ~np.isnan(win)
    newest = slots - np.argmax(present[..., ::-1], axis=-1)
    picked = np.take_along_axis(win, newest[..., None], axis=-1)[..., 0]
    return np.asarray(np.where(present.any(axis=-1), picked, np.nan))


def avg_over_time(values: np.ndarray, slots: int) -> np.ndarray:
    """``avg_over_time(x[slots·step])`` per series."""
    win = windows(values, slots)
    n = (~np.isnan(win)).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(n > 0, np.nansum(win, axis=-1) / n, np.nan))


def sum_series(values: np.ndarray) -> np.ndarray:
    """``sum(…)`` over series: NaN where no series has a value."""
    values = np.atleast_2d(values)
    return np.asarray(np.where(np.isnan(values).all(axis=0), np.nan,
                               np.nansum(values, axis=0)))


def avg_series(values: np.ndarray) -> np.ndarray:
    """``avg(…)`` over series: NaN where no series has a value."""
    values = np.atleast_2d(values)
    n = (~np.isnan(values)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(n > 0, np.nansum(values, axis=0) / n, np.nan))


def bucket_quantile(q: float, bounds: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Prometheus' ``bucketQuantile`` for cumulative ``counts[B, K]`` at upper ``bounds[B]``
    (ascending, the last +Inf); NaN where there are no observations."""
    counts = np.maximum.accumulate(np.asarray(counts, dtype=np.float64), axis=0)
    total = counts[-1]
    rank = q * total
    above = counts[:-1] >= rank[None, :]
    b = np.where(above.any(axis=0), np.argmax(above, axis=0), len(bounds) - 1)
    inner = np.minimum(b, len(bounds) - 2)
    end = bounds[inner]
    start = np.where(inner > 0, bounds[np.maximum(inner - 1, 0)], 0.0)
    below = np.where(inner > 0, np.take_along_axis(counts, np.maximum(inner - 1, 0)[None, :],
                                                   axis=0)[0], 0.0)
    inside = np.take_along_axis(counts, inner[None, :], axis=0)[0] - below
    with np.errstate(divide="ignore", invalid="ignore"):
        value = start + (end - start) * ((rank - below) / inside)
    value = np.where(b == len(bounds) - 1, bounds[len(bounds) - 2], value)
    value = np.where((b == 0) & (bounds[0] <= 0), bounds[0], value)
    return np.asarray(np.where((total > 0) & ~np.isnan(total), value, np.nan))


def histogram_quantile(q: float, bounds: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """``histogram_quantile(q, …)`` over per-bucket rates ``[B, K]``: absent (NaN) where the
    +Inf bucket is absent, NaN where there were no observations."""
    absent = np.isnan(rates[-1])
    value = bucket_quantile(q, bounds, np.nan_to_num(rates, nan=0.0))
    return np.asarray(np.where(absent, np.nan, value))
