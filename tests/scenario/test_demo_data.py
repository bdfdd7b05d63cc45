"""The bundled demo replay: the targets of the core issue, small, deterministic, and equal
to the analytical model of the same scenario."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tars_ci.pipeline import queries as spec_queries
from tars_ci.scenario.__main__ import main
from tars_ci.scenario.analytical import QueryMismatch, check_queries, daily_means
from tars_ci.scenario.catalog import GA
from tars_ci.sources.interface import Query
from tars_ci.sources.replay import read_replay
from tars_ci.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "tars_ci" / "demo" / "demo_replay.json.gz"


@pytest.fixture(scope="module")
def means() -> dict[str, list[float | None]]:
    """Day means of every recorded series, plus availability and error rate as the means of
    their per-minute ratios (the spec measures them traffic-weighted from the SLO's
    good/total series, which the file holds; see test_day_4_is_a_peak_hour_incident)."""
    series = read_replay(BUNDLED)
    out = daily_means(series, GA.timestamp(), 8)
    share = 100 * series["slo:availability:good"].values / series["slo:availability:total"].values
    for name, values in (("availability", share), ("error_rate", 100 - share)):
        out[name] = [float(values[d * 1440:(d + 1) * 1440].mean()) for d in range(8)]
    return out


def weighted_error_rate(day_index: int) -> float:
    """The day's error rate as the spec measures it: 100 · Σ(total − good) / Σtotal."""
    series = read_replay(BUNDLED)
    day = slice(day_index * 1440, (day_index + 1) * 1440)
    good = series["slo:availability:good"].values[day]
    total = series["slo:availability:total"].values[day]
    return float(100 * (total.sum() - good.sum()) / total.sum())


def day(means: dict[str, list[float | None]], name: str) -> np.ndarray:
    return np.array(means[name], dtype=float)


def test_bundled_file_is_small_and_complete() -> None:
    assert BUNDLED.stat().st_size < 2_000_000
    series = read_replay(BUNDLED)
    queries = spec_queries(load_spec(ROOT / "config" / "tars.yaml", {}))
    assert sorted(series) == sorted(q.name for q in queries)
    for q in queries:
        rec = series[q.name]
        assert rec.start == GA.timestamp() and rec.step == 60 and len(rec.values) == 8 * 1440
        assert rec.present.all() and rec.query == q.promql


def test_ga_day_baseline(means: dict[str, list[float | None]]) -> None:
    assert day(means, "availability")[0] == pytest.approx(99.95, abs=0.003)
    assert day(means, "error_rate")[0] == pytest.approx(0.05, abs=0.003)
    assert day(means, "p99_latency_ms")[0] == pytest.approx(120, abs=1)
    assert day(means, "p95_latency_ms")[0] == pytest.approx(80, abs=1)
    assert day(means, "targets_up_percent")[0] == 100.0


def test_day_2_tail_latency_incident(means: dict[str, list[float | None]]) -> None:
    p99 = day(means, "p99_latency_ms")
    drift = (p99[2] - p99[0]) / p99[0] * 100
    assert 160 <= p99[2] <= 170 and 33 <= drift <= 42
    assert p99[[1, 3, 4, 5, 6, 7]] == pytest.approx([120] * 6, abs=1)
    assert day(means, "p95_latency_ms")[2] < 0.1 * 80 + 80  # the tail only: p95 drifts < 10 %


def test_day_4_error_rate(means: dict[str, list[float | None]]) -> None:
    errors = day(means, "error_rate")
    assert errors[4] == pytest.approx(0.08, abs=0.002)
    assert errors[5] == pytest.approx(0.05 + 8 * 3 / 24, abs=0.05)  # the 3-hour 8 % burst
    assert all(0.05 <= e <= 0.055 for e in errors[6:])
    np.testing.assert_allclose(day(means, "availability") + errors, 100.0, atol=1e-9)


def test_day_4_is_a_peak_hour_incident(means: dict[str, list[float | None]]) -> None:
    """The errors come with the traffic peak: weighting each minute by its requests gives a
    higher day value than averaging the per-minute ratios (README, "Ratio KPIs")."""
    assert day(means, "error_rate")[4] == pytest.approx(0.0807, abs=5e-5)
    assert weighted_error_rate(4) == pytest.approx(0.0910, abs=5e-5)
    # the day-5 burst (13:00–16:00 UTC) is in the afternoon traffic peak too
    assert day(means, "error_rate")[5] == pytest.approx(1.017, abs=5e-4)
    assert weighted_error_rate(5) == pytest.approx(1.402, abs=5e-4)
    assert weighted_error_rate(0) == pytest.approx(0.0504, abs=5e-5)  # quiet: the two agree
    assert day(means, "error_rate")[0] == pytest.approx(0.0504, abs=5e-5)


def test_cpu_memory_and_cost(means: dict[str, list[float | None]]) -> None:
    np.testing.assert_allclose(day(means, "cpu_percent"), 45.2 + np.arange(8) * 7.1 / 7,
                               atol=2e-3)  # the day-3 restart's stale sample: < 0.002
    np.testing.assert_allclose(day(means, "memory_percent") / 58 - 1,
                               [0, .12, -.15, .18, -.10, .16, -.17, .14], atol=1e-4)
    cost = 24 * np.sum([day(means, f"cost_{c}_usd_per_hour")
                        for c in ("compute", "storage", "network")], axis=0)
    np.testing.assert_allclose(cost, [300, 323.5872, 329.6808, 333.2232, 335.8392, 339.36,
                                      342.2016, 347.9232], atol=1e-6)
    assert cost[1:].mean() == pytest.approx(336, abs=0.05)  # +12 %


def test_targets_up_shows_the_day_3_restart_only(means: dict[str, list[float | None]]) -> None:
    up = day(means, "targets_up_percent")
    # one missed scrape of one of 3 instances: 6 evaluations of avg_over_time see 5/6
    assert up[3] == pytest.approx(100 - 100 * 6 * (1 / 6) / 3 / 1440)
    assert (np.delete(up, 3) == 100).all()


def test_analytical_build_is_deterministic_and_equals_the_bundled_recording(
        tmp_path: Path) -> None:
    a, b = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    spec = str(ROOT / "config" / "tars.yaml")
    assert main(["demo-replay", "--analytical", "--spec", spec, "--out", str(a)]) == 0
    assert main(["demo-replay", "--analytical", "--spec", spec, "--out", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()
    analytical, recorded = read_replay(a), read_replay(BUNDLED)
    for name, rec in recorded.items():
        np.testing.assert_array_equal(analytical[name].present, rec.present)
        np.testing.assert_allclose(analytical[name].values, rec.values, rtol=1e-9, err_msg=name)


def test_spec_queries_are_the_modelled_ones() -> None:
    check_queries(spec_queries(load_spec(ROOT / "config" / "tars.yaml", {})))
    with pytest.raises(QueryMismatch, match="error_rate: the spec's PromQL"):
        check_queries([Query("error_rate", "100 * sum(rate(errors_total[5m]))")])
    with pytest.raises(QueryMismatch, match="no query named 'latency'"):
        check_queries([Query("latency", "x")])
