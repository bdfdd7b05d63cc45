"""Scraped samples: counters, resets, gaps, instance restarts, histogram shape."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from tars_ci.scenario.catalog import GA, baselines
from tars_ci.scenario.model import CounterReset, Gap, Regression, Scenario, truth
from tars_ci.scenario.promql import bucket_quantile
from tars_ci.scenario.samples import BUCKETS, bucket_cdf, generate, instance_name

H = timedelta(hours=1)
M = timedelta(minutes=1)


def small(*regressions: Regression) -> Scenario:
    return Scenario("t", GA, 1, baselines(), regressions, lead=timedelta(0), seed=3)


def slot(offset: timedelta) -> int:
    return int(offset / M)


def test_series_inventory() -> None:
    samples = generate(small())
    names = {(s.name, dict(s.labels).get("instance"), dict(s.labels).get("code"))
             for s in samples.series if s.name == "http_requests_total"}
    assert len(names) == 3 * 4
    assert len(samples.select("http_request_duration_seconds_bucket")) == 3 * len(BUCKETS)
    assert [dict(s.labels)["component"] for s in samples.select("service_cost_usd_per_hour")] \
        == ["compute", "storage", "network"]
    assert samples.times[0] == GA.timestamp() and len(samples.times) == 1440


def test_counters_only_grow_without_resets() -> None:
    for s in generate(small()).series:
        if s.kind in ("counter", "histogram"):
            assert (np.diff(s.values) >= 0).all(), s.name


def test_counter_reset_restarts_counters_of_that_instance_only() -> None:
    at = 10 * H + timedelta(seconds=30)
    samples = generate(small(CounterReset(at, instance=1)))
    first_after = slot(at) + 1  # the scrape at 10:01 is the first after the restart
    for s in samples.select("http_requests_total", code="200"):
        drops = np.flatnonzero(np.diff(s.values) < 0) + 1
        if dict(s.labels)["instance"] == instance_name("checkout-api", 1):
            assert drops.tolist() == [first_after]
            # half of the 10:00–10:01 interval was served after the restart
            assert 0 < s.values[first_after] < s.values[first_after + 1] - s.values[first_after]
        else:
            assert drops.tolist() == []


def test_restart_with_downtime_misses_scrapes_and_reports_up_zero() -> None:
    at = 3 * H + timedelta(seconds=20)
    samples = generate(small(CounterReset(at, instance=2, down=timedelta(seconds=50))))
    down_slot = slot(at) + 1  # 03:01 falls in [03:00:20, 03:01:10)
    up = samples.select("up", instance=instance_name("checkout-api", 2))[0].values
    assert up[down_slot] == 0.0 and up[down_slot - 1] == 1.0 and up[down_slot + 1] == 1.0
    cpu = samples.select("service_cpu_utilization_ratio",
                         instance=instance_name("checkout-api", 2))[0].values
    assert np.isnan(cpu[down_slot]) and not np.isnan(cpu[down_slot + 1])
    other = samples.select("up", instance=instance_name("checkout-api", 0))[0].values
    assert (other == 1.0).all()


def test_gap_removes_every_sample() -> None:
    samples = generate(small(Gap(2 * H, 4 * H)))
    inside = slice(slot(2 * H), slot(4 * H))
    for s in samples.series:
        assert np.isnan(s.values[inside]).all(), s.name
        assert not np.isnan(s.values[slot(2 * H) - 1]) and not np.isnan(s.values[slot(4 * H)])


def test_instance_gauges_average_to_the_truth() -> None:
    sc = small()
    samples = generate(sc)
    mean = np.mean([s.values for s in samples.select("service_cpu_utilization_ratio")], axis=0)
    np.testing.assert_allclose(100 * mean, truth(sc).signals["cpu_percent"], rtol=1e-12)


def test_histogram_buckets_are_cumulative_and_count_every_request() -> None:
    samples = generate(small())
    inst = instance_name("checkout-api", 0)
    buckets = np.vstack([s.values for s in samples.select(
        "http_request_duration_seconds_bucket", instance=inst)])
    assert (np.diff(buckets, axis=0) >= 0).all()
    count = samples.select("http_request_duration_seconds_count", instance=inst)[0].values
    requests = sum(s.values for s in samples.select("http_requests_total", instance=inst))
    np.testing.assert_array_equal(buckets[-1], count)
    np.testing.assert_array_equal(count, requests)


def test_bucket_cdf_puts_the_interpolated_quantiles_on_target() -> None:
    cdf = bucket_cdf(np.array([0.080, 0.092]), np.array([0.120, 0.212]))
    bounds = np.array(BUCKETS)
    assert bucket_quantile(0.95, bounds, cdf) == pytest.approx([0.080, 0.092], abs=1e-6)
    assert bucket_quantile(0.99, bounds, cdf) == pytest.approx([0.120, 0.212], abs=1e-6)
    assert (np.diff(cdf, axis=0) >= 0).all() and (cdf[-1] == 1).all()
