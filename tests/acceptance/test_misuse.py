"""Issue 13's misuse cases that belong to verdicts: a job that must not be green.

Against the real Prometheus (the ``noise`` scenario, whose plain run is green: exit 0, see
test_verdicts): a critical KPI without data all week, a KPI whose query the server refuses, an
SLO whose query the server refuses. On recorded data (no server needed): a day recommended
for rollback with only P2/P3 findings.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from tars_ci.cli import main
from tars_ci.scenario.tsdb import PrometheusServer
from tars_ci.sources.replay import RecordedSeries, write_replay
from tests.acceptance.conftest import Run, spec_with, tars_run

# Parses, and fails when the server evaluates it: `on(job)` matches three instances × four
# codes on each side (a classic many-to-many mistake). Prometheus answers 422 "execution:
# found duplicate series for the match group … many-to-many matching not allowed".
MANY_TO_MANY = ('http_requests_total{job="checkout-api"} / on(job) '
                'http_requests_total{job="checkout-api"}')
SERVER_SAYS = "many-to-many matching not allowed"


@pytest.mark.integration
def test_a_critical_kpi_without_data_all_week_is_p1_no_data_and_fails_the_job(
        noise_prometheus: PrometheusServer, tmp_path: Path) -> None:
    spec = spec_with(tmp_path, kpis="""
  queue_depth:
    title: Queue depth
    query: sum(checkout_queue_depth{job="checkout-api"})
    unit: count
    better: lower
    critical: true
    weight: 5
""")
    run = tars_run(noise_prometheus.url, tmp_path / "reports", spec)
    assert run.code == 1
    assert run.load("ga_kpis/ga_kpi_summary.json")["kpis"]["queue_depth"]["value"] is None
    for n, summary in run.days().items():
        missing = [f for f in summary["findings"] if f["kpi"] == "queue_depth"]
        assert [(f["id"], f["kind"], f["priority"]) for f in missing] == \
            [("queue_depth:no_data", "no_data", "P1")], n
        comparison = summary["metrics_comparison"]["queue_depth"]
        assert (comparison["status"], comparison["value"]) == ("no_data", None), n
        # never a score: the band says the day cannot be judged, whatever the other KPIs say
        assert summary["health_band"] == "insufficient_data", n
    assert "day 1: P1 Queue depth: no data on day 1" in run.out
    final = run.retro()["final_recommendation"]
    assert final["decision"] == "insufficient_data"


@pytest.mark.integration
def test_a_kpi_whose_query_fails_is_a_p1_query_error_with_the_servers_message(
        noise_prometheus: PrometheusServer, tmp_path: Path) -> None:
    spec = spec_with(tmp_path, kpis=f"""
  matched_requests:
    title: Matched requests
    query: {MANY_TO_MANY}
    unit: ratio
    better: lower
    weight: 5
""")
    run = tars_run(noise_prometheus.url, tmp_path / "reports", spec)
    assert run.code == 1
    baseline = run.load("ga_kpis/ga_kpi_summary.json")["kpis"]["matched_requests"]
    assert baseline["value"] is None and SERVER_SAYS in baseline["reason"]
    for n, summary in run.days().items():
        found = [f for f in summary["findings"] if f["kpi"] == "matched_requests"]
        assert [(f["id"], f["kind"], f["priority"]) for f in found] == \
            [("matched_requests:query_error", "query_error", "P1")], n
        assert SERVER_SAYS in found[0]["detail"], n
        comparison = summary["metrics_comparison"]["matched_requests"]
        assert comparison["status"] == "error" and SERVER_SAYS in comparison["reason"], n
    assert "day 1: P1 Matched requests: query error on day 1" in run.out


@pytest.mark.integration
def test_a_failed_slo_query_is_an_error_with_its_message_not_no_data(
        noise_prometheus: PrometheusServer, tmp_path: Path) -> None:
    spec = spec_with(tmp_path, slos=f"""
  checkout_success:
    objective: 99.5
    window: 30d
    ratio:
      good: {MANY_TO_MANY}
      total: sum(rate(http_requests_total{{job="checkout-api"}}[5m]))
