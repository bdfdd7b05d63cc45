"""The benchmarks: the peers compute what tars-ci computes, the batched anomaly stage equals the
whole fleet scored at once, the ratios and targets are right, and ``python -m bench`` runs at a tiny size.

Benchmarks are not tests: only the smoke run touches the benchmark command, at ``--smoke``
sizes (a few series, 3 fleet KPIs), so it proves the command works, not how fast it is.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bench import analysis, data, fleet, report
from tars_ci.analysis.anomaly import episodes, score
from tars_ci.analysis.batch import block_rows, fleet_episodes
from tars_ci.spec import parse_spec
from tests.harness.fixtures import require_prometheus

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def small_fleet() -> np.ndarray:
    return data.fleet(24)


def test_the_fleet_is_deterministic_with_a_few_scrape_gaps() -> None:
    values = data.fleet(300)
    assert values.shape == (300, 11_520)
    np.testing.assert_array_equal(values, data.fleet(300))
    gappy = np.flatnonzero(np.isnan(values).any(axis=1))
    assert 5 <= len(gappy) <= 25  # GAP_SHARE = 5 % of 300 rows is 15
    for i in gappy.tolist():  # one gap of 10 to 180 minutes each
        missing = np.flatnonzero(np.isnan(values[i]))
        assert 10 <= len(missing) <= 180
        assert missing[-1] - missing[0] == len(missing) - 1
    assert np.nanmin(values) > 0


def test_pandas_reference_computes_what_the_pipeline_computes(small_fleet: np.ndarray) -> None:
    spec = analysis.fleet_spec(len(small_fleet))
    ours = analysis.summary_of_tars(
        spec, analysis.tars_day7(spec, analysis.program_data(spec, small_fleet)))
    theirs = analysis.summary_of_pandas(analysis.pandas_day7(spec, small_fleet))
    # not a vacuous comparison: episodes, several severities and trend directions occur
    assert len(ours.episodes) >= 3
    assert len(set(ours.severity.ravel().tolist())) >= 3
    assert len(set(ours.direction)) >= 2
    np.testing.assert_allclose(theirs.day_values, ours.day_values, rtol=1e-12)
    np.testing.assert_allclose(theirs.drift, ours.drift, rtol=1e-9)
    np.testing.assert_array_equal(theirs.severity, ours.severity)
    assert theirs.direction == ours.direction
    np.testing.assert_allclose(theirs.slope, ours.slope, rtol=1e-9)
    assert theirs.episodes == ours.episodes, (
        "bench/pandas_reference.py no longer matches tars_ci.analysis.anomaly: port the "
        "detector change so the benchmark compares the same computation")


def test_the_pipelines_batched_stage_equals_scoring_the_whole_fleet(small_fleet: np.ndarray) -> None:
    spec = analysis.fleet_spec(len(small_fleet))
    names = [k.name for k in spec.kpis]
    s = spec.thresholds.anomaly
    expected = episodes(names, data.grid(), small_fleet, score(small_fleet, s), s)
    assert expected
    for workers, rows in ((1, 5), (2, 5), (3, 24)):
        assert fleet_episodes(names, data.grid(), small_fleet, s, 60.0, workers=workers,
                              rows=rows) == expected
    with pytest.raises(ValueError, match="values must be"):
        fleet_episodes(names[:-1], data.grid(), small_fleet, s)


def test_block_rows_share_one_scorer_block_between_workers() -> None:
    # BLOCK_CELLS = 2**21 = 2,097,152 cells; 2,097,152 // 11,520 = 182 rows; / 2 workers = 91
    assert block_rows(11_520, 1) == 182
    assert block_rows(11_520, 2) == 91
    assert block_rows(10_000_000, 4) == 1


def test_generated_spec_selects_one_gauge_per_kpi() -> None:
    spec = parse_spec(fleet.fleet_spec_text(3), {"PROMETHEUS_URL": "http://127.0.0.1:9"})
    assert [(k.name, k.query, k.better) for k in spec.kpis] == [
        ("kpi_00000", 'bench_kpi{kpi="00000"}', "lower"),
        ("kpi_00001", 'bench_kpi{kpi="00001"}', "higher"),
        ("kpi_00002", 'bench_kpi{kpi="00002"}', "lower"),
    ]
    assert spec.source.url == "http://127.0.0.1:9"


def _results() -> dict[str, Any]:
    """A hand-made results document: every ratio below is worked out by hand."""
    def row(method: str, seconds: float, peak: int) -> dict[str, Any]:
        return {"method": method, "series": 10, "points": 1000, "raw_bytes": 8000,
                "wall_seconds": [seconds * 2, seconds], "cpu_seconds": [seconds, seconds],
                "data_rss": 8000, "peak_rss": peak, "repeat": 2}

    def fetch(method: str, seconds: float) -> dict[str, Any]:
        return {"spec": "fleet gauges", "kpis": 5, "method": method, "samples": 57_600,
                "repeat": 3, "seconds": seconds}

    return {
        "date": "2026-11-22T00:00:00Z", "command": "python -m bench", "total_seconds": 90.0,
        "setup_seconds": 12.0, "collection_warmup": 1,
        "machine": {"cpu": "CPU", "cores": 2, "memory_gib": 8.0, "os": "Linux",
                    "python": "3.11", "load_average_at_start": [0.5, 0.25, 0.0],
                    "prometheus": "prometheus 2.42",
                    "versions": {"numpy": "2", "pandas": "3", "httpx": "0.28",
                                 "prometheus-api-client": "0.7"}},
        "analysis": [row("tars-ci", 2.0, 40_000), row("pandas", 6.0, 20_000),
                     row("floor", 0.25, 8_000)],
        "collection": [fetch("tars-ci", 1.1), fetch("lower bound (httpx, JSON only)", 1.0),
                       fetch("prometheus-api-client", 4.4)],
        "end_to_end": [{"spec": "example spec", "kpis": 10, "repeat": 3, "seconds": 1.5,
                        "peak_rss": 2**27},
                       {"spec": "generated", "kpis": 1000, "repeat": 1, "seconds": 61.0,
                        "peak_rss": 2**30}],
        "startup": {"repeat": 20, "tars_ci_seconds": 0.09, "python_seconds": 0.03,
                    "ratio": 3.0},
        "scorer": {"points": 1_000_000, "cpu_seconds": 5.0, "points_per_second": 200_000.0,
                   "repeat": 3},
    }


def test_ratios_and_targets_are_judged_from_the_best_runs() -> None:
    results = _results()
    report.derive(results)
    by_method = {r["method"]: r for r in results["analysis"]}
    # best of [4, 2] = 2 s; pandas best 6 s → 3×; floor best 0.25 s → 8×; 40,000 / 8,000 → 5×
    assert by_method["tars-ci"]["seconds"] == 2.0
    assert by_method["tars-ci"]["speedup_vs_pandas"] == 3.0
    assert by_method["tars-ci"]["multiple_of_floor"] == 8.0
    assert by_method["tars-ci"]["rss_ratio"] == 5.0
    assert by_method["tars-ci"]["extra_rss_ratio"] == 4.0  # (40,000 − 8,000) / 8,000
    assert by_method["tars-ci"]["points_per_second"] == 500.0
    fetched = {r["method"]: r for r in results["collection"]}
    assert fetched["tars-ci"]["multiple_of_lower_bound"] == pytest.approx(1.1)
    assert fetched["tars-ci"]["speedup_vs_prometheus_api_client"] == pytest.approx(4.0)
    judged = [(t.name, t.measured, t.met) for t in report.targets(results)]
    assert judged == [
        ("Analysis, 10 series: speed-up vs pandas", "3.00×", True),
        ("Analysis, 10 series: time vs one-pass floor", "8×", False),
        ("Analysis, 10 series: peak RSS vs raw data", "5.00×", False),
        ("Collection, fleet gauges (5 KPIs): time vs lower bound", "1.10×", True),
        ("Collection, fleet gauges (5 KPIs): speed-up vs prometheus-api-client", "4.00×",
         True),
        ("End to end, 1,000 KPIs", "61.0 s", False),
        ("CLI start-up vs bare Python", "3.00×", True),
        ("Anomaly scorer, one core", "200,000 points/s", True),
    ]


def test_markdown_rows_show_the_figures() -> None:
    results = _results()
    report.derive(results)
    text = report.markdown(results)
    assert "in 1.5 min on CPU, 2 cores, 8 GiB RAM (load average at start 0.5, 0.25, 0)" in text
    assert "| Analysis, 10 series: time vs one-pass floor | ≤ 4× | 8× | ✗ |" in text
    assert "| 10 (8 KiB) | tars-ci | 2.0 s | 500 | 3.00× | 8× | 39 KiB | 5.00× | 2 |" in text
    assert "| fleet gauges (5) | tars-ci | 57,600 | 1.1 s | 1.10× | 4.00× | 3 |" in text
    assert "| generated | 1,000 | 61.0 s | 1,024 MiB | 1 |" in text
    assert "| `tars-ci --help` | 90 ms | 20 |" in text
    assert report.secs(0.000087) == "87 µs"


@pytest.mark.integration
def test_the_benchmark_command_runs_at_a_tiny_size(tmp_path: Path) -> None:
    require_prometheus()
    done = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert [(r["series"], r["method"]) for r in results["analysis"]] == [
        (4, "tars-ci"), (4, "pandas"), (4, "floor")]
    assert {r["spec"] for r in results["collection"]} == {"example spec", "fleet gauges"}
    # every method of a spec fetched the same samples: 8 days at 60 s per KPI
    assert {(r["kpis"], r["samples"]) for r in results["collection"]} == {
        (10, 115_200), (3, 34_560)}
    assert [r["kpis"] for r in results["end_to_end"]] == [10, 3]
    fleet = results["releases"]  # 2 releases of the example spec
    assert {(r["requests"], r["samples"]) for r in fleet["collection"]} == {(40, 230_400)}
    assert [r["method"] for r in fleet["collection"]] == [
        "tars-ci, releases in turn", "tars-ci, 8 releases at a time",
        "lower bound (httpx, JSON only)"]
    assert [r["releases"] for r in fleet["end_to_end"]] == [1, 2, 2, 2]
    assert all(r["seconds"] > 0 and r["multiple_of_bound"] > 0 for r in fleet["end_to_end"])
    assert len(results["targets"]) == 10  # 3 analysis, 2 × 2 collection, 3 more
    table = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert table in done.stdout
    assert "| 4 (360 KiB) | floor |" in table
    assert "## 6. A fleet of 2 releases" in table
