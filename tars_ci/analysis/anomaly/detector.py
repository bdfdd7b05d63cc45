"""The anomaly score: EWMA + z-score baselines, then the surprise of the z-scores.

Stage 1 — z-scores. Each row is compared with two baselines, both from earlier rows only:

- *level*: the EWMA of the series (``alpha``);
- *seasonal*: the EWMA, across earlier periods, of the value at the same phase
  (``season_hours``, ``season_alpha``).

A baseline's residual is divided by a robust scale: the EWMA of its absolute residuals
(``scale_alpha``, ×1.2533 so it matches σ for Gaussian noise), raised to at least ``floor``
× |level| and to the *time-of-day scale* — the EWMA across earlier periods of the |residual|
at this phase, widened ± ``season_width`` steps. The latter is what keeps a daily ramp, a
nightly batch job or a square wave from alarming every day, while a day on which the
expected change does *not* happen still stands out against the seasonal baseline. The
row's z is that of the baseline with the larger |z|: either one being surprised counts. A
baseline speaks only once its scale has seen ``warmup`` residuals — and the seasonal one only
once its own phase history exists, so one day's spike is not a pattern whose absence alarms.
Through missing samples the level follows the seasonal baseline, so the first row after a
gap is compared with where the daily pattern has gone (callers put rows on a time grid,
NaN where a sample is missing: :mod:`.stream`).

Stage 2 — evidence, ``e = −log10 P``. A point whose |z| exceeds ``tail_z`` is an
exceedance. Separately for upward and downward exceedances, the detector learns their rate
``p`` and their mean log-excess ``β`` (Hill's estimator of a power-law tail), both as long
EWMAs (``rate_alpha``) with a prior (``prior_*``). An exceedance's surprise is then
``−log10 p + ln(|z|/tail_z) / (β·ln 10)`` — the tail probability of a Pareto tail fitted to
this series' own history and direction — so a series that spikes up all the time needs a
bigger spike to alarm, while its first drop still counts. A burst or level shift is
evidence too: the Poisson surprise of the number of exceedances in the last ``n`` steps
(``count_windows``), Bonferroni-corrected. An exceedance that keeps an earlier rhythm (the
gap back to a recent one, seen twice: ``periodic_*``) is a periodic job on schedule and
counts for nothing. Below ``tail_z`` a point gets a small, rising evidence (≤ 0.1), so the
score is strictly monotone in |z|.

Novelty. A deviation is *novel* when the value goes beyond the highest (lowest) value of
the last ``novelty_hours`` and its residual beyond the largest residual in that direction
in the same window. Its evidence is multiplied by ``novelty_weight`` (2: as if two
independent tests had each found it that surprising). A deviation to where the series has
been recently — a recurring spike, a burst back to a level it often reaches, the days
after a level shift — keeps its evidence as it is. This is what keeps real operations
series with normal, recurring spikes from alarming on each one, while a first excursion
somewhere new alarms at a lower surprise.

Stage 3 — one alarm per event. A decaying maximum of earlier evidence (``refractory``,
``refractory_decay``), shared by both directions, is subtracted, so a level shift, a burst
or a spike and its rebound alarm once, at the start.

Score = e / (e + 2): in [0, 1), strictly increasing, never saturating; 0.5 is a surprise of
one in a hundred. Missing samples (NaN) update nothing and score 0; so does the warm-up.
"""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

import numpy as np

from tars_ci.analysis.anomaly import filters
from tars_ci.analysis.anomaly.tails import LN10, poisson_surprise
from tars_ci.spec.model import AnomalySettings

#: Evidence (−log10 P) that maps to score 0.5.
HALF_EVIDENCE = 2.0
#: Most evidence a sub-exceedance point can get (at |z| = tail_z).
SUB_EVIDENCE = 0.1
#: The spec's default step; pass the real one to :func:`score` for other resolutions.
DEFAULT_STEP = timedelta(seconds=60)
#: Matrix cells processed at once (bounds the temporaries for 10,000 × 11,520 inputs).
BLOCK_CELLS = 1 << 21
#: |z| is capped here so a zero-variance series yields large but finite numbers.
Z_CAP = 1e9
#: E|N| / σ for Gaussian noise: mean absolute deviation → σ.
MAD_TO_SIGMA = 1.2533141373155003


class Scores(NamedTuple):
    """Per-point results, each (S, T) like the input."""

    score: np.ndarray  # in [0, 1); 0 where missing or warming up
    z: np.ndarray  # signed z of the more surprised baseline; NaN where missing


class Fit(NamedTuple):
    """Scores plus the baseline each z was measured against and its scale (for episodes):
    ``z = (value − expected) / scale`` wherever the baseline speaks."""

    score: np.ndarray
    z: np.ndarray
    expected: np.ndarray
    scale: np.ndarray  # σ-equivalent scale of that baseline; NaN where missing


