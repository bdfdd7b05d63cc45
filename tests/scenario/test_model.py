"""The ground-truth model: regressions add exactly what they say; noise is day-neutral."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from tars_ci.scenario.catalog import (
    GA,
    baselines,
    demo,
    error_burst,
    latency_recovery,
    latency_step,
    noise,
)
from tars_ci.scenario.model import (
    SIGNALS,
    Baseline,
    DayLevels,
    Ramp,
    Scenario,
    Spike,
    Step,
    Truth,
    effect_values,
    truth,
)

S = timedelta(seconds=1)


def values(effect: object, offsets: list[float]) -> list[float]:
    off = np.array(offsets, dtype=float)
    day = np.floor(off / 86400).astype(int)
    return [round(v, 9) for v in effect_values(effect, off, day).tolist()]  # type: ignore[arg-type]


def test_step() -> None:
    assert values(Step("cpu_percent", 60 * S, 2.0), [0, 59, 60, 600]) == [0, 0, 2, 2]


def test_ramp() -> None:
    assert values(Ramp("cpu_percent", 0 * S, 100 * S, 10.0),
                  [-10, 0, 50, 100, 200]) == [0, 0, 5, 10, 10]


def test_spike_has_cosine_edges_inside_its_interval() -> None:
    spike = Spike("p99_ms", 0 * S, 1000 * S, 4.0, edge=100 * S)
    assert values(spike, [-1, 0, 50, 100, 500, 950, 1000, 1100]) == [0, 0, 2, 4, 4, 2, 0, 0]


def flat(**overrides: Baseline) -> dict[str, Baseline]:
    base = {name: Baseline(1.0) for name in SIGNALS}
    base.update(overrides)
    return base


def test_day_levels_give_exact_day_means_without_jumps() -> None:
    levels = (0.0, 5.0, -3.0, 2.0)
    sc = Scenario("t", GA, 4, flat(), (DayLevels("cpu_percent", levels, timedelta(hours=4)),),
                  lead=timedelta(0))
    cpu = truth(sc).signals["cpu_percent"]
    means = cpu.reshape(4, 1440).mean(axis=1) - 1.0
    np.testing.assert_allclose(means, levels, atol=1e-9)
    assert np.abs(np.diff(cpu)).max() < 0.1  # 8 points over 4 h: no step at midnight


def test_noise_has_zero_mean_on_every_day_and_is_seeded() -> None:
    base = flat(memory_percent=Baseline(60.0, diurnal=3.0, noise=2.0))
    sc = Scenario("t", GA, 3, base, lead=timedelta(0))
    mem = truth(sc).signals["memory_percent"]
    np.testing.assert_allclose(mem.reshape(3, 1440).mean(axis=1), [60.0] * 3, atol=1e-9)
    assert mem.std() > 1.5
    np.testing.assert_array_equal(mem, truth(sc).signals["memory_percent"])
    other = truth(sc._replace(seed=1)).signals["memory_percent"]
    assert not np.array_equal(mem, other)


def test_weekend_lowers_requests() -> None:
    sc = Scenario("t", GA, 7, flat(requests_per_second=Baseline(100.0)), lead=timedelta(0))
    rps = truth(sc).signals["requests_per_second"].reshape(7, 1440).mean(axis=1)
    # GA 2026-11-02 is a Monday: days 5 and 6 are Saturday and Sunday
    np.testing.assert_allclose(rps, [100, 100, 100, 100, 100, 85, 85])


def test_unknown_signal_and_bad_levels_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown signal 'latency'"):
        truth(Scenario("t", GA, 1, flat(), (Step("latency", S, 1.0),)))
    with pytest.raises(ValueError, match="needs 1..1 levels"):
        truth(Scenario("t", GA, 1, flat(), (DayLevels("cpu_percent", (0.0, 1.0)),)))
    with pytest.raises(ValueError, match="no baseline for cpu_percent"):
        truth(Scenario("t", GA, 1, {k: v for k, v in baselines().items()
                                    if k != "cpu_percent"}))


def test_demo_truth_hits_the_targets_of_the_core_issue() -> None:
    sc = demo()
    gt = truth(sc)

    def day(name: str) -> np.ndarray:
        return gt.signals[name][60:].reshape(8, 1440).mean(axis=1)  # after the lead hour

    np.testing.assert_allclose(day("cpu_percent"), 45.2 + np.arange(8) * 7.1 / 7, atol=1e-9)
    np.testing.assert_allclose(day("memory_percent") / 58.0 - 1,
                               [0, .12, -.15, .18, -.10, .16, -.17, .14], atol=1e-9)
    cost = 24 * (day("cost_compute") + day("cost_storage") + day("cost_network"))
    np.testing.assert_allclose(cost, [300, 323.5872, 329.6808, 333.2232, 335.8392, 339.36,
                                      342.2016, 347.9232], atol=1e-6)
    assert cost[1:].mean() == pytest.approx(335.9736)
    assert 160 < day("p99_ms")[2] < 170
    assert day("error_percent")[4] == pytest.approx(0.08, abs=5e-4)


def day_means(gt: Truth, name: str) -> np.ndarray:
    """Day 0..7 means of a signal (after the lead hour)."""
    return np.asarray(gt.signals[name][60:].reshape(8, 1440).mean(axis=1))


def test_verdict_scenarios_tell_the_story_their_docstring_tells() -> None:
    burst = truth(error_burst())
    errors = burst.signals["error_percent"][60:].reshape(8, 1440)
    np.testing.assert_allclose(errors[5, 13 * 60 + 5:16 * 60 - 5], 8.0, atol=0.02)
    outside = np.ones((8, 1440), dtype=bool)
    outside[5, 13 * 60:16 * 60] = False
    assert np.abs(errors[outside] - 0.05).max() < 0.02

    step = truth(latency_step())
    np.testing.assert_allclose(day_means(step, "p99_ms"),
                               120 + 75 * np.array([0, 0, 0, 14 / 24, 1, 1, 1, 1]), atol=1e-6)
    np.testing.assert_allclose(day_means(step, "p95_ms"),
                               80 + 45 * np.array([0, 0, 0, 14 / 24, 1, 1, 1, 1]), atol=1e-6)

    recovery = truth(latency_recovery())
    np.testing.assert_allclose(day_means(recovery, "p99_ms"),
                               [120, 120, 195, 195, 120, 120, 120, 120], atol=0.3)
    assert recovery.signals["p99_ms"][60 + 4 * 1440:].max() < 140  # fixed at day 4's midnight

    wobble = truth(noise())
    for name in ("error_percent", "p99_ms", "p95_ms", "cpu_percent", "memory_percent"):
        means = day_means(wobble, name)
        assert np.abs(means / means[0] - 1).max() < 0.07, name
