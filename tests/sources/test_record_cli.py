"""``tars-ci record`` against a real Prometheus."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tars_ci.cli import main
from tars_ci.scenario.tsdb import PrometheusServer
from tars_ci.sources.replay import read_replay

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
MISSING_KPI = """kpis:
  queue_depth:
    query: sum(checkout_queue_depth{job="checkout-api"})
    unit: count
    better: lower
"""


def spec_file(tmp_path: Path, extra_kpi: str = "", retries: int = 3) -> Path:
    text = (ROOT / "config" / "tars.yaml").read_text(encoding="utf-8")
    text = text.replace("  timeout: 30s\n", f"  timeout: 30s\n  retries: {retries}\n", 1)
    if extra_kpi:
        text = text.replace("kpis:\n", extra_kpi, 1)
    path = tmp_path / "tars.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_record_two_days_with_a_gap_and_a_missing_kpi(
        faults_prometheus: PrometheusServer, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "faults.json.gz"
    code = main(["record", "--spec", str(spec_file(tmp_path, MISSING_KPI)),
                 "--from", "2026-11-02T00:00:00Z", "--to", "2026-11-04T00:00:00Z",
                 "--out", str(out)], env={"PROMETHEUS_URL": faults_prometheus.url})
    err = capsys.readouterr().err
    assert code == 0, err
    assert ("warning: queue_depth: no data (no series matched between 2026-11-02T00:00:00Z and "
            "2026-11-04T00:00:00Z at " + faults_prometheus.url + "); left out of the file") in err
    series = read_replay(out)
    # availability and error rate are ratio KPIs over the SLO's good/total: no series of
    # their own
    assert sorted(series) == sorted([
        "p95_latency_ms", "p99_latency_ms", "cpu_percent",
        "memory_percent", "targets_up_percent", "cost_compute_usd_per_hour",
        "cost_storage_usd_per_hour", "cost_network_usd_per_hour", "slo:availability:good",
        "slo:availability:total"])
    total = series["slo:availability:total"]
    assert total.start == 1793577600.0 and total.step == 60.0
    assert len(total.values) == 2880
    assert int(total.present.sum()) == 2880 - 117  # the 2-hour scrape gap on day 1
    assert total.query.startswith("sum(rate(http_requests_total")


def test_record_defaults_to_the_program_window(
        faults_prometheus: PrometheusServer, tmp_path: Path) -> None:
    out = tmp_path / "all.json"
    code = main(["record", "--spec", str(spec_file(tmp_path)), "--out", str(out), "-q"],
                env={"PROMETHEUS_URL": faults_prometheus.url})
    assert code == 0
    cpu = read_replay(out)["cpu_percent"]
    assert len(cpu.values) == 8 * 1440  # GA day + 7 days; the scenario has data for 2
    assert int(cpu.present.sum()) == 2880 - 115 + 5  # gap; 5 minutes of lookback after the end
    assert np.isnan(cpu.values[~cpu.present]).all()


def test_record_from_a_stopped_server_exits_3_naming_the_url_and_writes_nothing(
        prometheus_server_for: object, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "never.json.gz"
    with prometheus_server_for("faults") as server:  # type: ignore[operator]
        server.stop()
        code = main(["record", "--spec", str(spec_file(tmp_path, retries=0)), "--out",
                     str(out), "--from", "2026-11-02T00:00:00Z", "--to", "2026-11-02T01:00:00Z"],
                    env={"PROMETHEUS_URL": server.url})
    err = capsys.readouterr().err
    assert code == 3
    assert (f"error: metrics source {server.url} is unavailable: cannot connect ([Errno 111] "
            "Connection refused) (gave up after 1 attempt)") in err
    assert not out.exists() and list(tmp_path.glob("*.tmp")) == []


def test_record_refuses_to_write_when_a_query_fails(
        faults_prometheus: PrometheusServer, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    broken = MISSING_KPI.replace('sum(checkout_queue_depth{job="checkout-api"})', "sum(rate(x)")
    out = tmp_path / "x.json"
    code = main(["record", "--spec", str(spec_file(tmp_path, broken)), "--out", str(out),
                 "--from", "2026-11-02T00:00:00Z", "--to", "2026-11-02T01:00:00Z"],
                env={"PROMETHEUS_URL": faults_prometheus.url})
    err = capsys.readouterr().err
    assert code == 2
    assert "error: queue_depth: query failed: bad_data: " in err
    assert f"1 of 11 queries failed; {out} not written" in err
    assert not out.exists()


def test_record_rejects_an_empty_window(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["record", "--spec", str(spec_file(tmp_path)), "--out", str(tmp_path / "x"),
                 "--from", "2026-11-03T00:00:00Z", "--to", "2026-11-02T00:00:00Z"], env={})
    assert code == 2
    assert ("nothing to record: --to (2026-11-02T00:00:00Z) is not after --from "
            "(2026-11-03T00:00:00Z)") in capsys.readouterr().err


def test_record_rejects_a_bad_timestamp(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["record", "--spec", str(spec_file(tmp_path)), "--out", str(tmp_path / "x"),
                 "--from", "yesterday"], env={})
    assert code == 2
    assert "error: --from: must be an ISO 8601 timestamp" in capsys.readouterr().err
