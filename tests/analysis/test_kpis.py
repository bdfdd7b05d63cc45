"""kpis.measure: one value per KPI and day, never a fake number for missing data."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tars_ci.analysis.kpis import format_value, measure
from tars_ci.sources.interface import NoData, QueryFailed, Samples
from tests.analysis.core_builders import kpi


def samples(*values: float) -> Samples:
    return Samples(np.arange(len(values), dtype=np.float64) * 60.0,
                   np.array(values, dtype=np.float64), {"job": "x"})


@pytest.mark.parametrize(("aggregate", "values", "expected"), [
    ("mean", (1.0, 2.0, 3.0, 4.0), 2.5),
    ("median", (5.0, 1.0, 3.0), 3.0),
    ("median", (4.0, 1.0, 3.0, 2.0), 2.5),
    ("min", (5.0, -1.0, 3.0), -1.0),
    ("max", (5.0, -1.0, 3.0), 5.0),
    ("p95", tuple(float(i) for i in range(101)), 95.0),  # 0..100: linear percentile
    ("p99", tuple(float(i) for i in range(101)), 99.0),
    ("p95", (10.0, 20.0), 19.5),  # 10 + 0.95 · 10
    ("last", (1.0, 7.0, 2.0), 2.0),
])
def test_each_aggregate_reduces_the_finite_samples(aggregate: str, values: tuple[float, ...],
                                                   expected: float) -> None:
    m = measure(kpi("lat", aggregate=aggregate), samples(*values), 200)
    assert m.status == "ok"
    assert m.value == pytest.approx(expected)
    assert m.samples == len(values)
    assert m.reason == ""


def test_coverage_is_finite_samples_over_expected_points() -> None:
    m = measure(kpi(), samples(1.0, 2.0, 3.0, 4.0), 8)
    assert (m.kpi, m.status, m.value, m.coverage, m.samples) == ("k", "ok", 2.5, 0.5, 4)


def test_coverage_is_capped_at_one() -> None:
    assert measure(kpi(), samples(1.0, 1.0, 1.0, 1.0, 1.0), 4).coverage == 1.0


def test_non_finite_samples_are_dropped_and_said() -> None:
    m = measure(kpi(), samples(1.0, math.nan, math.inf, -math.inf, 3.0), 10)
    assert m.status == "ok"
    assert m.value == 2.0  # mean of 1 and 3 only
    assert m.samples == 2
    assert m.coverage == pytest.approx(0.2)
    assert m.reason == "dropped 3 non-finite samples (NaN/±Inf) of 5"


def test_one_dropped_sample_reads_singular() -> None:
    assert measure(kpi(), samples(1.0, math.nan), 2).reason == \
        "dropped 1 non-finite sample (NaN/±Inf) of 2"


def test_last_is_the_last_finite_sample() -> None:
    assert measure(kpi(aggregate="last"), samples(1.0, 4.0, math.nan), 3).value == 4.0


def test_all_nan_is_no_data_not_zero() -> None:
    m = measure(kpi(), samples(math.nan, math.nan), 2)
    assert (m.status, m.value, m.coverage, m.samples) == ("no_data", None, 0.0, 0)
    assert m.reason == "no data: all 2 samples were non-finite (NaN/±Inf)"


def test_empty_series_is_no_data() -> None:
    m = measure(kpi(), samples(), 10)
    assert (m.status, m.value) == ("no_data", None)
    assert "empty series" in m.reason


def test_no_data_keeps_the_source_reason() -> None:
    m = measure(kpi(), NoData("no series matched in [t0, t1)"), 1440)
    assert (m.status, m.value, m.coverage, m.samples) == ("no_data", None, 0.0, 0)
    assert m.reason == "no data: no series matched in [t0, t1)"


def test_query_failure_is_an_error_with_query_and_message() -> None:
    m = measure(kpi(), QueryFailed("rate(x[5m]", "parse error: unclosed left bracket"), 1440)
    assert (m.status, m.value, m.coverage) == ("error", None, 0.0)
    assert m.reason == ("query failed: parse error: unclosed left bracket "
                        "(query: rate(x[5m])")


def test_overflowing_reduction_is_an_error_not_infinity() -> None:
    m = measure(kpi(), samples(1e308, 1e308), 2)
    assert (m.status, m.value) == ("error", None)
    assert "overflowed" in m.reason


def test_expected_points_must_be_positive() -> None:
    with pytest.raises(ValueError, match="expected_points"):
        measure(kpi(), samples(1.0), 0)


@pytest.mark.parametrize(("value", "unit", "text"), [
    (0.08, "percent", "0.08%"), (165.0, "ms", "165.0 ms"), (12.5, "usd_per_hour", "$12.50/h"),
    (3.0, "rps", "3.00 rps"), (None, "ms", "n/a"), (1234567.0, "", "1,234,567.0"),
    (0.0803, "percent", "0.0803%"), (58.0, "percent", "58.00%"),
])
def test_format_value(value: float | None, unit: str, text: str) -> None:
    assert format_value(value, unit) == text
