"""VictoriaMetrics, the second real Prometheus-API backend: ``tars-ci run`` on it gives the
findings it gives on Prometheus, and its point limit and response cache are what the source
settings assume.

Where the figures may differ, and by how much (README, "Backends"):

- ``rate()``/``increase()``: VictoriaMetrics does not extrapolate and counts the increase from
  the last sample before the window. On the scenarios' evenly spaced scrapes, which fall on
  the evaluation steps, both give the same number; across a counter reset or a scrape gap they
  part by far less than :data:`RATE_TOLERANCE`.
- staleness: Prometheus keeps a series' last sample for 5 minutes; VictoriaMetrics for about
  one scrape interval, and ``rate()`` reaches back across a gap. Around a scrape gap a few
  steps more or fewer have a value: :data:`COVERAGE_TOLERANCE` of a day.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from tars_ci.cli import main
from tars_ci.scenario.tsdb import PrometheusServer
from tars_ci.sources.interface import Query, Samples
from tars_ci.sources.prometheus import PrometheusSource
from tars_ci.spec.model import SourceSpec
from tests.harness.victoria import VictoriaMetricsServer

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SLUG = "checkout-api-v2-4-0"
GA = datetime(2026, 11, 2, tzinfo=timezone.utc)
STEP = timedelta(seconds=60)
RATE_TOLERANCE = 1e-3  # relative, for KPIs computed from rate() (README, "Backends")
COVERAGE_TOLERANCE = 0.005  # of a day (7 of 1,440 steps), around a scrape gap
RATE_KPIS = {"availability", "error_rate", "p95_latency_ms", "p99_latency_ms"}


def run(tmp_path: Path, name: str, url: str, backend: str, now: str) -> tuple[int, Path]:
    text = (ROOT / "config" / "tars.yaml").read_text(encoding="utf-8")
    spec = tmp_path / f"{name}.yaml"
    line = next(x for x in text.splitlines() if x.startswith("  backend: "))
    spec.write_text(text.replace(line, f"  backend: {backend}", 1), encoding="utf-8")
    out = tmp_path / name
    code = main(["run", "--spec", str(spec), "--now", now, "--reports", str(out), "-q"],
                env={"PROMETHEUS_URL": url})
    return code, out / SLUG


def load(root: Path, relative: str) -> Any:
    return json.loads((root / relative).read_text(encoding="utf-8"))


def same_figures(prom: dict[str, Any], vm: dict[str, Any], where: str) -> None:
    """Every KPI's status and coverage alike, values equal (within RATE_TOLERANCE for rate()
    KPIs, COVERAGE_TOLERANCE where a scrape gap moves the edges)."""
    assert prom.keys() == vm.keys(), where
    for kpi, p in prom.items():
        v = vm[kpi]
        assert p["status"] == v["status"], (where, kpi)
        assert abs(p["coverage"] - v["coverage"]) <= COVERAGE_TOLERANCE, (where, kpi)
        if p["value"] is None:
            assert v["value"] is None, (where, kpi)
        elif kpi in RATE_KPIS:
            assert v["value"] == pytest.approx(p["value"], rel=RATE_TOLERANCE), (where, kpi)
        else:
            assert v["value"] == pytest.approx(p["value"], rel=1e-3), (where, kpi)


def test_run_on_victoriametrics_gives_the_findings_of_prometheus(
        demo_prometheus: PrometheusServer, demo_victoriametrics: VictoriaMetricsServer,
        tmp_path: Path) -> None:
    now = "2026-11-10T01:00:00Z"  # the whole program is due
    prom_code, prom = run(tmp_path, "prometheus", demo_prometheus.url, "prometheus", now)
    vm_code, vm = run(tmp_path, "victoriametrics", demo_victoriametrics.url, "victoriametrics",
                      now)
    assert prom_code == vm_code == 1  # the day-2 p99 finding is P1
    same_figures(load(prom, "ga_kpis/ga_kpi_summary.json")["kpis"],
                 load(vm, "ga_kpis/ga_kpi_summary.json")["kpis"], "day 0")
    differ = []
    for day in range(1, 8):
        name = f"stability/day_{day:02d}_summary.json"
        p, v = load(prom, name), load(vm, name)
        assert [(f["id"], f["severity"], f["priority"]) for f in v["findings"]] == \
            [(f["id"], f["severity"], f["priority"]) for f in p["findings"]], name
        assert v["rollback_recommendation"] == p["rollback_recommendation"], name
        assert (v["health_score"], v["health_band"]) == (p["health_score"], p["health_band"])
        same_figures(p["metrics_comparison"], v["metrics_comparison"], name)
        differ += [(day, k) for k, c in p["metrics_comparison"].items()
                   if c["value"] != v["metrics_comparison"][k]["value"]]
    # only rate() KPIs ever differ, on the day of the counter reset (instance 2, day 3)
    assert differ and {k for _, k in differ} <= RATE_KPIS and {d for d, _ in differ} == {3}
    assert any(f["kpi"] == "p99_latency_ms"
               for f in load(vm, "stability/day_02_summary.json")["findings"])
    retro = "output/GA_7DAY_RETROSPECTIVE.json"
    assert load(vm, retro)["action_items"] == load(prom, retro)["action_items"]


def test_a_counter_reset_and_a_scrape_gap_stay_within_the_stated_tolerance(
        faults_prometheus: PrometheusServer, faults_victoriametrics: VictoriaMetricsServer,
        tmp_path: Path) -> None:
    now = "2026-11-04T01:00:00Z"  # days 0 and 1: the reset and the 2-hour gap
    prom_code, prom = run(tmp_path, "prometheus", faults_prometheus.url, "prometheus", now)
    vm_code, vm = run(tmp_path, "victoriametrics", faults_victoriametrics.url,
                      "victoriametrics", now)
    assert prom_code == vm_code
    same_figures(load(prom, "ga_kpis/ga_kpi_summary.json")["kpis"],
                 load(vm, "ga_kpis/ga_kpi_summary.json")["kpis"], "day 0")
    p, v = (load(r, "stability/day_01_summary.json") for r in (prom, vm))
    assert [f["id"] for f in v["findings"]] == [f["id"] for f in p["findings"]]
    same_figures(p["metrics_comparison"], v["metrics_comparison"], "day 1")
    # the gap is seen by both (about 2 of 24 hours missing), at slightly different edges
    cover = {k: (c["coverage"], v["metrics_comparison"][k]["coverage"])
             for k, c in p["metrics_comparison"].items()}
    assert all(0.9 < a < 0.93 and 0.9 < b < 0.93 for a, b in cover.values()), cover
    assert any(a != b for a, b in cover.values())


class Counting(httpx.HTTPTransport):
    """A real transport that remembers every request's parameters."""

    def __init__(self) -> None:
        super().__init__()
        self.params: list[dict[str, str]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.params.append(dict(request.url.params))
        return super().handle_request(request)


def test_the_point_limit_is_victoriametrics_own(
        demo_victoriametrics: VictoriaMetricsServer) -> None:
    start, end = GA, GA + 40_000 * STEP
    too_many = httpx.get(f"{demo_victoriametrics.url}/api/v1/query_range", params={
        "query": "vector(1)", "start": str(start.timestamp()),
        "end": str(end.timestamp() - 60), "step": "60"})
    assert too_many.status_code == 422 and "30000" in too_many.text  # its limit is real
    transport = Counting()
    source = PrometheusSource(SourceSpec(url=demo_victoriametrics.url, step=STEP,
                                         backend="victoriametrics"), transport=transport)
    try:
        result = source.range_query([Query("one", "vector(1)")], start, end, STEP)["one"]
    finally:
        source.close()
    assert isinstance(result, Samples) and len(result.values) == 40_000
    assert len(transport.params) == 2  # 30,000 + 10,000 points, not 4 × 11,000


def test_an_unaligned_window_stays_in_place(demo_victoriametrics: VictoriaMetricsServer) -> None:
    start = GA + timedelta(hours=5, seconds=17)
    query = 'sum(rate(http_requests_total{job="checkout-api"}[5m]))'
    shifted = httpx.get(f"{demo_victoriametrics.url}/api/v1/query_range", params={
        "query": query, "start": str(start.timestamp()),
        "end": str(start.timestamp() + 3600), "step": "60"}).json()
    first = shifted["data"]["result"][0]["values"][0][0]
    assert first != start.timestamp() and first % 60 == 0  # VM moved the window for its cache
    for align in (False, True):
        transport = Counting()
        source = PrometheusSource(SourceSpec(url=demo_victoriametrics.url, step=STEP,
                                             backend="victoriametrics", align=align),
                                  transport=transport)
        try:
            result = source.range_query([Query("rps", query)], start, start + 60 * STEP,
                                        STEP)["rps"]
        finally:
            source.close()
        assert isinstance(result, Samples) and len(result.values) == 60
        if align:  # the multiples of the step inside the window; no cache bypass needed
            assert result.timestamps[0] == start.timestamp() + 43
            assert "nocache" not in transport.params[0]
        else:  # start + k·step exactly, the cache bypassed
            assert result.timestamps[0] == start.timestamp()
            assert transport.params[0]["nocache"] == "1"
