"""Canary against stable, statistically: Mann–Whitney U with an effect-size floor.

A threshold on the difference of two window means trips on noise: with 40 samples a side at
15 % noise the means alone differ by 3–4 % from one window to the next. So, as Kayenta's
Mann–Whitney classifier does, a difference counts only when it is both

* **significant** — the two-sided Mann–Whitney U test rejects "same distribution" at
  ``alpha``; and
* **large enough** — the Hodges–Lehmann shift (the median of all canary − stable pairwise
  differences), relative to the stable median, reaches ``min_effect_percent``.

The test (pure numpy)::

    ranks      average ranks of the pooled samples (ties share their mean rank)
    U          R_canary − m(m+1)/2   (pairs canary > stable, ties counting ½)
    exact      m·n ≤ EXACT_MAX_PRODUCT, no ties and no serial inflation: the exact null
               distribution of U (Gaussian binomial coefficients), p = 2·min(P(U ≤ u),
               P(U ≥ u)), capped at 1
    normal     otherwise: μ = mn/2, σ² = mn/12 · ((N+1) − Σ(t³−t)/(N(N−1))) · f,
               z = (|U − μ| − ½)/σ (continuity correction), p = erfc(|z|/√2)

Serial correlation (``f``). The test assumes independent draws, but consecutive points of a
range query over ``rate(…[1m])`` at a 15 s step share most of their requests, so identical
canary and stable windows would come out "different" far too often. Each track's variance
factor is the one of a mean of correlated samples::

    f_track = 1 + 2 · Σ_k (1 − k/n) · ρ_k      k = 1, 2, … while ρ_k > 0 (k ≤ n/4)

where ρ_k is the lag-k autocorrelation of the track's ranks **after removing their
least-squares line**. Removing the line is what keeps a trend from defeating the test: a
canary that gets steadily worse is a strongly autocorrelated series, and a correction
measured on the raw series would treat the very degradation as noise (40 fully separated
samples of a ramp came out p = 0.08). Measured on the residuals, a ramp's correlation is the
noise's, and the more the canary drifts the more significant the test gets. The two tracks
combine as f = (n·f_canary + m·f_stable)/(m + n) (the variance of the Hájek projection of U).

The factor is bounded: f never exceeds the value at which complete separation of the two
samples (every canary value above every stable one) would stop being significant at
``alpha`` (:func:`max_inflation`). Whatever the correlation estimate says, a canary that is
entirely worse than stable over the window is a real difference; with 20 or more samples a
side complete separation is always significant (at n = 20 the bound is f ≈ 4.4 at α = 0.01).

Samples must be finite (the caller drops NaN/±Inf and says so) and in time order.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

import numpy as np

EXACT_MAX_PRODUCT = 400  # m·n up to which (without ties) the exact distribution is used
BIAS = 2.0  # fitted parameters (the line) the autocorrelations are estimated around
BOUND_MARGIN = 0.999  # complete separation stays significant with a little room to spare

Direction = Literal["same", "higher", "lower"]


class MannWhitney(NamedTuple):
    """The two-sided Mann–Whitney U test of ``x`` against ``y``."""

    u: float  # U of x: pairs with x > y, ties counting one half
    z: float | None  # normal approximation's z (None when exact)
    p_value: float
    method: Literal["exact", "normal"]
    n_x: int
    n_y: int
    inflation: float = 1.0  # variance factor for serial correlation (1 = none)
    bounded: bool = False  # the serial factor was capped by max_inflation


class Difference(NamedTuple):
    """Canary against stable: is the canary's distribution shifted, and by how much?"""

    direction: Direction  # "same" unless significant AND at least the effect floor
    p_value: float
    shift: float  # Hodges–Lehmann estimate of canary − stable, in the metric's unit
    effect_percent: float | None  # shift / |median(stable)| · 100; None when that is 0
    significant: bool  # p < alpha (regardless of the effect size)
    test: MannWhitney
    reason: str


