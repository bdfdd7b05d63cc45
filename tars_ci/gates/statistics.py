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
    exact      m·n ≤ EXACT_MAX_PRODUCT and no ties: the exact null distribution of U
               (Gaussian binomial coefficients), p = 2·min(P(U ≤ u), P(U ≥ u)), capped at 1
    normal     otherwise: μ = mn/2, σ² = mn/12 · ((N+1) − Σ(t³−t)/(N(N−1))),
               z = (|U − μ| − ½)/σ (continuity correction), p = erfc(|z|/√2)

Serial correlation. The test assumes independent draws, but consecutive points of a range
query over ``rate(…[1m])`` at a 15 s step share three quarters of their data (lag-1
autocorrelation ≈ 0.75); uncorrected, identical canary and stable windows then come out
"different" in about a quarter of the trials instead of 1 %. With ``serial=True`` the
variance of U is inflated per side by the AR(1) factor f = (1 + r)/(1 − r), r the lag-1
autocorrelation of that side's ranks (in time order), clipped to [0, MAX_AUTOCORRELATION]::

    σ²  ←  σ² · (n·f_x + m·f_y)/(m + n)          (and the exact test is not used when f > 1)

which brings the false-positive rate back near ``alpha`` at the honest price: 40 strongly
correlated samples carry the information of about six independent ones.

Samples must be finite (the caller drops NaN/±Inf and says so) and in time order.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

import numpy as np

EXACT_MAX_PRODUCT = 400  # m·n up to which (without ties) the exact distribution is used
MAX_AUTOCORRELATION = 0.9  # caps the serial-correlation inflation at a factor of 19

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


def lag1_autocorrelation(values: np.ndarray) -> float:
    """Lag-1 autocorrelation of the ranks of ``values`` (in time order); 0 when undefined."""
    values = np.asarray(values, dtype=np.float64)
    if values.size < 3:
        return 0.0
    ranks, _ = average_ranks(values)
    d = ranks - ranks.mean()
    denominator = float(d @ d)
    return float(d[:-1] @ d[1:]) / denominator if denominator > 0 else 0.0


def serial_inflation(values: np.ndarray) -> float:
    """The AR(1) variance factor (1 + r)/(1 − r), r clipped to [0, MAX_AUTOCORRELATION]."""
    r = min(max(lag1_autocorrelation(values), 0.0), MAX_AUTOCORRELATION)
    return (1 + r) / (1 - r)


def mann_whitney(x: np.ndarray, y: np.ndarray, *, serial: bool = False) -> MannWhitney:
    """Two-sided Mann–Whitney U test; ``x`` and ``y`` must be finite and non-empty.

    ``serial=True`` corrects the variance for each side's serial correlation (see the module
    docstring); the samples must then be in time order.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    m, n = x.size, y.size
    if m == 0 or n == 0:
        raise ValueError("mann_whitney needs at least one sample on each side")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("mann_whitney needs finite samples")
    ranks, ties = average_ranks(np.concatenate([x, y]))
    u = float(ranks[:m].sum() - m * (m + 1) / 2.0)
    inflation = (n * serial_inflation(x) + m * serial_inflation(y)) / (m + n) if serial else 1.0
    if m * n <= EXACT_MAX_PRODUCT and bool((ties == 1).all()) and inflation == 1.0:
        return MannWhitney(u, None, _exact_p(round(u), m, n), "exact", m, n)
    big_n = m + n
    mean = m * n / 2.0
    tie_term = float(np.sum(ties.astype(np.float64) ** 3 - ties)) / (big_n * (big_n - 1))
    variance = m * n / 12.0 * ((big_n + 1) - tie_term) * inflation
    if variance <= 0:  # every value equal: no evidence of any difference
        return MannWhitney(u, 0.0, 1.0, "normal", m, n, inflation)
    z = (abs(u - mean) - 0.5) / math.sqrt(variance)
    z = max(z, 0.0)
    return MannWhitney(u, math.copysign(z, u - mean), min(1.0, math.erfc(z / math.sqrt(2))),
                       "normal", m, n, inflation)


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
    for serial correlation (samples in time order).
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    test = mann_whitney(canary, stable, serial=serial)
    shift = hodges_lehmann(canary, stable)
    base = float(np.median(np.asarray(stable, dtype=np.float64)))
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
