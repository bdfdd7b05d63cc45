"""The day-7 analysis written with pandas: what a team would otherwise write.

It computes what tars-ci computes — each day's mean, drift against day 0 and its severity,
the anomaly detector of :mod:`tars_ci.analysis.anomaly` (the same EWMA + z-score baselines,
tail evidence, count tests and refractory) with its episodes, and the day-1..7 trend with
its one-day-spike rule — but with pandas doing the time-series work: ``ewm().mean()`` and
``ewm().sum()`` for every exponential filter, ``rolling().sum()`` for the trailing counts,
``rolling(center=True).max()`` for the time-of-day scale, ``cummax``, ``shift``, ``ffill`` and
``groupby``. Two pieces pandas has no verb for are tars-ci's own numpy: the elementwise tail
probabilities (:mod:`tars_ci.analysis.anomaly.tails`) and the periodic-job filter
(:func:`tars_ci.analysis.anomaly.filters.on_schedule`, index arithmetic). Series are processed in the same blocks of columns as tars-ci's rows, so
both hold the same amount of temporary data.

The benchmark KPIs have no ``limit``, so the headroom caps of
:func:`tars_ci.analysis.drift.compare` are not ported; everything else agrees with tars-ci
(the smoke test in tests/bench checks it on a small fleet).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from tars_ci.analysis.anomaly.detector import (
    BLOCK_CELLS,
    HALF_EVIDENCE,
    MAD_TO_SIGMA,
    SUB_EVIDENCE,
    Z_CAP,
    novelty_steps,
    period_steps,
)
from tars_ci.analysis.anomaly.filters import on_schedule
from tars_ci.analysis.anomaly.tails import LN10, poisson_surprise
from tars_ci.analysis.regression import FLOOR_SHARE, MIN_SPIKE_DAYS, MIN_TREND_DAYS, SPIKE_SIGMAS
from tars_ci.spec.model import AnomalySettings, DriftThresholds

#: Severity ranks as in tars_ci.analysis.drift: -1 none, 0 low … 3 critical.
NO_SEVERITY = -1
_TOLERANCE = 1e-9


class EpisodeRow(NamedTuple):
    """One anomaly episode (times are Unix seconds)."""

    row: int
    start: float
    end: float
    points: int
    peak_z: float
    peak_score: float
    expected: float


class Result(NamedTuple):
    """Everything the pandas analysis produces."""

    day_values: np.ndarray  # (S, days + 1) daily means, NaN without data
    drift: np.ndarray  # (S, days) signed drift in %, NaN without data
    severity: np.ndarray  # (S, days) severity rank, -1 none
    episodes: list[EpisodeRow]
    direction: list[str]  # trend direction per series
    slope: np.ndarray  # (S,) %/day, NaN when unknown
    spike_day: np.ndarray  # (S,) day of a one-day spike, 0 when none


def analyse(values: np.ndarray, timestamps: np.ndarray, better_lower: np.ndarray,
            anomaly: AnomalySettings, drift: DriftThresholds, step: float,
            days: int) -> Result:
    """The day-``days`` analysis of every row of ``values`` (S, T) on ``timestamps`` (T,)."""
    frame = pd.DataFrame(values.T, copy=False)
    per_day = round(86_400 / step)
    daily = frame.groupby(np.arange(len(frame)) // per_day).mean()
    day_values = daily.to_numpy().T[:, :days + 1]
    base = daily.iloc[0]
    later = daily.iloc[1:days + 1]
    change = later.sub(base, axis=1).div(base.abs(), axis=1) * 100.0
    sign = np.where(better_lower, 1.0, -1.0)
    bad = change.mul(sign, axis=1).clip(lower=0.0)
    severity = _severity(bad.to_numpy(), drift)
    rows = max(1, BLOCK_CELLS // max(1, len(frame)))
    episodes: list[EpisodeRow] = []
    for c0 in range(0, frame.shape[1], rows):
        block = frame.iloc[:, c0:c0 + rows]
        score, z, expected, scale = _fit(block, anomaly, period_steps(anomaly, step),
                                         novelty_steps(anomaly, step))
        episodes += _episodes(c0, timestamps, block, score, z, expected, scale, anomaly,
                              max(1, round(anomaly.max_episode_hours * 3600.0 / step)))
    direction, slope, spike = _trends(change.to_numpy().T, drift)
    episodes.sort(key=lambda e: (e.start, e.row))
    return Result(day_values, change.to_numpy().T, severity.T, episodes, direction, slope,
                  spike)


# --------------------------------------------------------------------------- drift


def _severity(bad: np.ndarray, th: DriftThresholds) -> np.ndarray:
    out = np.full(bad.shape, NO_SEVERITY)
    for rank, bound in enumerate((th.notable, th.medium, th.high, th.critical)):
        out[bad >= bound - _TOLERANCE * max(1.0, abs(bound))] = rank
    return out


# --------------------------------------------------------------------------- the detector


def _ewma(x: pd.DataFrame, alpha: float) -> pd.DataFrame:
    return x.ewm(alpha=alpha, ignore_na=True).mean()


def _decayed_sum(u: pd.DataFrame, alpha: float, observed: pd.DataFrame) -> pd.DataFrame:
    return u.where(observed).ewm(alpha=alpha, ignore_na=True).sum().fillna(0.0)


def _seasonal_ewma(x: pd.DataFrame, period: int, alpha: float) -> pd.DataFrame:
    """EWMA over earlier periods of the value at the same phase (one period late).

    pandas has no seasonal EWMA, and ``groupby(phase).ewm()`` loops over the phases in
    Python (16× slower here); so the recursion runs over the periods (8 in a program),
    each step whole-frame arithmetic on one period of every series: ``ewm``'s adjusted
    mean written out.
    """
    steps = len(x)
    out = pd.DataFrame(np.nan, index=x.index, columns=x.columns)
    num = den = pd.DataFrame(0.0, index=range(period), columns=x.columns)
    for p0 in range(0, steps - period, period):
        now = x.iloc[p0:p0 + period].reset_index(drop=True)
        seen = now.notna()
        num = (num * (1.0 - alpha) + now).where(seen, num)
        den = (den * (1.0 - alpha) + 1.0).where(seen, den)
        later = min(period, steps - p0 - period)
        mean = (num / den.where(den > 0)).iloc[:later]
        out.iloc[p0 + period:p0 + period + later] = mean.to_numpy()
    return out


def _fit(x: pd.DataFrame, s: AnomalySettings, period: int,
         window: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    observed = x.notna()
    z, expected, scale = _zscores(x, observed, s, period)
    warm = observed.cumsum() > s.warmup
    up = _evidence(z.clip(lower=0.0), observed, s)
    down = _evidence((-z).clip(lower=0.0), observed, s)
    if window:
        up = up.mask(_novel(x, x - expected, window), up * s.novelty_weight)
        down = down.mask(_novel(-x, expected - x, window), down * s.novelty_weight)
    found = np.maximum(up, down).where(warm, 0.0)
    if s.refractory > 0:
        found = found - s.refractory * _decaying_max(found, s.refractory_decay)
    evidence = np.maximum(found, SUB_EVIDENCE * (z.abs() / s.tail_z).clip(upper=1.0))
    evidence = evidence.where(observed & warm, 0.0)
    return (evidence / (evidence + HALF_EVIDENCE), z.where(observed), expected,
            scale.where(observed))


def _novel(value: pd.DataFrame, resid: pd.DataFrame, window: int) -> pd.DataFrame:
    """Above every value and every residual of the previous ``window`` steps."""
    def before(v: pd.DataFrame) -> pd.DataFrame:
        return v.rolling(window, min_periods=1).max().shift(1).fillna(-np.inf)
    return (value > before(value)) & (resid > before(resid))


def _zscores(x: pd.DataFrame, observed: pd.DataFrame, s: AnomalySettings,
             period: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    seasonal = _seasonal_ewma(x, period, s.season_alpha) if period else None
    # through a gap the level follows the seasonal baseline
    level = _ewma(x if seasonal is None else x.where(observed, seasonal), s.alpha).shift(1)
    floor = s.floor * level.abs()
    baselines = [level] if seasonal is None else [level, seasonal]
    z = pd.DataFrame(0.0, index=x.index, columns=x.columns)
    expected = level
    sigma = pd.DataFrame(np.nan, index=x.index, columns=x.columns)
    for i, base in enumerate(baselines):
        resid = x - base
        dev = resid.abs()
        finite = resid.notna()
        known = finite
        scale = np.fmax(_ewma(dev, s.scale_alpha).shift(1), floor)
        if period:
            phase = _phase_scale(dev, period, s)
            scale = np.fmax(scale, phase)
            if i > 0:
                known = known & phase.notna()
        zi = (resid / (scale * MAD_TO_SIGMA)).replace([np.inf, -np.inf], [Z_CAP, -Z_CAP])
        zi = zi.fillna(0.0).clip(-Z_CAP, Z_CAP)
        seen = finite.cumsum().shift(1, fill_value=0)
        zi = zi.where(known & (seen >= max(1, s.warmup)), 0.0)
        better = zi.abs() > z.abs()
        z = zi.where(better, z)
        expected = base.where(better, expected)
        sigma = (scale * MAD_TO_SIGMA).where(better | (i == 0), sigma)
    return z.where(observed, 0.0), expected, sigma


def _phase_scale(dev: pd.DataFrame, period: int, s: AnomalySettings) -> pd.DataFrame:
    width = min(s.season_width, period - 1)
    padded = pd.concat([dev, pd.DataFrame(np.nan, index=range(width), columns=dev.columns)],
                       ignore_index=True)
    phase = _seasonal_ewma(padded, period, s.season_scale_alpha)
    widest = phase.rolling(2 * width + 1, center=True, min_periods=1).max()
    return widest.iloc[:len(dev)].set_axis(dev.index)


def _evidence(u: pd.DataFrame, observed: pd.DataFrame, s: AnomalySettings) -> pd.DataFrame:
    obs = observed.astype(np.float64)
    seen = _decayed_sum(obs, s.rate_alpha, observed).shift(1, fill_value=0.0)
    hit = observed & (u > s.tail_z)
    hits_now = hit.astype(np.float64)
    excess = np.log(u.clip(lower=s.tail_z) / s.tail_z).where(hit, 0.0)
    hits = _decayed_sum(hits_now, s.rate_alpha, observed).shift(1, fill_value=0.0)
    size = _decayed_sum(excess, s.rate_alpha, observed).shift(1, fill_value=0.0)
    rate = (hits + 0.5 * s.prior_rate * s.prior_weight) / (seen + s.prior_weight)
    beta = (size + s.prior_tail * s.prior_tail_weight) / (hits + s.prior_tail_weight)
    evidence = (-np.log10(rate) + excess / (beta * LN10)).where(hit, 0.0)
    if s.periodic_lookback:  # index arithmetic pandas has no verb for: tars-ci's own filter
        regular = pd.DataFrame(on_schedule(hit.to_numpy().T, s.periodic_lookback,
                                           s.periodic_min_gap).T,
                               index=hit.index, columns=hit.columns)
        evidence = evidence.where(~regular, 0.0)
        hits_now = (hit & ~regular).astype(np.float64)
    if s.count_windows:
        correction = np.log10(2 * len(s.count_windows))
        for n in s.count_windows:
            k = hits_now.rolling(n, min_periods=1).sum()
            expected = rate * obs.rolling(n, min_periods=1).sum()
            counted = poisson_surprise(k.to_numpy(), expected.to_numpy()) - correction
            evidence = np.maximum(evidence, counted)
    return evidence


def _decaying_max(v: pd.DataFrame, decay: float) -> pd.DataFrame:
    """max over k < t of v[k]·decay^(t−1−k), in the log domain with cummax."""
    ramp = np.arange(len(v)) * np.log(decay)
    with np.errstate(divide="ignore"):
        logv = np.log(v)
    best = logv.sub(ramp, axis=0).cummax().add(ramp, axis=0)
    return np.exp(best.shift(1, fill_value=-np.inf))


def _episodes(first_row: int, timestamps: np.ndarray, x: pd.DataFrame, score: pd.DataFrame,
              z: pd.DataFrame, expected: pd.DataFrame, scale: pd.DataFrame,
              s: AnomalySettings, longest: int) -> list[EpisodeRow]:
    """From each alarm, the run outside the onset's band (expected ± z·scale) until the
    series is back inside for more than ``merge_gap`` observed steps; later alarms within
    ``merge_gap`` steps join it."""
    flagged = score >= s.threshold
    out: list[EpisodeRow] = []
    calm = s.merge_gap + 1
    for c in np.flatnonzero(flagged.to_numpy().any(axis=0)).tolist():
        col = x.iloc[:, c]
        alarms = np.flatnonzero(flagged.iloc[:, c].to_numpy())
        k = 0
        while k < len(alarms):
            onset = int(alarms[k])
            centre, width = expected.iat[onset, c], s.z * scale.iat[onset, c]
            if not (np.isfinite(centre) and np.isfinite(width)):
                centre, width = col.iat[onset], 0.0
            ahead = col.iloc[onset:onset + longest].dropna()
            outside = ~ahead.between(centre - width, centre + width)
            outside.iloc[0] = True
            back = (~outside).astype(np.int64).rolling(calm).sum().shift(-(calm - 1))
            first_back = np.flatnonzero(back.to_numpy() == calm)
            run = outside.iloc[:first_back[0]] if first_back.size else outside
            anomalous = run.index[run.to_numpy()]
            last = int(anomalous[-1])
            k += 1
            while k < len(alarms) and alarms[k] <= last + s.merge_gap:
                last = max(last, int(alarms[k]))
                k += 1
            joined = [a for a in alarms if onset < a <= last and a not in set(anomalous)]
            count = len(anomalous) + len(joined)
            if count < s.min_points:
                continue
            zs = z.iloc[onset:last + 1, c].to_numpy()
            peak = onset + int(np.argmax(np.abs(np.nan_to_num(zs))))
            out.append(EpisodeRow(first_row + c, float(timestamps[onset]),
                                  float(timestamps[last]), count, float(z.iat[peak, c]),
                                  float(score.iloc[onset:last + 1, c].max()),
                                  float(expected.iat[peak, c])))
    return out


# --------------------------------------------------------------------------- the trend


def _trends(drift: np.ndarray, th: DriftThresholds) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Direction, slope and spike day of each row of drifts (S, days), as regression.trend."""
    n_series, days = drift.shape
    x = np.arange(1, days + 1, dtype=np.float64)
    have = np.isfinite(drift)
    y = np.where(have, drift, 0.0)
    count = have.sum(axis=1)
    floor = FLOOR_SHARE * th.notable
    slope, intercept = _line(x, y, have)
    resid = np.where(have, y - (intercept[:, None] + slope[:, None] * x), 0.0)
    far = np.argmax(np.abs(resid), axis=1)
    keep = have.copy()
    keep[np.arange(n_series), far] = False
    k_slope, k_icpt = _line(x, y, keep)
    k_resid = np.where(keep, y - (k_icpt[:, None] + k_slope[:, None] * x), 0.0)
    sigma = np.sqrt((k_resid ** 2).sum(axis=1) / np.maximum(keep.sum(axis=1), 1))
    off = y[np.arange(n_series), far] - (k_icpt + k_slope * x[far])
    spike = (count >= MIN_SPIKE_DAYS) & (np.abs(off) >= floor) & \
        (np.abs(off) >= SPIKE_SIGMAS * sigma)
    used = np.where(spike[:, None], keep, have)
    slope = np.where(spike, k_slope, slope)
    resid = np.where(spike[:, None], k_resid, resid)
    spread = np.sqrt((resid ** 2).sum(axis=1) / np.maximum(used.sum(axis=1), 1))
    first = np.argmax(used, axis=1)
    last = days - 1 - np.argmax(used[:, ::-1], axis=1)
    change = slope * (x[last] - x[first])
    direction = np.where(
        count < MIN_TREND_DAYS, "unknown",
        np.where((spread >= floor) & (spread >= np.abs(change) / 2), "volatile",
                 np.where(np.abs(change) >= floor,
                          np.where(change > 0, "increasing", "decreasing"), "stable")))
    return (direction.tolist(), np.where(count >= MIN_TREND_DAYS, slope, np.nan),
            np.where(spike, far + 1, 0))


def _line(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares slope and intercept of each row over the points where ``w``."""
    n = np.maximum(w.sum(axis=1), 1)
    mx = (w * x).sum(axis=1) / n
    my = (w * y).sum(axis=1) / n
    dx = np.where(w, x - mx[:, None], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (dx * (y - my[:, None])).sum(axis=1) / (dx ** 2).sum(axis=1)
    return slope, my - slope * mx


def better_lower(kpis: Sequence[Any]) -> np.ndarray:
    """True where a KPI is lower-is-better."""
    return np.array([k.better == "lower" for k in kpis])
