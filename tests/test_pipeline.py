"""The pipeline on a small synthetic release: catch-up, re-runs, missing data, stages."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from tars_ci.pipeline import RunOptions, finish_program, run_program
from tars_ci.reports.paths import ReleasePaths
from tars_ci.sources.interface import Query, QueryResult
from tars_ci.sources.replay import RecordedSeries, ReplaySource
from tars_ci.spec import parse_spec

GA = datetime(2026, 11, 2, tzinfo=timezone.utc)
STEP = 600  # 10-minute samples keep the test fast
SPEC_TEXT = """
version: 1
release: {name: shop v1, ga_time: "2026-11-02T00:00:00Z", days: 7}
schedule: {settle: 30m}
source: {kind: replay, path: unused.json, step: 10m}
kpis:
  error_rate: {query: e, unit: percent, better: lower, critical: true, weight: 50, limit: 1.0}
  p99_latency_ms: {query: p, unit: ms, better: lower, critical: true, weight: 30, limit: 250}
  cpu_percent: {query: c, unit: percent, better: lower, weight: 20}
slos:
  latency: {objective: 99.0, threshold: {kpi: p99_latency_ms, max: 250}}
priorities:
  severity: {critical: P1, high: P1, medium: P2, low: P3}
  bands:
    error_rate: {P0: 5.0, P1: 2.0, P2: 1.0}
"""
SPEC = parse_spec(SPEC_TEXT, {})


def day_levels(**overrides: dict[int, float | None]) -> dict[str, list[float | None]]:
    """Per-KPI daily levels for days 0..7; None = no samples that day."""
    levels: dict[str, list[float | None]] = {
        "error_rate": [0.05] * 8, "p99_latency_ms": [120.0] * 8, "cpu_percent": [45.0] * 8}
    for kpi, days in overrides.items():
        for day, value in days.items():
            levels[kpi][day] = value
    return levels


def replay(levels: dict[str, list[float | None]]) -> ReplaySource:
    """A replay source whose samples sit on each day's level with tiny deterministic noise."""
    n = 8 * 86400 // STEP
    per_day = 86400 // STEP
    rng = np.random.default_rng(7)
    series = {}
    for name, days in levels.items():
        values = np.full(n, np.nan)
        present = np.zeros(n, dtype=bool)
        for d, level in enumerate(days):
            if level is None:
                continue
            chunk = slice(d * per_day, (d + 1) * per_day)
            values[chunk] = level * (1 + 0.002 * rng.standard_normal(per_day))
            present[chunk] = True
        series[name] = RecordedSeries(GA.timestamp(), float(STEP), values, present, {}, "")
    return ReplaySource(series, origin="synthetic")


def after_day(day: int) -> datetime:
    return GA + timedelta(days=day + 1, minutes=30)


def run(tmp_path: Path, now: datetime, source: ReplaySource | None = None, **kw):
    return run_program(SPEC, source or replay(day_levels()), tmp_path, RunOptions(now=now, **kw))


def paths(tmp_path: Path) -> ReleasePaths:
    return ReleasePaths.under(tmp_path, "shop-v1")


def test_catch_up_writes_only_the_missing_closed_days_then_nothing(tmp_path: Path):
    first = run(tmp_path, after_day(2))
    assert first.days_processed == (0, 1, 2)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*.json")}

    # day 5 has started but not closed: days 3 and 4 are due, day 5 is not
    second = run(tmp_path, GA + timedelta(days=5, hours=12))
    assert second.days_processed == (3, 4)
    assert paths(tmp_path).recorded_days() == {0, 1, 2, 3, 4}
    assert not paths(tmp_path).day_summary(5).exists()
    for path, data in before.items():  # recorded days are not rewritten
        if "anomalies" not in path.parts:
            assert path.read_bytes() == data, path

    third = run(tmp_path, GA + timedelta(days=5, hours=12))
    assert third.days_processed == () and third.written == ()


def test_settle_delay_holds_back_a_day_that_just_closed(tmp_path: Path):
    result = run(tmp_path, GA + timedelta(days=1, minutes=29))
    assert result.days_processed == ()
    assert run(tmp_path, GA + timedelta(days=1, minutes=30)).days_processed == (0,)


