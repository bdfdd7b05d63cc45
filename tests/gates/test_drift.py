"""The two drift checks (window and recent part), then the issue's statistical acceptance:
seeded trials with autocorrelated samples like a ``rate(…[1m])`` at a 15 s step."""

from __future__ import annotations

import numpy as np
import pytest

from tars_ci.gates.drift import recent_check, relative_drift, window_check

# 40 values around 100 in a scrambled (not trending) order: 17 is coprime with 40
BASE = 100.0 + 3.0 * (((np.arange(40) * 17) % 40) - 19.5) / 19.5


def test_relative_drift_in_the_bad_direction() -> None:
    assert relative_drift(110.0, 100.0, "lower") == (pytest.approx(10.0), pytest.approx(10.0))
    assert relative_drift(90.0, 100.0, "lower") == (pytest.approx(-10.0), 0.0)
    assert relative_drift(90.0, 100.0, "higher") == (pytest.approx(-10.0), pytest.approx(10.0))
    assert relative_drift(0.0, 0.0, "lower") == (0.0, 0.0)
    assert relative_drift(2.0, 0.0, "lower") == (None, float("inf"))


def test_the_window_check_needs_the_drift_and_a_real_shift() -> None:
    canary = BASE * 1.3
    check = window_check(canary, BASE, (canary.mean(), BASE.mean()), limit=10, better="lower",
                         alpha=0.01)
    assert check.failed and check.drift_percent == pytest.approx(30.0)
    assert check.reason.startswith("drifts +30.0% from stable (allowed < 10%), and the shift "
                                   "is real: canary higher than stable")
    assert check.reason.endswith("< 0.005")  # alpha/2: the recent check has the other half
    better = window_check(BASE * 0.7, BASE, (70.0, 100.0), limit=10, better="lower",
                          alpha=0.01)
    assert not better.failed and better.bad_percent == 0.0


def test_the_window_check_sees_a_ramp_as_a_shift() -> None:
    # the case: a ramp from +20 % to +80 % over the window, fully above stable
    canary = np.linspace(84.0, 126.0, 40) + (BASE - 100.0) * 0.2
    stable = 70.0 + (BASE - 100.0) * 0.2
    check = window_check(canary, stable, (canary.mean(), stable.mean()), limit=10,
                         better="lower", alpha=0.01)
    assert check.failed
    assert check.difference.p_value < 1e-6


def test_the_recent_check_catches_a_fresh_step() -> None:
    stable = 70.0 + (BASE - 100.0) * 0.2  # ±0.6 ms
    canary = stable.copy()
    canary[-8:] *= 1.2  # the last two minutes at +20 %
    window = window_check(canary, stable, (canary.mean(), stable.mean()), limit=10,
                          better="lower", alpha=0.01)
    recent = recent_check(canary[-8:], stable, (canary[-8:].mean(), stable[-8:].mean()),
                          limit=10, better="lower", alpha=0.01)
    assert not window.failed  # a fifth of the window: the whole says +4 %
    assert recent.failed and recent.drift_percent == pytest.approx(20.0, abs=1.0)
    assert recent.reason.startswith("drifts +20.")
    assert "beyond noise: one-sided p=" in recent.reason
    assert "worse than stable +10% (n=8/40) < 0.0025" in recent.reason


def test_the_recent_check_ignores_a_step_within_noise_or_of_the_whole_service() -> None:
    stable = 70.0 * BASE / 100.0  # ±3 % noise
    canary = stable[::-1].copy()
    canary[-8:] *= 1.11  # 11 % over, but the noisy stable reaches into it
    recent = recent_check(canary[-8:], stable, (canary[-8:].mean(), stable[-8:].mean()),
                          limit=10, better="lower", alpha=0.01)
    assert not recent.failed
    assert "10% or more, but within noise: one-sided p=" in recent.reason
    # both tracks 30 % up in the last minutes: no drift between them, so no failure
    both = stable.copy()
    both[-8:] *= 1.3
    shifted = recent_check(both[-8:] * 1.01, both, (both[-8:].mean() * 1.01, both[-8:].mean()),
                           limit=10, better="lower", alpha=0.01)
    assert not shifted.failed and shifted.drift_percent == pytest.approx(1.0)


def test_the_recent_check_in_the_higher_is_better_direction() -> None:
    stable = 99.9 + (BASE - 100.0) * 0.01
    canary = stable[-8:] * 0.8
    check = recent_check(canary, stable, (canary.mean(), stable[-8:].mean()), limit=10,
                         better="higher", alpha=0.01)
    assert check.failed and check.drift_percent == pytest.approx(-20.0)
    assert "worse than stable −10%" in check.reason


# --------------------------------------------------------------------------- acceptance
#
# Samples like a Prometheus range query of rate(…[1m]) at a 15 s step: each sample averages
# the last four 15 s scrape intervals, each interval lognormal with σ = 0.14 — so each sample
# has about 7 % noise and lag-1/2/3 autocorrelation ≈ 0.75/0.5/0.25, the overlap of the rate
# windows. 40 samples a track is a 10-minute window, 60 one at a 10 s step. The drift
# judgement is the gate's: the window check and the recent check (the last 8 samples), each
# at alpha/2 = 0.005. "Different" counts either direction (the gate only holds on the bad
# one). Trials are seeded, so the counts are exact; README gives rates over 1,000 trials at
# other noise levels.

