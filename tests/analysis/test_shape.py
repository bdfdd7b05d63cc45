"""Trends that name their shape: step, slope, spike, recovered, volatile, stable."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tars_ci.analysis.drift import compare
from tars_ci.analysis.regression import Trend, trend, trend_floor, worst_day
from tars_ci.analysis.shape import classify_shape
from tars_ci.spec.model import DriftThresholds, Kpi
from tests.analysis.core_builders import kpi, ok
from tests.analysis.test_regression import CPU_DAYS, ERROR_DAYS, FLAT_DAYS, MEMORY_DAYS, SPIKE_DAYS

TH = DriftThresholds()
P99 = kpi("p99_latency_ms", unit="ms", limit=250.0)
P95 = kpi("p95_latency_ms", unit="ms")
CPU = kpi("cpu_percent", title="CPU utilisation")
MEMORY = kpi("memory_percent")
ERRORS = kpi("error_rate", limit=1.0)
AVAILABILITY = kpi("availability", "higher", limit=99.9, critical=True)


def fit(k: Kpi, baseline: float, values: Sequence[float | None]) -> Trend:
    return trend(k, baseline, dict(enumerate(values, start=1)), TH, len(values))


def test_a_one_off_step_on_day_3_is_a_step_not_a_daily_slope() -> None:
    t = fit(P95, 100.0, [100.0, 100.0, 112.0, 112.0, 112.0, 112.0, 112.0])
    assert (t.shape, t.step_day, t.step_percent) == ("step", 3, pytest.approx(12.0))
    assert t.summary == "step on day 3: +12.0% (worse), flat after"
    assert t.direction == "increasing"  # the fitted line still rises; the shape says how
    noisy = fit(P95, 100.0, [100.5, 99.5, 112.5, 111.5, 112.0, 112.4, 111.8])
    assert (noisy.shape, noisy.step_day) == ("step", 3)


def test_an_availability_drop_is_reported_in_the_bad_direction() -> None:
    # 99.95 → 98.95 is −1.0 %: far below the 5 % drift floor, but it eats 20× the headroom
    # to the 99.9 % limit, so the floor is half that headroom (0.025 %)
    assert trend_floor(AVAILABILITY, 99.95, TH) == pytest.approx(0.5 * 0.05 / 99.95 * 100)
    t = fit(AVAILABILITY, 99.95, [99.95, 99.95, 98.95, 98.95, 98.95, 98.95, 98.95])
    assert (t.shape, t.step_day) == ("step", 3)
    assert t.summary == "step on day 3: -1.0% (worse), flat after"
    assert t.step_percent == pytest.approx(-100 / 99.95)
    assert (t.worst_day, t.severity, t.regression) == (3, "high", True)  # beyond the limit


def test_availability_noise_is_stable() -> None:
    t = fit(AVAILABILITY, 99.95, [99.951, 99.948, 99.950, 99.949, 99.952, 99.950, 99.947])
    assert (t.shape, t.regression) == ("stable", False)


def test_an_improvement_step_says_better() -> None:
    t = fit(P95, 100.0, [100.0, 100.0, 80.0, 80.0, 80.0, 80.0, 80.0])
    assert t.summary == "step on day 3: -20.0% (better), flat after"
    assert not t.regression


def test_a_steady_slope() -> None:
    t = fit(CPU, 45.2, CPU_DAYS)
    assert t.shape == "slope"
    assert t.summary == "steady slope +2.27%/day (worse), +13.6% over days 1–7"


def test_a_slope_with_a_spike_names_both() -> None:
    t = fit(ERRORS, 0.05, [0.049, 0.0515, 0.05, 0.09, 0.0535, 0.0515, 0.054])  # the demo's
    assert (t.shape, t.spike_day) == ("slope", 4)
    assert t.summary == ("steady slope +1.32%/day (worse), +7.9% over days 1–7; one-day spike "
                         "on day 4: +80.0% (worse)")


def test_a_spike() -> None:
    t = fit(P99, 200.0, SPIKE_DAYS)
    assert (t.shape, t.spike_day) == ("spike", 2)
    assert t.summary == "one-day spike on day 2: +37.0% (worse); stable otherwise"


def test_a_step_that_began_with_a_spike() -> None:
    t = fit(ERRORS, 0.05, ERROR_DAYS)  # 0 0 0 +60 +10 +10 +10
    assert (t.shape, t.step_day, t.spike_day) == ("step", 4, 4)
    assert t.step_percent == pytest.approx(10.0)
    assert t.summary == ("step on day 4: +10.0% (worse), flat after; day 4 itself spiked to "
                         "+60.0% (worse)")


def test_recovered() -> None:
    t = fit(P99, 100.0, [100.0, 140.0, 145.0, 100.0, 101.0, 99.0, 100.0])
    assert (t.shape, t.recovered_day, t.worst_day) == ("recovered", 4, 3)
    assert t.summary == ("recovered: worst +45.0% (worse) on day 3, back within 5% of the GA "
                         "baseline from day 4")
    assert t.regression  # it happened: still ranked, with its worst day
    still = fit(P99, 100.0, [100.0, 140.0, 145.0, 100.0, 101.0, 99.0, 130.0])
    assert still.shape != "recovered"


def test_volatile_and_stable() -> None:
    assert fit(MEMORY, 60.0, MEMORY_DAYS).shape == "volatile"
    assert fit(MEMORY, 60.0, MEMORY_DAYS).summary == "volatile: spread 14.6% around the trend"
    flat = fit(P99, 200.0, FLAT_DAYS)
    assert (flat.shape, flat.summary) == ("stable", "stable (within 5% of the GA baseline's "
                                                    "trend)")


def test_too_little_data_has_no_shape() -> None:
    t = fit(CPU, 50.0, [55.0, None, None])
    assert (t.shape, t.summary) == ("unknown", "too little data for a shape")
    assert classify_shape([], [], direction="unknown", slope=None, spread=None, spike_day=None,
                          floor=5.0, sign=1.0, severe_days=frozenset()).name == "unknown"


def test_the_worst_day_is_one_pair_of_day_and_drift() -> None:
    """Memory swings: the trend's worst day and worst drift are the same day's numbers."""
    t = fit(MEMORY, 60.0, MEMORY_DAYS)
    assert (t.worst_day, t.worst_bad_drift_percent) == (3, pytest.approx(18.0))
    comps = {d: compare(MEMORY, ok(v), ok(60.0), TH) for d, v in
             enumerate(MEMORY_DAYS, start=1) if v is not None}
    day, c = worst_day(comps)
    assert (day, c.bad_drift_percent) == (t.worst_day, t.worst_bad_drift_percent)
    with pytest.raises(ValueError):
        worst_day({})
