"""Causal filters over the time axis of an (S, T) matrix, vectorised over series *and* time.

Every filter here reads row ``t`` and earlier rows only, and a missing sample (NaN, or
``observed`` False) leaves its state exactly as it was. The recursive ones are first-order
linear recursions ``y[t] = w[t]·y[t-1] + u[t]``; they are solved in closed form over blocks of
time with ``cumsum`` (block lengths keep the rescaling factors below e^SPAN, so nothing
overflows), which makes a single long series as fast as many short ones — no Python loop
per time step.
"""

from __future__ import annotations

import numpy as np

#: Largest log-rescaling inside one block (e^200 ≈ 7e86 leaves room for values up to 1e200).
SPAN = 200.0


def decayed_sum(u: np.ndarray, alpha: float, observed: np.ndarray) -> np.ndarray:
    """``y[t] = (1 − alpha·observed[t])·y[t−1] + u[t]`` with ``y[−1] = 0``, for each row.

    ``u`` must be 0 where ``observed`` is False, so a missing step changes nothing.
    """
    u = np.asarray(u, dtype=np.float64)
    n_series, n_steps = u.shape
    out = np.empty((n_series, n_steps))
    if n_steps == 0:
        return out
    if alpha >= 1.0:  # no memory: the current input, or the last one while samples are missing
        return _carry_forward(np.where(observed, u, np.nan), 0.0)
    log_w = np.log1p(-alpha)
    block = max(1, int(SPAN / -log_w))
    carry = np.zeros((n_series, 1))
    for t0 in range(0, n_steps, block):
        t1 = min(n_steps, t0 + block)
        seen = observed[:, t0:t1]
        if seen.all():  # the common case: one decay curve for every row
            cum: np.ndarray = log_w * np.arange(1, t1 - t0 + 1)
        else:
            cum = np.cumsum(log_w * seen, axis=1)
        part = np.cumsum(u[:, t0:t1] * np.exp(-cum), axis=1)
        part += carry
        part *= np.exp(cum)
        out[:, t0:t1] = part
        carry = part[:, -1:]
    return out


def decayed_count(alpha: float, observed: np.ndarray) -> np.ndarray:
    """``decayed_sum(observed, alpha, observed)`` in closed form: ``(1 − Π w) / alpha``."""
    if alpha >= 1.0:
        return np.where(np.cumsum(observed, axis=1) > 0, 1.0, 0.0)
    return -np.expm1(np.cumsum(np.log1p(-alpha) * observed, axis=1)) / alpha


def ewma(x: np.ndarray, alpha: float) -> np.ndarray:
    """Bias-corrected EWMA of each row after each step; NaN before the first sample.

    Weights are ``alpha·(1 − alpha)^k`` over the *observed* samples, renormalised, so the first
    values are the plain mean of what has been seen (the warm-up needs no special case).
    """
    x = np.asarray(x, dtype=np.float64)
    observed = np.isfinite(x)
    num = decayed_sum(np.where(observed, x, 0.0), alpha, observed)
    den = decayed_count(alpha, observed)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def lag(y: np.ndarray, steps: int = 1, fill: float = np.nan) -> np.ndarray:
    """``y`` shifted ``steps`` later along time (the state *before* each row)."""
    out = np.full_like(y, fill)
    if steps < y.shape[1]:
        out[:, steps:] = y[:, :y.shape[1] - steps]
    return out