def test_force_recomputes_a_recorded_day_and_only_that_day(tmp_path: Path):
    run(tmp_path, after_day(3))
    result = run(tmp_path, after_day(3), force=True, days=frozenset({2}))
    assert result.days_processed == (2,)


def test_a_kpi_without_samples_is_no_data_and_never_a_score(tmp_path: Path):
    run(tmp_path, after_day(2), replay(day_levels(p99_latency_ms={2: None})))
    day2 = json.loads(paths(tmp_path).day_summary(2).read_text())
    p99 = day2["metrics_comparison"]["p99_latency_ms"]
    assert p99["status"] == "no_data" and p99["value"] is None and p99["drift_percent"] is None
    finding = next(f for f in day2["findings"] if f["id"] == "p99_latency_ms:no_data")
    assert finding["priority"] == "P1"  # a critical KPI without data
    assert day2["data_coverage"]["kpis_no_data"] == ["p99_latency_ms"]
    # a missing KPI is left out of the score: it neither lowers nor raises it, and a day
    # without its critical KPI is insufficient_data, never a band
    health = json.loads(paths(tmp_path).health(2).read_text())
    line = next(c for c in health["breakdown"] if c["kpi"] == "p99_latency_ms")
    assert (line["status"], line["penalty"], line["points_lost"]) == ("no_data", 0.0, 0.0)
    assert line["explanation"].startswith("not scored (no data for the day)")
    assert day2["health_band"] == health["band"] == "insufficient_data"
    worst = tmp_path / "worst"
    run(worst, after_day(2), replay(day_levels(p99_latency_ms={2: 10_000.0})))
    worst_day2 = json.loads(paths(worst).day_summary(2).read_text())
    assert worst_day2["health_score"] < day2["health_score"]
    assert worst_day2["health_band"] != "insufficient_data"


def test_day_summary_has_the_runbook_fields_and_jq_paths(tmp_path: Path):
    run(tmp_path, after_day(4), replay(day_levels(p99_latency_ms={3: 170.0})))
    day3 = json.loads(paths(tmp_path).day_summary(3).read_text())
    assert {"metrics_comparison", "drift_analysis", "rollback_recommendation", "findings",
            "health_score", "schema_version", "window"} <= set(day3)
    p99 = day3["metrics_comparison"]["p99_latency_ms"]
    assert p99["severity"] == "high" and p99["status"] == "fail"
    assert p99["drift_percent"] == pytest.approx(41.67, abs=0.5)
    assert day3["window"] == {"start": "2026-11-05T00:00:00Z", "end": "2026-11-06T00:00:00Z"}
    health = json.loads(paths(tmp_path).health(3).read_text())
    assert {"health_score", "band", "breakdown", "degradations", "mitigation_plan"} <= set(health)
    assert [d["kpi"] for d in health["degradations"]] == ["p99_latency_ms"]


def test_program_end_writes_regression_and_retro_once(tmp_path: Path):
    result = run(tmp_path, after_day(7))
    assert result.complete and result.retro_written
    p = paths(tmp_path)
    assert p.regression.is_file() and p.retro_md.is_file() and p.retro_json.is_file()
    again = run(tmp_path, after_day(9))
    assert again.days_processed == () and again.written == () and again.complete
    # a deleted retrospective is rebuilt from the committed history alone
    p.retro_md.unlink()
    p.retro_json.unlink()
    assert set(finish_program(SPEC, tmp_path)) == {p.retro_md, p.retro_json}


def test_a_source_failure_before_any_write_leaves_no_files(tmp_path: Path):
    from tars_ci.errors import SourceUnavailable

    class Down:
        def range_query(self, queries: list[Query], start, end, step) -> dict[str, QueryResult]:
            raise SourceUnavailable("http://127.0.0.1:9", "connection refused")

        def close(self) -> None:
            pass

    with pytest.raises(SourceUnavailable):
        run_program(SPEC, Down(), tmp_path, RunOptions(now=after_day(3)))
    assert list(tmp_path.rglob("*")) == []
