"""The Prometheus source against a real Prometheus (backfilled scenarios, real sockets)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from tars_ci.errors import SourceUnavailable
from tars_ci.pipeline import queries as spec_queries
from tars_ci.scenario.analytical import EXPRESSIONS, evaluate
from tars_ci.scenario.catalog import GA, demo, faults
from tars_ci.scenario.demo_data import RECORDED_FROM
from tars_ci.scenario.samples import generate
from tars_ci.scenario.tsdb import PrometheusServer
from tars_ci.sources.interface import NoData, Query, Samples, coverage
from tars_ci.sources.prometheus import PrometheusSource
from tars_ci.sources.prometheus.recording import record
from tars_ci.sources.replay import write_replay
from tars_ci.spec import load_spec
from tars_ci.spec.model import SourceSpec

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
STEP = timedelta(seconds=60)
DAY = timedelta(days=1)
QUERIES = [Query(name, promql) for name, promql in EXPRESSIONS.items()]


def source_for(server: PrometheusServer) -> PrometheusSource:
    return PrometheusSource(SourceSpec(url=server.url, step=STEP))


def expected(samples_of: object, start: datetime, end: datetime) -> dict[str, np.ndarray]:
    """The analytical values of every query over [start, end) (NaN = no sample)."""
    samples = generate(samples_of)  # type: ignore[arg-type]
    values = evaluate(samples)
    keep = (samples.times >= start.timestamp()) & (samples.times < end.timestamp())
    return {name: v[keep] for name, v in values.items()}


def as_grid(result: object, start: datetime, points: int) -> np.ndarray:
    out = np.full(points, np.nan)
    if isinstance(result, Samples):
        slots = np.rint((result.timestamps - start.timestamp()) / 60).astype(int)
        out[slots] = result.values
    return out


def assert_same(live: np.ndarray, model: np.ndarray, name: str) -> None:
    np.testing.assert_array_equal(np.isnan(live), np.isnan(model), err_msg=name)
    ok = ~np.isnan(model)
    np.testing.assert_allclose(live[ok], model[ok], rtol=1e-9, atol=1e-12, err_msg=name)


def test_demo_over_eight_days_matches_the_analytical_model(
        demo_prometheus: PrometheusServer) -> None:
    start, end = GA, GA + 8 * DAY
    source = source_for(demo_prometheus)
    try:
        results = source.range_query(QUERIES, start, end, STEP)  # 11,520 points: 2 chunks
    finally:
        source.close()
    model = expected(demo(), start, end)
    for q in QUERIES:
        assert_same(as_grid(results[q.name], start, 11_520), model[q.name], q.name)


def test_bundled_demo_replay_is_exactly_what_recording_the_demo_gives(
        demo_prometheus: PrometheusServer, tmp_path: Path) -> None:
    spec = load_spec(ROOT / "config" / "tars.yaml", {})
    source = source_for(demo_prometheus)
    try:
        rec = record(source, spec_queries(spec), GA, GA + 8 * DAY, STEP)
    finally:
        source.close()
    assert rec.no_data == {} and rec.failed == {}
    out = tmp_path / "demo_replay.json.gz"
    write_replay(out, rec.series, recorded_from=RECORDED_FROM)
    assert out.read_bytes() == (ROOT / "tars_ci" / "demo" / "demo_replay.json.gz").read_bytes()


def test_day_windows_and_one_long_window_agree(demo_prometheus: PrometheusServer) -> None:
    """Chunked stitching over the whole program equals the day-by-day queries."""
    q = [Query("p99_latency_ms", EXPRESSIONS["p99_latency_ms"])]
    source = source_for(demo_prometheus)
    try:
        whole = source.range_query(q, GA, GA + 8 * DAY, STEP)["p99_latency_ms"]
        days = [source.range_query(q, GA + d * DAY, GA + (d + 1) * DAY, STEP)["p99_latency_ms"]
                for d in range(8)]
    finally:
        source.close()
    assert isinstance(whole, Samples) and all(isinstance(d, Samples) for d in days)
    stitched = np.concatenate([d.values for d in days if isinstance(d, Samples)])
    np.testing.assert_array_equal(whole.values, stitched)
    np.testing.assert_array_equal(np.diff(whole.timestamps), np.full(11_519, 60.0))


# --------------------------------------------------------------------------- faults scenario

RESET = GA + timedelta(hours=10)  # instance 1 restarts at 10:00:30 on day 0
GAP = (GA + DAY + timedelta(hours=2), GA + DAY + timedelta(hours=4))


def test_counter_reset_makes_no_fake_spike(faults_prometheus: PrometheusServer) -> None:
    start, end = RESET - timedelta(hours=1), RESET + timedelta(hours=1)
    names = ["slo:availability:total", "error_rate", "availability"]
    source = source_for(faults_prometheus)
    try:
        results = source.range_query([Query(n, EXPRESSIONS[n]) for n in names], start, end,
                                     STEP)
    finally:
        source.close()
    model = expected(faults(), start, end)
    total = as_grid(results["slo:availability:total"], start, 120)
    assert_same(total, model["slo:availability:total"], "total")
    before = total[:50]  # the reset is at slot 60
    # a naive difference would jump by the whole pre-reset count (~10^6 requests); the
    # morning traffic rises ~10 % an hour here, so no step between two slots around the
    # reset may exceed a tenth of the level
    assert np.abs(np.diff(total[50:75])).max() < 0.1 * before.mean()
    errors = as_grid(results["error_rate"], start, 120)
    assert errors.max() < 0.2 and np.isfinite(errors).all()
    availability = as_grid(results["availability"], start, 120)
    assert availability.min() > 99.8


def test_scrape_gap_shows_as_reduced_coverage(faults_prometheus: PrometheusServer) -> None:
    day1 = (GA + DAY, GA + 2 * DAY)
    source = source_for(faults_prometheus)
    try:
        results = source.range_query(QUERIES, *day1, STEP)
    finally:
        source.close()
    # rate()[5m] needs two samples in [t-5m, t]: values stop at 02:04 and resume at 04:01
    # (117 of 1440 points missing); instant gauges and avg_over_time look back 5 minutes:
    # they last until 02:04 and resume at 04:00 (115 missing).
    for name in ("availability", "error_rate", "p99_latency_ms", "slo:availability:total"):
        assert coverage(results[name], *day1, STEP) == pytest.approx((1440 - 117) / 1440)
    for name in ("cpu_percent", "memory_percent", "targets_up_percent",
                 "cost_compute_usd_per_hour"):
        assert coverage(results[name], *day1, STEP) == pytest.approx((1440 - 115) / 1440)
    availability = results["availability"]
    assert isinstance(availability, Samples)
    inside = (availability.timestamps >= GAP[0].timestamp() + 240) & (
        availability.timestamps <= GAP[1].timestamp())
    assert not inside.any()
    model = expected(faults(), *day1)
    for q in QUERIES:
        assert_same(as_grid(results[q.name], day1[0], 1440), model[q.name], q.name)


def test_a_kpi_whose_metric_does_not_exist_is_no_data(
        faults_prometheus: PrometheusServer) -> None:
    missing = Query("queue_depth", 'sum(checkout_queue_depth{job="checkout-api"})')
    source = source_for(faults_prometheus)
    try:
        results = source.range_query([missing, QUERIES[0]], GA, GA + DAY, STEP)
    finally:
        source.close()
    assert results["queue_depth"] == NoData(
        "no series matched between 2026-11-02T00:00:00Z and 2026-11-03T00:00:00Z at "
        f"{faults_prometheus.url}")
    assert isinstance(results[QUERIES[0].name], Samples)


def test_promql_error_from_the_real_server(faults_prometheus: PrometheusServer) -> None:
    source = source_for(faults_prometheus)
    try:
        result = source.range_query([Query("bad", "sum(rate(x[5m])")], GA, GA + DAY, STEP)
    finally:
        source.close()
    bad = result["bad"]
    assert not isinstance(bad, (Samples, NoData))
    assert bad.query == "sum(rate(x[5m])"
    assert bad.message == "bad_data: 1:16: parse error: unclosed left parenthesis"


def test_several_series_from_the_real_server(faults_prometheus: PrometheusServer) -> None:
    source = source_for(faults_prometheus)
    try:
        result = source.range_query([Query("up", 'up{job="checkout-api"}')], GA, GA + DAY,
                                    STEP)["up"]
    finally:
        source.close()
    assert not isinstance(result, (Samples, NoData))
    assert result.message.startswith("returned 3 series where one was expected")
    assert 'instance="checkout-api-0:8080"' in result.message


def test_restart_on_the_same_port_serves_the_same_data(
        prometheus_server_for: object) -> None:
    with prometheus_server_for("faults") as server:  # type: ignore[operator]
        q = [Query("cpu_percent", EXPRESSIONS["cpu_percent"])]
        source = PrometheusSource(SourceSpec(url=server.url, step=STEP, retries=1))
        try:
            before = source.range_query(q, GA, GA + DAY, STEP)["cpu_percent"]
            server.stop()
            with pytest.raises(SourceUnavailable) as info:
                source.range_query(q, GA, GA + DAY, STEP)
            assert server.url in str(info.value)
            server.start()
            after = source.range_query(q, GA, GA + DAY, STEP)["cpu_percent"]
        finally:
            source.close()
    assert isinstance(before, Samples) and isinstance(after, Samples)
    np.testing.assert_array_equal(before.values, after.values)


def test_timestamps_are_utc_grid_points(faults_prometheus: PrometheusServer) -> None:
    start = datetime(2026, 11, 2, 12, 0, 30, tzinfo=timezone.utc)  # off the scrape grid
    source = source_for(faults_prometheus)
    try:
        result = source.range_query([QUERIES[4]], start, start + timedelta(minutes=10),
                                    STEP)[QUERIES[4].name]
    finally:
        source.close()
    assert isinstance(result, Samples)
    assert result.timestamps.tolist() == [start.timestamp() + 60 * i for i in range(10)]