def seasonal_ewma(x: np.ndarray, period: int, alpha: float) -> np.ndarray:
    """For each row ``t``, the EWMA of ``x[t − period]``, ``x[t − 2·period]``, …

    The value at the same phase of earlier periods (NaN until one period has been seen);
    ``alpha`` weighs the most recent period.
    """
    n_series, n_steps = x.shape
    n_periods = -(-n_steps // period)
    padded = np.full((n_series, n_periods * period), np.nan)
    padded[:, :n_steps] = x
    by_phase = padded.reshape(n_series, n_periods, period).transpose(0, 2, 1)
    smooth = lag(ewma(by_phase.reshape(n_series * period, n_periods), alpha))
    return (smooth.reshape(n_series, period, n_periods).transpose(0, 2, 1)
            .reshape(n_series, n_periods * period)[:, :n_steps])


def neighbourhood_max(x: np.ndarray, width: int) -> np.ndarray:
    """Max over ``x[t − width … t + width]`` ignoring NaN (NaN only when all are NaN).

    It looks ``width`` steps ahead: use it only on values that are known that early (values
    lagged by a seasonal period are).
    """
    out = x.copy()
    for k in range(1, width + 1):
        out[:, k:] = np.fmax(out[:, k:], x[:, :-k])
        out[:, :-k] = np.fmax(out[:, :-k], x[:, k:])
    return out


def trailing_sum(u: np.ndarray, n: int) -> np.ndarray:
    """Sum of ``u[t − n + 1 … t]`` for each row (fewer terms at the start)."""
    cum = np.cumsum(u, axis=1)
    out = cum.copy()
    out[:, n:] -= cum[:, :-n]
    return out


def trailing_max(x: np.ndarray, window: int) -> np.ndarray:
    """Max of ``x[t − window … t − 1]`` for each row, ignoring NaN (NaN when there is none).

    The current row is not in its own window. Van Herk / Gil-Werman: running maxima forwards
    and backwards within blocks of ``window`` steps, so the cost does not grow with the window.
    """
    n_series, n_steps = x.shape
    if n_steps == 0 or window < 1:
        return np.full(x.shape, np.nan)
    # padded[j] = x[j − window] (NaN before the start): the window of row t is
    # padded[t … t + window − 1], which starts at t and ends at t + window − 1
    blocks = -(-(n_steps + window - 1) // window)
    padded = np.full((n_series, blocks * window), np.nan)
    padded[:, window:window + n_steps - 1] = x[:, :-1]
    cells = padded.reshape(n_series, blocks, window)
    ahead = np.fmax.accumulate(cells, axis=2).reshape(n_series, -1)
    backwards = cells[:, :, ::-1]
    np.fmax.accumulate(backwards, axis=2, out=backwards)  # in place: padded is now "behind"
    return np.fmax(padded[:, :n_steps], ahead[:, window - 1:window - 1 + n_steps])


def decaying_max(v: np.ndarray, decay: float) -> np.ndarray:
    """``max_{k < t} v[k]·decay^(t−1−k)`` for each row (0 at ``t = 0``); ``v`` ≥ 0.

    Computed in the log domain with ``maximum.accumulate``, so it is exact and loop-free.
    """
    n_series, n_steps = v.shape
    out = np.zeros((n_series, n_steps))
    if n_steps < 2 or decay <= 0.0:
        return out
    ramp = np.arange(n_steps) * np.log(decay)
    with np.errstate(divide="ignore"):
        logv = np.log(v)
    best = np.maximum.accumulate(logv - ramp, axis=1) + ramp
    out[:, 1:] = np.exp(best[:, :-1])
    return out


def on_schedule(hit: np.ndarray, lookback: int, min_gap: int, tolerance: int = 1) -> np.ndarray:
    """Events that keep an earlier rhythm: ``hit[t]`` where, for the gap ``g`` back to one of
    the last ``lookback`` events (``g ≥ min_gap``), there were events at ``t − g`` *and*
    ``t − 2g`` (± ``tolerance``) — a periodic job seen twice before. Reads the past only.

    Events are rare, so the work is done on the events only: the k-th earlier event of an
    event is k places back in the row-major list of events, when it is on the same row.
    """
    n_steps = hit.shape[1]
    out = np.zeros(hit.shape, dtype=bool)
    if lookback <= 0 or n_steps == 0:
        return out
    rows, cols = np.nonzero(hit)
    if rows.size == 0:
        return out
    near = hit.copy()
    for k in range(1, tolerance + 1):
        near[:, k:] |= hit[:, :-k]
        near[:, :-k] |= hit[:, k:]  # near[t − 2g] only looks ≤ t − 2g + tolerance < t
    keeps = np.zeros(rows.size, dtype=bool)
    for k in range(1, min(lookback, rows.size - 1) + 1):
        same_row = np.zeros(rows.size, dtype=bool)
        same_row[k:] = rows[k:] == rows[:-k]
        gap = np.zeros(rows.size, dtype=np.int64)
        gap[k:] = cols[k:] - cols[:-k]
        twice_back = cols - 2 * gap
        keeps |= (same_row & (gap >= min_gap) & (twice_back >= 0)
                  & near[rows, np.clip(twice_back, 0, n_steps - 1)])
    out[rows[keeps], cols[keeps]] = True
    return out


def _carry_forward(x: np.ndarray, fill: float) -> np.ndarray:
    """The last finite value of each row at or before ``t`` (``fill`` before the first)."""
    n_steps = x.shape[1]
    finite = np.isfinite(x)
    idx = np.where(finite, np.arange(n_steps), -1)
    np.maximum.accumulate(idx, axis=1, out=idx)
    picked = np.take_along_axis(x, np.maximum(idx, 0), axis=1)
    return np.where(idx >= 0, picked, fill)