def period_steps(settings: AnomalySettings, step: timedelta | float) -> int:
    """Steps per seasonal period at ``step`` (a timedelta or seconds); 0 = no seasonality."""
    seconds = step.total_seconds() if isinstance(step, timedelta) else float(step)
    if settings.season_hours <= 0 or not seconds > 0:
        return 0
    period = round(settings.season_hours * 3600.0 / seconds)
    return period if period >= 2 else 0


def novelty_steps(settings: AnomalySettings, step: timedelta | float) -> int:
    """Steps in the novelty window at ``step``; 0 = no novelty test."""
    seconds = step.total_seconds() if isinstance(step, timedelta) else float(step)
    if settings.novelty_hours <= 0 or settings.novelty_weight <= 1 or not seconds > 0:
        return 0
    return max(1, round(settings.novelty_hours * 3600.0 / seconds))


def score(values: np.ndarray, settings: AnomalySettings,
          step: timedelta | float = DEFAULT_STEP) -> Scores:
    """Anomaly scores of every series (rows of ``values``), online and vectorised.

    ``step`` is the sampling interval (it sets the seasonal period in steps). A row's score
    depends only on that row and earlier ones; NaN means a missing sample.
    """
    f = fit(values, settings, step)
    return Scores(f.score, f.z)


def fit(values: np.ndarray, settings: AnomalySettings,
        step: timedelta | float = DEFAULT_STEP) -> Fit:
    """Like :func:`score`, plus each point's expected value."""
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"values must be a 2-D (series, time) array, got shape {x.shape}")
    period = period_steps(settings, step)
    window = novelty_steps(settings, step)
    out = Fit(np.zeros(x.shape), np.full(x.shape, np.nan), np.full(x.shape, np.nan),
              np.full(x.shape, np.nan))
    rows = max(1, BLOCK_CELLS // max(1, x.shape[1]))
    for r0 in range(0, x.shape[0], rows):
        unit = _unit(x[r0:r0 + rows])
        block = _fit_block(x[r0:r0 + rows] / unit, settings, period, window)
        out.score[r0:r0 + rows] = block.score
        out.z[r0:r0 + rows] = block.z
        out.expected[r0:r0 + rows] = block.expected * unit
        out.scale[r0:r0 + rows] = block.scale * unit
    return out


def _unit(x: np.ndarray) -> np.ndarray:
    """A power of two near each row's largest |value| (1 for empty rows), as a column.

    The detector is scale-free, and dividing by a power of two is exact, so this changes no
    result — it only keeps values like 1e300 from overflowing inside the filters.
    """
    with np.errstate(invalid="ignore"):
        top = np.nanmax(np.where(np.isfinite(x), np.abs(x), np.nan), axis=1, initial=0.0)
    exponent = np.frexp(np.where(top > 0, top, 1.0))[1]
    return np.ldexp(1.0, exponent)[:, None]


def _fit_block(x: np.ndarray, s: AnomalySettings, period: int, window: int) -> Fit:
    observed = np.isfinite(x)
    z, expected, scale = _zscores(x, observed, s, period)
    warm = np.cumsum(observed, axis=1) > s.warmup
    # what both directions share: the observations behind the rates and in each count window
    seen = filters.lag(filters.decayed_count(s.rate_alpha, observed), fill=0.0)
    steps = [filters.trailing_sum(observed.astype(np.float64), n) for n in s.count_windows]
    up = _evidence(np.maximum(z, 0.0), observed, seen, steps, s)
    down = _evidence(np.maximum(-z, 0.0), observed, seen, steps, s)
    if window:  # a deviation to somewhere the series has not been recently counts more
        resid = x - expected
        np.multiply(up, s.novelty_weight, out=up, where=_novel(x, resid, window))
        np.multiply(down, s.novelty_weight, out=down, where=_novel(-x, -resid, window))
    found = np.maximum(up, down)
    found[~warm] = 0.0
    if s.refractory > 0:  # shared by both directions: a spike and its rebound are one event
        found -= s.refractory * filters.decaying_max(found, s.refractory_decay)
    evidence = np.maximum(found, SUB_EVIDENCE * np.minimum(np.abs(z) / s.tail_z, 1.0))
    evidence[~(observed & warm)] = 0.0
    return Fit(evidence / (evidence + HALF_EVIDENCE), np.where(observed, z, np.nan), expected,
               np.where(observed, scale, np.nan))


def _zscores(x: np.ndarray, observed: np.ndarray, s: AnomalySettings,
             period: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Signed z against the more surprised baseline, that baseline's value and its scale."""
    seasonal = filters.seasonal_ewma(x, period, s.season_alpha) if period else None
    # Through a gap the level follows the seasonal baseline where it exists, so the first
    # row after a gap is compared with where the daily pattern has gone, not with the level
    # the series had when the data stopped.
    level = filters.lag(filters.ewma(x if seasonal is None else _imputed(x, seasonal), s.alpha))
    floor = s.floor * np.abs(level)
    baselines = [level] if seasonal is None else [level, seasonal]
    z = np.zeros(x.shape)
    expected = level.copy()
    sigma = np.full(x.shape, np.nan)
    for i, base in enumerate(baselines):
        resid = x - base
        known = np.isfinite(resid)
        scale = np.fmax(filters.lag(filters.ewma(np.abs(resid), s.scale_alpha)), floor)
        if period:
            phase = _phase_scale(np.abs(resid), period, s)
            scale = np.fmax(scale, phase)
            if i > 0:  # the seasonal baseline speaks once its own phase history exists
                known &= np.isfinite(phase)
        with np.errstate(invalid="ignore", divide="ignore"):
            zi = resid / (scale * MAD_TO_SIGMA)
        zi = np.clip(np.nan_to_num(zi, nan=0.0, posinf=Z_CAP, neginf=-Z_CAP), -Z_CAP, Z_CAP)
        # no evidence until the baseline exists and its scale has seen `warmup` residuals
        seen = filters.lag(np.cumsum(np.isfinite(resid), axis=1), fill=0)
        zi = np.where(known & (seen >= max(1, s.warmup)), zi, 0.0)
        better = np.abs(zi) > np.abs(z)
        z = np.where(better, zi, z)
        expected = np.where(better, base, expected)
        sigma = np.where(better | (i == 0), scale * MAD_TO_SIGMA, sigma)
    return np.where(observed, z, 0.0), expected, sigma


def _novel(value: np.ndarray, resid: np.ndarray, window: int) -> np.ndarray:
    """Upward novelty (pass −x for downward): the value above every value of the previous
    ``window`` steps and the residual above every residual there. Where either is missing
    the point has no evidence to weigh, so the answer does not matter there."""
    with np.errstate(invalid="ignore"):
        novel = ~(value <= filters.trailing_max(value, window))
        novel &= ~(resid <= filters.trailing_max(resid, window))
    return novel


def _imputed(x: np.ndarray, seasonal: np.ndarray) -> np.ndarray:
    """``x`` with missing samples replaced by the seasonal baseline (where it exists)."""
    return np.where(np.isfinite(x), x, seasonal)


def _phase_scale(dev: np.ndarray, period: int, s: AnomalySettings) -> np.ndarray:
    """The time-of-day scale: the EWMA over earlier periods of |residual| at each phase, then
    the maximum over ± ``season_width`` phases.

    The phases just after ``t`` are read from the previous periods, so they are already known;
    padding computes them even past the last row, which keeps a prefix's scores equal to the
    prefix of the scores.
    """
    width = min(s.season_width, period - 1)
    padded = np.pad(dev, ((0, 0), (0, width)), constant_values=np.nan)
    phase = filters.seasonal_ewma(padded, period, s.season_scale_alpha)
    return filters.neighbourhood_max(phase, width)[:, :dev.shape[1]]


def _evidence(u: np.ndarray, observed: np.ndarray, seen: np.ndarray, steps: list[np.ndarray],
              s: AnomalySettings) -> np.ndarray:
    """−log10 of the tail probability of each point in one direction (``u`` = max(±z, 0)).

    ``seen`` is the decayed count of earlier observations, ``steps`` the observations in each
    of ``s.count_windows``.
    """
    hit = observed & (u > s.tail_z)
    excess = np.where(hit, np.log(np.maximum(u, s.tail_z) / s.tail_z), 0.0)
    hits = filters.lag(filters.decayed_sum(hit.astype(np.float64), s.rate_alpha, observed),
                       fill=0.0)
    size = filters.lag(filters.decayed_sum(excess, s.rate_alpha, observed), fill=0.0)
    rate = (hits + 0.5 * s.prior_rate * s.prior_weight) / (seen + s.prior_weight)
    beta = (size + s.prior_tail * s.prior_tail_weight) / (hits + s.prior_tail_weight)
    evidence = np.where(hit, -np.log10(rate) + excess / (beta * LN10), 0.0)
    if s.periodic_lookback:  # a periodic job's spike, on schedule, is expected: no evidence
        regular = filters.on_schedule(hit, s.periodic_lookback, s.periodic_min_gap)
        evidence[regular] = 0.0
        hit = hit & ~regular  # and no part of a burst either
    if s.count_windows:
        # the two directions' count tests together are 2·len(count_windows) tests
        correction = np.log10(2 * len(s.count_windows))
        for n, exposure in zip(s.count_windows, steps):
            k = filters.trailing_sum(hit.astype(np.float64), n)
            counted = poisson_surprise(k, rate * exposure) - correction
            evidence = np.maximum(evidence, counted)
    return evidence