TRIALS = 200
SCRAPE_SIGMA = 0.14


def rate_like(rng: np.random.Generator, trials: int, n: int, sigma: float) -> np.ndarray:
    """``trials × n`` samples, each the mean of the last four lognormal scrape intervals."""
    scrapes = np.exp(rng.normal(0.0, sigma, (trials, n + 3)))
    total = np.cumsum(np.concatenate([np.zeros((trials, 1)), scrapes], axis=1), axis=1)
    return (total[:, 4:] - total[:, :-4]) / 4.0


def flagged(canary: np.ndarray, stable: np.ndarray, limit: float,
            directions: tuple[str, ...] = ("lower", "higher")) -> bool:
    """Whether the gate's drift judgement calls the tracks different in ``directions``."""
    for better in directions:
        window = window_check(canary, stable, (canary.mean(), stable.mean()), limit=limit,
                              better=better, alpha=0.01)  # type: ignore[arg-type]
        recent = recent_check(canary[-8:], stable, (canary[-8:].mean(), stable[-8:].mean()),
                              limit=limit, better=better, alpha=0.01)  # type: ignore[arg-type]
        if window.failed or recent.failed:
            return True
    return False


def trials(seed: int, n: int, shift: float, limit: float,
           directions: tuple[str, ...] = ("lower", "higher"), count: int = TRIALS,
           sigma: float = SCRAPE_SIGMA) -> int:
    rng = np.random.default_rng(seed)
    stable = 80.0 * rate_like(rng, count, n, sigma)
    canary = 80.0 * (1 + shift) * rate_like(rng, count, n, sigma)
    return sum(flagged(c, s, limit, directions) for c, s in zip(canary, stable))


def rates(count: int = 1000, sigmas: tuple[float, ...] = (0.10, 0.14, 0.16, 0.20)) -> None:
    """Print the README's table: false "different" and 20 % detection at other noise levels
    (``python -c "from tests.gates.test_drift import rates; rates()"``, a few minutes)."""
    for sigma in sigmas:
        for n in (40, 60):
            cells = []
            for limit in (10.0, 5.0):
                false = trials(1000 + n, n, 0.0, limit, count=count, sigma=sigma)
                found = trials(2000 + n, n, 0.2, limit, ("lower",), count=count, sigma=sigma)
                cells.append(f"{false / count:.1%} false, {found / count:.1%} caught")
            print(f"sigma {sigma:.2f}, n={n}: bound 10%: {cells[0]}; bound 5%: {cells[1]}")


def test_the_samples_are_as_correlated_as_a_1m_rate_at_15s() -> None:
    x = rate_like(np.random.default_rng(7), 400, 40, SCRAPE_SIGMA)
    d = x - x.mean(axis=1, keepdims=True)
    lag1 = float(np.mean(np.sum(d[:, 1:] * d[:, :-1], axis=1) / np.sum(d * d, axis=1)))
    assert 0.6 < lag1 < 0.8
    assert 0.06 < float(np.mean(x.std(axis=1) / x.mean(axis=1))) < 0.08


@pytest.mark.parametrize("n", [40, 60])
@pytest.mark.parametrize("limit", [10.0, 5.0])  # the canary-10 and canary-25 drift bounds
def test_identical_autocorrelated_tracks_are_rarely_called_different(n: int,
                                                                      limit: float) -> None:
    false = trials(seed=1000 + n, n=n, shift=0.0, limit=limit)
    assert false <= 0.02 * TRIALS, f"{false}/{TRIALS} false 'different' verdicts"


@pytest.mark.parametrize("n", [40, 60])
@pytest.mark.parametrize("limit", [10.0, 5.0])
def test_a_20_percent_shift_is_caught(n: int, limit: float) -> None:
    found = trials(seed=2000 + n, n=n, shift=0.20, limit=limit, directions=("lower",))
    assert found >= 0.95 * TRIALS, f"only {found}/{TRIALS} shifts caught"


def test_without_the_serial_correction_correlated_noise_looks_different() -> None:
    from tars_ci.gates.statistics import compare

    rng = np.random.default_rng(3000)
    stable = 80.0 * rate_like(rng, TRIALS, 40, SCRAPE_SIGMA)
    canary = 80.0 * rate_like(rng, TRIALS, 40, SCRAPE_SIGMA)
    plain = sum(compare(c, s, alpha=0.005, min_effect_percent=5, serial=False).direction
                != "same" for c, s in zip(canary, stable))
    corrected = sum(compare(c, s, alpha=0.005, min_effect_percent=5).direction != "same"
                    for c, s in zip(canary, stable))
    assert plain >= 0.1 * TRIALS and corrected <= 0.02 * TRIALS