def average_ranks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """1-based ranks of ``values`` with ties sharing their mean rank, and the tie-group sizes."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sizes = np.diff(np.r_[starts, ordered.size])
    # a tie group spanning ordered positions s..s+t-1 has mean rank s + (t + 1)/2 (1-based)
    group_rank = starts + (sizes + 1) / 2.0
    ranks = np.empty(values.size, dtype=np.float64)
    ranks[order] = np.repeat(group_rank, sizes)
    return ranks, sizes


def detrended_autocorrelation(values: np.ndarray) -> np.ndarray:
    """ρ_1 … ρ_K (K = n // 4) of the ranks of ``values`` after removing their least-squares
    line; zeros where that leaves nothing (a constant or perfectly straight series)."""
    values = np.asarray(values, dtype=np.float64)
    n = values.size
    lags = n // 4
    if n < 4:
        return np.zeros(lags)
    ranks, _ = average_ranks(values)
    t = np.arange(n, dtype=np.float64) - (n - 1) / 2.0
    slope = float(t @ (ranks - ranks.mean())) / float(t @ t)
    residual = ranks - ranks.mean() - slope * t
    denominator = float(residual @ residual)
    if denominator <= 1e-9 * n:  # ranks on a straight line: no noise to correlate
        return np.zeros(lags)
    return np.array([float(residual[:-k] @ residual[k:]) / denominator
                     for k in range(1, lags + 1)])


def serial_inflation(values: np.ndarray) -> float:
    """The variance factor f = 1 + 2·Σ(1 − k/n)·ρ_k of the mean of ``values``' ranks, from the
    detrended autocorrelations corrected for their small-sample bias (1 = no correction).

    Autocorrelations estimated around a fitted line come out low by about 2·f/n at every lag
    (one f/n per fitted parameter), so ρ_k + 2·f/n is summed while it stays positive and f is
    solved by fixed-point iteration from the uncorrected sum.
    """
    rho = detrended_autocorrelation(values)
    n = np.asarray(values).size
    if not rho.size or not np.any(rho):
        return 1.0
    lags = int(np.argmax(rho <= 0)) if np.any(rho <= 0) else rho.size
    weights = 1.0 - np.arange(1, lags + 1) / n
    plain = 1.0 + 2.0 * float(weights @ rho[:lags])
    return 1.0 + 2.0 * float(weights @ (rho[:lags] + BIAS * plain / n))


def critical_z(alpha: float) -> float:
    """The z with erfc(z/√2) = ``alpha``: the two-sided normal critical value (bisection)."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    low, high = 0.0, 40.0
    for _ in range(200):
        mid = (low + high) / 2.0
        if math.erfc(mid / math.sqrt(2.0)) > alpha:
            low = mid
        else:
            high = mid
    return (low + high) / 2.0


def max_inflation(m: int, n: int, alpha: float) -> float:
    """The largest serial factor at which complete separation of ``m`` against ``n``
    samples is still significant at ``alpha`` (1 when it never is, even uncorrected)."""
    big_n = m + n
    z_full = (m * n / 2.0 - 0.5) / math.sqrt(m * n * (big_n + 1) / 12.0)
    ratio = z_full / critical_z(alpha)
    return max(1.0, ratio * ratio * BOUND_MARGIN)


def mann_whitney(x: np.ndarray, y: np.ndarray, *, inflation: float = 1.0,
                 bounded: bool = False) -> MannWhitney:
    """Two-sided Mann–Whitney U test; ``x`` and ``y`` must be finite and non-empty.

    ``inflation`` multiplies the variance of U (serial correlation, see the module
    docstring); above 1 the exact test is not used. ``bounded`` is only recorded.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    m, n = x.size, y.size
    if m == 0 or n == 0:
        raise ValueError("mann_whitney needs at least one sample on each side")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("mann_whitney needs finite samples")
    if not inflation >= 1.0:
        raise ValueError(f"inflation must be at least 1, got {inflation}")
    ranks, ties = average_ranks(np.concatenate([x, y]))
    u = float(ranks[:m].sum() - m * (m + 1) / 2.0)
    if m * n <= EXACT_MAX_PRODUCT and bool((ties == 1).all()) and inflation == 1.0:
        return MannWhitney(u, None, _exact_p(round(u), m, n), "exact", m, n)
    big_n = m + n
    mean = m * n / 2.0
    tie_term = float(np.sum(ties.astype(np.float64) ** 3 - ties)) / (big_n * (big_n - 1)) \
        if big_n > 1 else 0.0
    variance = m * n / 12.0 * ((big_n + 1) - tie_term) * inflation
    if variance <= 0:  # every value equal: no evidence of any difference
        return MannWhitney(u, 0.0, 1.0, "normal", m, n, inflation, bounded)
    z = max((abs(u - mean) - 0.5) / math.sqrt(variance), 0.0)
    return MannWhitney(u, math.copysign(z, u - mean), min(1.0, math.erfc(z / math.sqrt(2))),
                       "normal", m, n, inflation, bounded)


def u_distribution(m: int, n: int) -> np.ndarray:
    """Null frequencies of U for sample sizes ``m`` and ``n`` (index u = 0 … m·n).

    They are the coefficients of the Gaussian binomial ``[m+n choose m]_q``, built with
    ``[N, k] = [N−1, k−1] + q^k · [N−1, k]``; they sum to ``C(m+n, m)``.
    """
    k_max = min(m, n)
    # row[k] is the polynomial [N, k]_q for the current N (coefficient arrays of length mn+1)
    size = m * n + 1
    row = np.zeros((k_max + 1, size), dtype=np.float64)
    row[0, 0] = 1.0
    for big_n in range(1, m + n + 1):
        new = row.copy()
        for k in range(1, min(k_max, big_n) + 1):
            shifted = np.zeros(size, dtype=np.float64)
            shifted[k:] = row[k, :size - k]
            new[k] = row[k - 1] + shifted
        row = new
    return row[k_max]


def _exact_p(u: int, m: int, n: int) -> float:
    freq = u_distribution(m, n)
    total = float(freq.sum())
    low = float(freq[:u + 1].sum()) / total
    high = float(freq[u:].sum()) / total
    return min(1.0, 2.0 * min(low, high))


def hodges_lehmann(x: np.ndarray, y: np.ndarray) -> float:
    """The Hodges–Lehmann shift of ``x`` over ``y``: the median of all ``x_i − y_j``."""
    diffs = np.subtract.outer(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    return float(np.median(diffs))


def compare(canary: np.ndarray, stable: np.ndarray, *, alpha: float,
            min_effect_percent: float, serial: bool = True) -> Difference:
    """Whether ``canary`` is shifted from ``stable`` (significant AND at least the floor).

    ``direction`` is ``higher``/``lower`` (the canary's values against stable's) only when
    the test is significant at ``alpha`` and the relative Hodges–Lehmann shift reaches
    ``min_effect_percent``; otherwise ``same``. A zero stable median leaves the effect without
    a percentage: any non-zero significant shift then counts. ``serial`` corrects the test
    for serial correlation (samples in time order), bounded by :func:`max_inflation`.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    canary = np.asarray(canary, dtype=np.float64)
    stable = np.asarray(stable, dtype=np.float64)
    inflation, bounded = 1.0, False
    if serial:
        m, n = canary.size, stable.size
        wanted = (n * serial_inflation(canary) + m * serial_inflation(stable)) / (m + n)
        cap = max_inflation(m, n, alpha)
        inflation, bounded = float(min(wanted, cap)), bool(wanted > cap)
    test = mann_whitney(canary, stable, inflation=inflation, bounded=bounded)
    shift = hodges_lehmann(canary, stable)
    base = float(np.median(stable))
    effect = shift / abs(base) * 100.0 if base != 0 else None
    significant = test.p_value < alpha
    large = (abs(effect) >= min_effect_percent * (1 - 1e-9) if effect is not None
             else shift != 0)
    where: Direction = "higher" if shift > 0 else "lower"
    size = (f"shift {shift:+.4g} ({effect:+.1f}% of the stable median)" if effect is not None
            else f"shift {shift:+.4g} (stable median is zero)")
    if significant and large and shift != 0:
        return Difference(where, test.p_value, shift, effect, True, test,
                          f"canary {where} than stable: {size}, p={test.p_value:.2g} "
                          f"< {alpha:g}")
    if significant:
        reason = (f"significant (p={test.p_value:.2g}) but {size} is below the "
                  f"{min_effect_percent:g}% effect floor")
    else:
        reason = f"not significant: p={test.p_value:.2g} ≥ {alpha:g}, {size}"
    return Difference("same", test.p_value, shift, effect, significant, test, reason)
