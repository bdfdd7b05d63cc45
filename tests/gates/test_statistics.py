"""Mann–Whitney U, Hodges–Lehmann and the effect floor: hand-computed cases, then the issue's
statistical acceptance (seeded trials at the runbook's sample sizes)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tars_ci.gates.statistics import (
    average_ranks,
    compare,
    hodges_lehmann,
    lag1_autocorrelation,
    mann_whitney,
    serial_inflation,
    u_distribution,
)

# --------------------------------------------------------------------------- building blocks


def test_average_ranks_share_the_mean_rank_of_a_tie() -> None:
    ranks, ties = average_ranks(np.array([3.0, 1.0, 2.0, 2.0, 5.0, 2.0]))
    # sorted: 1 | 2 2 2 | 3 | 5 → ranks 1 | 3 3 3 | 5 | 6
    assert ranks.tolist() == [5.0, 1.0, 3.0, 3.0, 6.0, 3.0]
    assert sorted(ties.tolist()) == [1, 1, 1, 3]


def test_u_distribution_is_the_gaussian_binomial() -> None:
    # [7 choose 3]_q: the number of ways U = u for sizes 3 and 4; sums to C(7, 3) = 35
    assert u_distribution(3, 4).tolist() == [1, 1, 2, 3, 4, 4, 5, 4, 4, 3, 2, 1, 1]
    assert u_distribution(4, 3).tolist() == u_distribution(3, 4).tolist()
    assert u_distribution(6, 9).sum() == math.comb(15, 6)


def test_exact_test_of_completely_separated_samples() -> None:
    # U = 0: only 1 of C(6, 3) = 20 orderings is as extreme on each side → p = 2/20
    r = mann_whitney(np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0]))
    assert (r.u, r.method, r.z) == (0.0, "exact", None)
    assert r.p_value == pytest.approx(0.1)
    # the other way round U = 9 = m·n, same p
    r = mann_whitney(np.array([4.0, 5.0, 6.0]), np.array([1.0, 2.0, 3.0]))
    assert (r.u, r.p_value) == (9.0, pytest.approx(0.1))


def test_exact_test_of_interleaved_samples() -> None:
    # x = 1, 4 against y = 2, 3, 5: pairs x > y: (4>2), (4>3) → U = 2; P(U ≤ 2) for sizes 2, 3
    # is (1 + 1 + 2)/10 → p = 2 · 0.4 = 0.8
    r = mann_whitney(np.array([1.0, 4.0]), np.array([2.0, 3.0, 5.0]))
    assert (r.u, r.method) == (2.0, "exact")
    assert r.p_value == pytest.approx(0.8)


def test_normal_approximation_with_ties_and_continuity_correction() -> None:
    # pooled ranks: 1 | 2 2 2 → 3 | 3 3 3 → 6 | 4 → 8 | 5 → 9; x ranks 1+3+3+6 = 13 → U = 3
    # μ = 10; Σ(t³−t) = 24 + 24 = 48; σ² = 20/12 · (10 − 48/72) = 15.5556
    # z = (|3 − 10| − 0.5)/3.94405 = 1.64805; p = erfc(z/√2) = 0.099342
    r = mann_whitney(np.array([1.0, 2.0, 2.0, 3.0]), np.array([2.0, 3.0, 3.0, 4.0, 5.0]))
    assert (r.u, r.method) == (3.0, "normal")
    assert r.z == pytest.approx(-1.64805, abs=1e-5)
    assert r.p_value == pytest.approx(0.099342, abs=1e-6)


def test_all_values_equal_is_no_evidence() -> None:
    r = mann_whitney(np.full(30, 7.0), np.full(25, 7.0))
    assert (r.u, r.p_value) == (375.0, 1.0)


def test_large_samples_use_the_normal_approximation() -> None:
    x = np.arange(30, dtype=np.float64)
    y = np.arange(30, dtype=np.float64) + 0.5  # no ties; y_j beats x_i unless i > j
    r = mann_whitney(x, y)
    # U = #pairs x_i > y_j = #(i > j) = 30·29/2 = 435; μ = 450, σ² = 900·61/12 = 4575
    assert (r.u, r.method) == (435.0, "normal")
    assert r.z == pytest.approx(-(15 - 0.5) / math.sqrt(4575))


@pytest.mark.parametrize("bad", [np.array([]), np.array([1.0, math.nan])])
def test_empty_or_non_finite_input_is_refused(bad: np.ndarray) -> None:
    with pytest.raises(ValueError):
        mann_whitney(bad, np.array([1.0, 2.0]))


def test_hodges_lehmann_is_the_median_of_pairwise_differences() -> None:
    # differences x − y: 1 1 0 / 2 2 1 / 3 3 2 → sorted 0 1 1 1 2 2 2 3 3 → median 2
    assert hodges_lehmann(np.array([1.0, 2.0, 3.0]), np.array([0.0, 0.0, 1.0])) == 2.0


def test_lag1_autocorrelation_of_ranks() -> None:
    # ranks 1..4 of an increasing series: d = −1.5 −0.5 0.5 1.5; Σd_t d_t+1 = 0.75 − 0.25 + 0.75
    # = 1.25; Σd² = 5 → 0.25
    assert lag1_autocorrelation(np.array([10.0, 20.0, 30.0, 40.0])) == pytest.approx(0.25)
    # alternating: d = −0.5 0.5 −0.5 0.5 (ranks 1.5 3.5 …) → −0.75/1 = −0.75
    assert lag1_autocorrelation(np.array([1.0, 9.0, 1.0, 9.0])) == pytest.approx(-0.75)
    assert lag1_autocorrelation(np.array([5.0, 5.0, 5.0])) == 0.0


def test_serial_inflation_is_the_ar1_factor_clipped() -> None:
    assert serial_inflation(np.array([10.0, 20.0, 30.0, 40.0])) == pytest.approx(1.25 / 0.75)
    assert serial_inflation(np.array([1.0, 9.0, 1.0, 9.0])) == 1.0  # negative → no correction
    assert serial_inflation(np.arange(1000.0)) == pytest.approx(1.9 / 0.1)  # r ≈ 1 → capped


def test_serial_correction_widens_the_test_and_skips_the_exact_one() -> None:
    x = np.arange(10.0)  # a trend: strongly autocorrelated
    y = np.arange(10.0) + 3.5
    plain, corrected = mann_whitney(x, y), mann_whitney(x, y, serial=True)
    assert plain.method == "exact" and corrected.method == "normal"
    assert corrected.inflation > 1 and corrected.p_value > plain.p_value


# --------------------------------------------------------------------------- compare


# linspace is a trend, i.e. maximally autocorrelated: these cases test the plain test
def test_compare_needs_significance_and_the_effect_floor() -> None:
    stable = np.linspace(95.0, 105.0, 40)
    shifted = stable * 1.2
    d = compare(shifted, stable, alpha=0.01, min_effect_percent=10, serial=False)
    assert d.direction == "higher" and d.significant
    assert d.effect_percent == pytest.approx(20.0, abs=0.5)
    assert d.reason.startswith("canary higher than stable: shift +20")
    # the same data against a 25 % floor: significant but too small to count
    d = compare(shifted, stable, alpha=0.01, min_effect_percent=25, serial=False)
    assert (d.direction, d.significant) == ("same", True)
    assert "below the 25% effect floor" in d.reason


def test_compare_reports_lower_and_not_significant() -> None:
    stable = np.linspace(95.0, 105.0, 40)
    lower = compare(stable * 0.7, stable, alpha=0.01, min_effect_percent=5, serial=False)
    assert lower.direction == "lower" and lower.effect_percent == pytest.approx(-30, abs=1)
    d = compare(stable[::2], stable[1::2], alpha=0.01, min_effect_percent=5, serial=False)
    assert (d.direction, d.significant) == ("same", False)
    assert d.reason.startswith("not significant: p=")


def test_compare_with_a_zero_stable_median() -> None:
    stable = np.zeros(30)
    d = compare(np.full(30, 2.0), stable, alpha=0.01, min_effect_percent=5)
    assert (d.direction, d.effect_percent, d.shift) == ("higher", None, 2.0)
    assert "stable median is zero" in d.reason
    assert compare(np.zeros(30), stable, alpha=0.01, min_effect_percent=5).direction == "same"


def test_compare_refuses_a_meaningless_alpha() -> None:
    with pytest.raises(ValueError):
        compare(np.ones(3), np.ones(3), alpha=0.0, min_effect_percent=5)


# --------------------------------------------------------------------------- acceptance
#
# The runbook's sample sizes: a 10-minute window at a 15 s step gives 40 samples a track,
# at 10 s 60. Latency-like noise: lognormal with σ = 0.15 (≈ 15 % coefficient of variation)
# around 80 ms. Trials are seeded, so the counts below are exact and reproducible; the README
# gives the long-run rates (5,000 trials).

TRIALS = 200


def ar1(rng: np.random.Generator, trials: int, n: int, phi: float, sigma: float) -> np.ndarray:
    """``trials × n`` stationary AR(1) series with marginal standard deviation ``sigma``."""
    shocks = rng.normal(0.0, sigma * math.sqrt(1 - phi * phi), (trials, n))
    out = np.empty((trials, n))
    out[:, 0] = rng.normal(0.0, sigma, trials)
    for i in range(1, n):
        out[:, i] = phi * out[:, i - 1] + shocks[:, i]
    return out


def verdicts(seed: int, n: int, shift: float, floor: float, *, phi: float = 0.0,
             serial: bool = True, trials: int = TRIALS) -> int:
    """How many of ``trials`` canary/stable pairs ``compare`` calls different."""
    rng = np.random.default_rng(seed)
    stable = 80.0 * np.exp(ar1(rng, trials, n, phi, 0.15))
    canary = 80.0 * (1 + shift) * np.exp(ar1(rng, trials, n, phi, 0.15))
    return sum(compare(c, s, alpha=0.01, min_effect_percent=floor, serial=serial).direction
               != "same" for c, s in zip(canary, stable))


@pytest.mark.parametrize("n", [40, 60])
@pytest.mark.parametrize("floor", [10.0, 5.0])  # the canary-10 and canary-25 drift bounds
def test_identical_distributions_are_rarely_called_different(n: int, floor: float) -> None:
    false = verdicts(seed=1000 + n, n=n, shift=0.0, floor=floor)
    assert false <= 0.02 * TRIALS, f"{false}/{TRIALS} false 'different' verdicts"


@pytest.mark.parametrize("n", [40, 60])
@pytest.mark.parametrize("floor", [10.0, 5.0])
def test_a_20_percent_mean_shift_is_detected(n: int, floor: float) -> None:
    found = verdicts(seed=2000 + n, n=n, shift=0.20, floor=floor)
    assert found >= 0.95 * TRIALS, f"only {found}/{TRIALS} shifts detected"


def test_serial_correction_keeps_correlated_noise_from_looking_different() -> None:
    # consecutive points of rate(…[1m]) at a 15 s step: lag-1 autocorrelation ≈ 0.75
    plain = verdicts(seed=3000, n=40, shift=0.0, floor=5.0, phi=0.75, serial=False, trials=400)
    corrected = verdicts(seed=3000, n=40, shift=0.0, floor=5.0, phi=0.75, trials=400)
    assert plain >= 0.2 * 400  # without the correction: about a third look "different"
    assert corrected <= 0.06 * 400
