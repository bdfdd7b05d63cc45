"""Mann–Whitney U, Hodges–Lehmann, the effect floor and the bounded serial correction:
hand-computed cases and p-values pinned against scipy (computed offline)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tars_ci.gates.statistics import (
    average_ranks,
    compare,
    critical_z,
    detrended_autocorrelation,
    hodges_lehmann,
    mann_whitney,
    max_inflation,
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


def test_detrended_autocorrelation_sees_noise_not_the_trend() -> None:
    # ranks on a straight line leave no residual: nothing to correlate
    assert detrended_autocorrelation(np.linspace(100.0, 140.0, 40)).tolist() == [0.0] * 10
    assert detrended_autocorrelation(np.full(12, 5.0)).tolist() == [0.0] * 3
    # alternating around a line: residual ranks ±, lag-1 strongly negative, lag-2 positive
    rho = detrended_autocorrelation(np.arange(16.0) + np.where(np.arange(16) % 2, 3.0, -3.0))
    assert rho[0] < -0.5 and rho[1] > 0.5
    assert detrended_autocorrelation(np.arange(3.0)).size == 0  # n // 4 lags


def test_serial_inflation_sums_positive_autocorrelations_around_the_trend() -> None:
    assert serial_inflation(np.linspace(0.0, 1.0, 40)) == 1.0  # a clean ramp: no correction
    assert serial_inflation(np.array([1.0, 9.0] * 10)) == 1.0  # ρ₁ < 0: stop at once
    # a slow wave on a trend: the trend is removed, the wave's correlation counted
    t = np.arange(40.0)
    wavy = serial_inflation(t + 8.0 * np.sin(t / 3.0))
    assert 3.0 < wavy < 1 + 2 * 10  # bounded by the lags summed (n // 4 = 10)


def test_critical_z_and_the_bound_on_the_inflation() -> None:
    # scipy.stats.norm.isf(0.005) and norm.isf(0.0025)
    assert critical_z(0.01) == pytest.approx(2.575829303548901, abs=1e-12)
    assert critical_z(0.005) == pytest.approx(2.8070337683438042, abs=1e-12)
    with pytest.raises(ValueError):
        critical_z(1.0)
    # complete separation at n = 20 a side: z = (200 − ½)/√(400·41/12) = 5.3966;
    # the bound is (5.3966/2.5758)² · 0.999 = 4.3848
    assert max_inflation(20, 20, 0.01) == pytest.approx(4.384847837, abs=1e-9)
    assert max_inflation(40, 40, 0.01) == pytest.approx(8.911370694, abs=1e-9)
    assert max_inflation(2, 2, 0.01) == 1.0  # never significant, so nothing to bound


@pytest.mark.parametrize("n", [20, 21, 25, 30, 40, 60, 80])
@pytest.mark.parametrize("alpha", [0.01, 0.005, 0.001])
def test_complete_separation_of_20_or_more_a_side_is_always_significant(
        n: int, alpha: float) -> None:
    # the worst case for the correction: both tracks V-shaped (detrending leaves the V, whose
    # residual ranks are as correlated as they get)
    v = np.abs(np.arange(n) - (n - 1) / 2.0)
    canary, stable = 200.0 + v, 100.0 - v
    d = compare(canary, stable, alpha=alpha, min_effect_percent=10)
    assert d.test.inflation <= max_inflation(n, n, alpha)
    assert d.significant and d.direction == "higher" and d.p_value < alpha
    # whatever the estimate, the largest inflation allowed keeps it significant
    worst = mann_whitney(canary, stable, inflation=max_inflation(n, n, alpha))
    assert alpha * 0.95 < worst.p_value < alpha  # just significant: the bound is tight


def test_serial_correction_widens_the_test_and_skips_the_exact_one() -> None:
    t = np.arange(10.0)
    x = np.sin(t / 2.0)  # a slow wave: positively correlated around its trend
    y = np.sin(t / 2.0 + 1.0) + 0.6
    plain, corrected = mann_whitney(x, y), compare(x, y, alpha=0.01, min_effect_percent=0)
    assert plain.method == "exact" and corrected.test.method == "normal"
    assert corrected.test.inflation > 1 and corrected.p_value > plain.p_value
    with pytest.raises(ValueError):
        mann_whitney(x, y, inflation=0.5)


# --------------------------------------------------------------------------- references
#
# Reference p-values computed once, offline, with scipy 1.17.1 and statsmodels 0.15.0
# (independent implementations of each step), not with this module:
#   U and the uncorrected p:  scipy.stats.mannwhitneyu(x, y, method="asymptotic"; "exact" for
#                             the 20-a-side cases, which this module tests exactly too)
#   each track's factor:      r = scipy.stats.rankdata(v); e = scipy.signal.detrend(r);
#                             ρ = statsmodels.tsa.stattools.acf(e, nlags=n//4, adjusted=False,
#                             fft=False)[1:], the initial run of ρ_k > 0;
#                             f₀ = 1 + 2·Σ(1 − k/n)·ρ_k; f = 1 + 2·Σ(1 − k/n)·(ρ_k + 2·f₀/n)
#   the bound:                ((mn/2 − ½)/√(mn(N+1)/12) / scipy.stats.norm.isf(α/2))² · 0.999
#   the corrected p:          2·norm.sf((|U − mn/2| − ½)/√(mn(N+1)/12 · f))
# with f = min((n·f_x + m·f_y)/(m + n), bound).


def wave(n: int, base: float, amp: float, phase: float) -> np.ndarray:
    """A slow wave plus a scrambled jitter: positively autocorrelated, no ties."""
    t = np.arange(n)
    return base + amp * np.sin(0.3 * t + phase) + 0.05 * amp * ((t * 17) % 11 - 5)


V20 = 2 * np.abs(np.arange(20) - 9.5)
V_SHAPES = (100 + V20 + wave(20, 0, 0.5, 0.3), 70 - V20 + wave(20, 0, 0.5, 1.3))
STEP = np.r_[wave(20, 80, 1, 0.1), wave(20, 100, 1, 0.5)]
REFERENCES = {  # name: (canary, stable, alpha, U, plain p, f_canary, f_stable, bounded, p)
    "noisy": (wave(40, 100, 4, 0.0), wave(40, 98, 4, 1.3), 0.01,
              1120.0, 0.002109333615, 8.24650385, 8.180294685, False, 0.2833844152),
    "ramp": (np.linspace(100, 140, 40) + wave(40, 0, 1, 0.4), wave(40, 70, 1, 2.0), 0.01,
             1600.0, 1.435085306e-14, 1.0, 7.23628024, False, 0.0001500301082),
    "step": (np.r_[wave(20, 70, 1, 0.1), wave(20, 90, 1, 0.5)], wave(40, 70, 1, 2.2), 0.01,
             1214.0, 6.923321984e-05, 8.006772429, 7.251322804, False, 0.1497117266),
    "separated": (STEP, wave(40, 70, 1, 2.2), 0.01,
                  1600.0, 1.435085306e-14, 8.006772429, 7.251322804, False, 0.005347880293),
    "separated, bounded": (STEP, wave(40, 70, 1, 2.2), 0.005,
                           1600.0, 1.435085306e-14, 8.006772429, 7.251322804, True,
                           0.004978241486),
    "v-shapes at 0.01": (*V_SHAPES, 0.01, 400.0, 1.4508889103849684e-11, 7.529182883,
                         7.529182883, True, 0.009962788028),
    "v-shapes at 0.005": (*V_SHAPES, 0.005, 400.0, 1.4508889103849684e-11, 7.529182883,
                          7.529182883, True, 0.004978241486),
}


@pytest.mark.parametrize("name", list(REFERENCES))
def test_p_values_match_the_independent_reference(name: str) -> None:
    canary, stable, alpha, u, plain, f_canary, f_stable, bounded, p = REFERENCES[name]
    assert serial_inflation(canary) == pytest.approx(f_canary, rel=1e-9)
    assert serial_inflation(stable) == pytest.approx(f_stable, rel=1e-9)
    uncorrected = mann_whitney(canary, stable)
    assert uncorrected.u == u
    assert uncorrected.p_value == pytest.approx(plain, rel=1e-8)
    d = compare(canary, stable, alpha=alpha, min_effect_percent=0)
    assert d.p_value == pytest.approx(p, rel=1e-8)
    assert d.test.bounded == bounded


def test_exact_p_values_match_scipy() -> None:
    # scipy.stats.mannwhitneyu(x, y, method="exact").pvalue
    r = mann_whitney(np.array([1.5, 3, 4.5, 8, 9, 12]), np.array([2, 5, 6, 7, 10, 11.5, 13]))
    assert (r.u, r.method, r.p_value) == (16.0, "exact", pytest.approx(0.5337995337995338))
    r = mann_whitney(np.arange(10.0), np.arange(10.0) + 20)
    assert r.p_value == pytest.approx(1.082508822446903e-05, rel=1e-12)
    recent = (wave(8, 84, 1, 0.3), wave(40, 70, 1, 1.1) * 1.10)
    assert mann_whitney(*recent).p_value == pytest.approx(5.300133382626694e-09, rel=1e-9)


def test_the_issues_ramp_is_now_a_real_shift() -> None:
    # the issue: a ramp fully above stable came out direction 'same', p = 0.078
    d = compare(np.linspace(100, 140, 40), np.linspace(69, 71, 40), alpha=0.01,
                min_effect_percent=10)
    assert (d.direction, d.significant) == ("higher", True)
    assert d.p_value == pytest.approx(1.435085306e-14, rel=1e-8)  # scipy, asymptotic


def test_a_steeper_ramp_is_more_significant_not_less() -> None:
    t = np.arange(40.0)
    stable = wave(40, 70, 1, 2.0)
    noise = wave(40, 0, 1, 0.4)
    p = [compare(70 * (1.1 + slope * t / 39) + noise, stable, alpha=0.01,
                 min_effect_percent=10).p_value for slope in (0.0, 0.2, 0.5, 0.8)]
    assert p == sorted(p, reverse=True) and p[-1] < p[0] and p[-1] < 1e-3


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