""")
    run = tars_run(noise_prometheus.url, tmp_path / "reports", spec)
    assert run.code == 1
    for n, summary in run.days().items():
        sli = summary["slo"]["checkout_success"]
        assert sli["status"] == "error", n
        assert sli["reason"].startswith("good query failed: ") and SERVER_SAYS in sli["reason"]
        assert MANY_TO_MANY in sli["reason"]  # the query that failed, as written
        found = [f for f in summary["findings"] if f["kpi"] == "checkout_success"]
        assert [(f["id"], f["kind"], f["priority"]) for f in found] == \
            [("slo:checkout_success:query_error", "query_error", "P1")], n
        assert SERVER_SAYS in found[0]["detail"], n
        assert summary["slo"]["availability"]["status"] == "ok", n  # the other SLO is fine
    slo = next(s for s in run.retro()["slos"] if s["name"] == "checkout_success")
    assert [d["status"] for d in slo["by_day"]] == ["error"] * 7
    assert slo["compliant"] is None and slo["budget_consumed_percent"] is None


# --------------------------------------------------------------------------- recorded data

GA = datetime(2026, 11, 2, tzinfo=timezone.utc)
STEP = 600.0
SPEC = """
version: 1
release: {{name: shop v1, ga_time: "2026-11-02T00:00:00Z", days: 7}}
schedule: {{settle: 30m}}
source: {{kind: replay, path: replay.json, step: 10m}}
kpis:
  error_rate: {{query: e, unit: percent, better: lower, critical: true, weight: 50, limit: 1.0}}
  p99_latency_ms: {{query: p, unit: ms, better: lower, critical: true, weight: 30, limit: 250}}
  cpu_percent: {{query: c, unit: percent, better: lower, weight: 20}}
priorities:
  severity: {{critical: P1, high: P1, medium: P2, low: P3}}
  bands:
    error_rate: {{P0: 5.0, P1: 2.0, P2: 1.0}}
  fail_level: P1
  fail_on_rollback: {fail_on_rollback}
"""
# Error rate creeping up a point of the baseline a day: +20 %, +40 % of 0.05 % — far from the
# 1 % limit, so the headroom caps each day at medium (P2), but it worsens by more than the
# notable step (10 points) every day, so day 3's decision tree says rollback.
ERROR_RATE = [0.05, 0.05, 0.06, 0.07]


def creeping_error_rate(folder: Path) -> None:
    """Days 0–3 of ``shop v1`` as recorded data: error rate creeping, the rest flat."""
    per_day = int(86400 / STEP)
    rng = np.random.default_rng(5)
    levels = {"e": ERROR_RATE, "p": [120.0] * 4, "c": [45.0] * 4}
    series = {}
    for name, days in zip(("error_rate", "p99_latency_ms", "cpu_percent"), levels.values()):
        values = np.repeat(days, per_day) * (1 + 0.001 * rng.standard_normal(4 * per_day))
        series[name] = RecordedSeries(GA.timestamp(), STEP, values,
                                      np.ones(values.size, dtype=bool), {}, name)
    write_replay(folder / "replay.json", series)


@pytest.mark.parametrize("fail_on_rollback", [True, False])
def test_a_rollback_day_with_only_p2_findings_fails_the_job(tmp_path: Path,
                                                            fail_on_rollback: bool) -> None:
    creeping_error_rate(tmp_path)
    spec = tmp_path / "tars.yaml"
    spec.write_text(SPEC.format(fail_on_rollback=str(fail_on_rollback).lower()), "utf-8")
    day2 = main(["run", "--spec", str(spec), "--now", "2026-11-05T01:00:00Z", "--reports",
                 str(tmp_path / "reports"), "-q"], {})
    assert day2 == 0  # days 0–2: one P2 finding on day 2, nothing to fail on
    run = Run(main(["run", "--spec", str(spec), "--now", "2026-11-06T01:00:00Z", "--reports",
                    str(tmp_path / "reports"), "-q"], {}), "", tmp_path / "reports", "shop-v1")
    summary = run.load("stability/day_03_summary.json")
    assert summary["rollback_recommendation"]["decision"] == "rollback"
    assert summary["rollback_recommendation"]["rules"] == ["worsening"]
    assert [(f["id"], f["priority"]) for f in summary["findings"]] == \
        [("error_rate:degradation", "P2")]
    assert run.code == (1 if fail_on_rollback else 0)
