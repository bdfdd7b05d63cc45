"""The numpy PromQL functions against hand-computed Prometheus 2.x results."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tars_ci.scenario.promql import (
    avg_over_time,
    avg_series,
    bucket_quantile,
    histogram_quantile,
    instant,
    rate,
    sum_series,
)

NAN = math.nan


def last(values: list[float]) -> float:
    """rate(x[5m]) at the last slot of a 60 s series."""
    return float(rate(np.array([values]), 60.0, 5)[0, -1])


def test_rate_over_six_samples_spanning_the_range_does_not_extrapolate() -> None:
    assert last([0, 60, 120, 180, 240, 300]) == pytest.approx(1.0)


def test_rate_adds_the_pre_reset_value_at_a_counter_reset() -> None:
    # increase = (130 − 100) + 220 (the value before the drop) = 250 over 300 s
    assert last([100, 160, 220, 10, 70, 130]) == pytest.approx(250 / 300)


def test_rate_extrapolates_towards_zero_but_not_before_it() -> None:
    # samples at t−120, t−60, t: increase 20 over 120 s; the start extrapolates by
    # min(180 s to the range start, 60 s to where the counter would be zero) = 60 s
    # (below 1.1 × the 60 s spacing), the end by 0: 20 × 180/120 = 30 → /300 s
    assert last([NAN, NAN, NAN, 10, 20, 30]) == pytest.approx(0.1)


def test_rate_extrapolates_half_an_interval_when_the_range_start_is_far() -> None:
    # samples at t−120, t−60, t from 1000: to-zero is far, to-start 180 s ≥ 66 s → +30 s
    assert last([NAN, NAN, NAN, 1000, 1010, 1020]) == pytest.approx(20 * 150 / 120 / 300)


def test_rate_needs_two_samples() -> None:
    assert math.isnan(last([NAN, NAN, NAN, NAN, NAN, 5]))


def test_instant_looks_back_five_minutes_inclusive() -> None:
    out = instant(np.array([[1.0, NAN, NAN, NAN, NAN, NAN, NAN]]), 5)[0]
    assert out[:6].tolist() == [1.0] * 6
    assert math.isnan(out[6])


def test_avg_over_time_averages_present_samples_in_the_window() -> None:
    out = avg_over_time(np.array([[1.0, 0.0, 1.0, NAN, 1.0, 1.0]]), 5)[0]
    assert out[-1] == pytest.approx(4 / 5)
    assert out[0] == 1.0


def test_sum_and_avg_skip_absent_series_and_absent_everywhere_is_nan() -> None:
    values = np.array([[1.0, NAN, NAN], [3.0, 4.0, NAN]])
    assert sum_series(values)[:2].tolist() == [4.0, 4.0]
    assert avg_series(values)[:2].tolist() == [2.0, 4.0]
    assert math.isnan(sum_series(values)[2]) and math.isnan(avg_series(values)[2])


BOUNDS = np.array([0.1, 0.2, math.inf])


@pytest.mark.parametrize(("q", "expected"), [
    (0.5, 0.1),  # rank 50 reached exactly at the first bucket's count
    (0.7, 0.15),  # rank 70: 20 of the 40 observations in (0.1, 0.2]
    (0.95, 0.2),  # rank 95 lies in the +Inf bucket: the highest finite bound
    (0.25, 0.05),  # interpolated from 0 in the first bucket
])
def test_bucket_quantile_interpolates_like_prometheus(q: float, expected: float) -> None:
    counts = np.array([[50.0], [90.0], [100.0]])
    assert bucket_quantile(q, BOUNDS, counts)[0] == pytest.approx(expected)


def test_bucket_quantile_without_observations_is_nan_and_repairs_monotonicity() -> None:
    assert math.isnan(bucket_quantile(0.5, BOUNDS, np.zeros((3, 1)))[0])
    # a bucket count below its predecessor (float noise between series) is raised to it
    assert bucket_quantile(0.5, BOUNDS, np.array([[50.0], [40.0], [100.0]]))[0] == 0.1


def test_histogram_quantile_is_absent_without_the_inf_bucket() -> None:
    rates = np.array([[1.0, 1.0], [2.0, 2.0], [4.0, NAN]])
    out = histogram_quantile(0.5, BOUNDS, rates)
    assert out[0] == pytest.approx(0.2)  # rank 2 reached at the 0.2 bucket's count
    assert math.isnan(out[1])
