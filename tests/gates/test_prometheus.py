"""Acceptance against the real Prometheus: the example spec's gates over generated rollouts.

Each rollout is backfilled (promtool) into one TSDB in its own 2-hour block, and one
``prometheus`` serves them on a free loopback port. ``tars-ci gate`` runs in-process with
config/tars.yaml and ``--prometheus-url``, at the end of a stage (or, for the ramp, at every
half minute of it) over the last 10 minutes.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tars_ci.cli import main
from tars_ci.scenario.tsdb import PrometheusServer, backfill
from tests.gates.canary_data import STAGES, Change, Rollout, generate
from tests.harness.fixtures import require_prometheus

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "tars.yaml"
BASE = datetime(2026, 11, 3, 0, 0, tzinfo=timezone.utc)  # 2-hour aligned


def block(n: int) -> datetime:
    return BASE + timedelta(hours=2 * n)


ROLLOUTS = {
    "healthy": Rollout(block(0), seed=11),
    "no_5xx_yet": Rollout(block(1), error_percent=0.0, seed=12),
    "p95_up_30": Rollout(block(2), p95=Change("canary-25", 0, 1.3, 1.3), seed=13),
    "errors_6": Rollout(block(3), errors=("canary-10", 0, 6.0), seed=14),
    "errors_6_last_minute": Rollout(block(4), errors=("canary-10", 14, 6.0), seed=15),
    # the issue's ramp: p95 from ×1.2 to ×1.8 over canary-10's last 10 minutes
    "ramp": Rollout(block(5), p95=Change("canary-10", 5, 1.2, 1.8), seed=16),
    "14_requests": Rollout(block(6), canary_rps=14 / 600, seed=17),
    "3_of_10_minutes": Rollout(block(7), canary_from=12, seed=18),
    "no_canary": Rollout(block(8), canary_from=10_000, seed=19),
    "memory": Rollout(block(9), canary_memory=("canary-10", 2.6e9), seed=20),
}


@pytest.fixture(scope="module")
def prometheus() -> Iterator[PrometheusServer]:
    require_prometheus()
    root = Path(tempfile.mkdtemp(prefix="tars-gates-"))
    try:
        for rollout in ROLLOUTS.values():
            backfill(generate(rollout), root / "tsdb")
        with PrometheusServer(root / "tsdb") as server:
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)


def gate(server: PrometheusServer, tmp: Path, rollout: str, stage: str,
         now: datetime | None = None) -> tuple[int, dict[str, Any]]:
    out = tmp / f"{rollout}-{stage}.json"
    at = now or ROLLOUTS[rollout].stage_end(stage)
    code = main(["gate", "--spec", str(EXAMPLE), "--stage", stage, "--now",
                 at.strftime("%Y-%m-%dT%H:%M:%SZ"), "--window", "10m", "--out", str(out),
                 "--prometheus-url", server.url, "-q"], {})
    return code, json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.parametrize("rollout", ["healthy", "no_5xx_yet"])
def test_a_healthy_canary_promotes_at_every_stage(prometheus: PrometheusServer, tmp_path: Path,
                                                   rollout: str) -> None:
    for stage, share in STAGES:
        code, verdict = gate(prometheus, tmp_path, rollout, stage)
        assert (code, verdict["decision"]) == (0, "promote"), (stage, verdict["reasons"])
        rows = verdict["criteria"]
        assert {r["status"] for r in rows.values()} == {"pass"}
        p95 = rows["p95_latency_ms:threshold"]
        assert p95["value"] == pytest.approx(70.0, rel=0.05)
        assert p95["canary_samples"] == 40 and p95["coverage"] == 1.0
        assert rows["availability:threshold"]["value"] > 99.9
        assert rows["restarts:threshold"]["value"] == 0.0
        assert rows["memory:threshold"]["value"] == pytest.approx(1.35e9, abs=0.1e9)
        assert rows["memory:threshold"]["scale"] == "GB"
        expected = 2000 * share / 100 * 600
        assert rows["requests"]["value"] == pytest.approx(expected, rel=0.1)
        # at 100 % there is no stable track left, and no drift criterion needs one
        assert ("p95_latency_ms:drift" in rows) == (stage in ("canary-10", "canary-25",
                                                              "canary-50"))
        if rollout == "no_5xx_yet":  # the 5xx series was never born: 0 %, not "no data"
            assert rows["error_rate:threshold"]["value"] == 0.0
            assert rows["availability:threshold"]["value"] == 100.0


def test_a_p95_30_percent_above_stable_holds_at_the_25_percent_stage(
        prometheus: PrometheusServer, tmp_path: Path) -> None:
    for stage in ("canary-1", "canary-10"):
        assert gate(prometheus, tmp_path, "p95_up_30", stage)[0] == 0, stage
    code, verdict = gate(prometheus, tmp_path, "p95_up_30", "canary-25")
    assert (code, verdict["decision"]) == (1, "hold")
    drift = verdict["criteria"]["p95_latency_ms:drift"]
    assert drift["status"] == "fail"
    assert drift["drift_percent"] == pytest.approx(30.0, abs=4.0)
    assert drift["p_value"] < 0.005
    assert verdict["criteria"]["p95_latency_ms:threshold"]["status"] == "pass"  # 91 < 100
    assert [r.split(": ")[0] for r in verdict["reasons"]] == ["p95_latency_ms:drift",
                                                              "p95_latency_ms:drift:recent"]
    assert "from stable (allowed < 5%), and the shift is real" in verdict["reasons"][0]


def test_an_error_rate_step_to_6_percent_rolls_back(prometheus: PrometheusServer,
                                                    tmp_path: Path) -> None:
    assert gate(prometheus, tmp_path, "errors_6", "canary-1")[0] == 0
    code, verdict = gate(prometheus, tmp_path, "errors_6", "canary-10")
    assert (code, verdict["decision"]) == (1, "rollback")
    rows = verdict["criteria"]
    assert rows["error_rate:threshold"]["value"] == pytest.approx(6.0, abs=0.5)
    assert rows["availability:threshold"]["value"] == pytest.approx(94.0, abs=0.5)
    assert all("past the rollback bound" in r for r in verdict["reasons"])


def test_a_6_percent_error_step_in_the_last_minute_rolls_back(prometheus: PrometheusServer,
                                                              tmp_path: Path) -> None:
    code, verdict = gate(prometheus, tmp_path, "errors_6_last_minute", "canary-10")
    assert (code, verdict["decision"]) == (1, "rollback")
    rows = verdict["criteria"]
    # over the window the minute is averaged away; the recent part sees it
    assert rows["error_rate:threshold"]["value"] < 1.5
    assert rows["error_rate:threshold:recent"]["value"] == pytest.approx(6.0, abs=1.0)
    rollback = [r for r in verdict["reasons"] if "past the rollback bound" in r]
    assert [r.split(": ")[0] for r in rollback] == ["availability:threshold:recent",
                                                    "error_rate:threshold:recent"]


def test_a_ramping_canary_never_promotes(prometheus: PrometheusServer, tmp_path: Path) -> None:
    ramp = ROLLOUTS["ramp"]
    seen = []
    # from the moment the ramp fills the recent part (2 minutes) to the stage's end
    for half_minutes in range(14, 31):
        now = ramp.at("canary-10", half_minutes / 2)
        code, verdict = gate(prometheus, tmp_path, "ramp", "canary-10", now)
        drift = verdict["criteria"]["p95_latency_ms:drift"]["drift_percent"]
        seen.append((half_minutes / 2, verdict["decision"], round(drift, 1)))
        assert (code, verdict["decision"]) == (1, "hold"), seen[-1]
    # the window's drift grew from a few percent to past 40 % on the way
    assert seen[0][2] < 10 and seen[-1][2] > 40


def test_14_requests_hold_on_insufficient_traffic(prometheus: PrometheusServer,
                                                  tmp_path: Path) -> None:
    code, verdict = gate(prometheus, tmp_path, "14_requests", "canary-1")
    assert (code, verdict["decision"], verdict["exit_code"]) == (3, "hold", 3)
    requests = verdict["criteria"]["requests"]
    assert requests["status"] == "no_data"
    assert 5 <= requests["value"] <= 30  # Poisson around 14
    assert verdict["reasons"][0].startswith(
        f"requests: insufficient traffic: {round(requests['value'])} canary requests in the "
        "window")


def test_3_of_10_minutes_of_canary_data_hold(prometheus: PrometheusServer,
                                             tmp_path: Path) -> None:
    code, verdict = gate(prometheus, tmp_path, "3_of_10_minutes", "canary-1")
    assert (code, verdict["decision"]) == (3, "hold")
    rows = verdict["criteria"]
    for name in ("availability", "error_rate", "p95_latency_ms", "restarts", "memory"):
        row = rows[f"{name}:threshold"]
        assert row["status"] == "no_data", name
        assert row["reason"].startswith("insufficient data: canary has 1"), name
        assert row["coverage"] < 0.35, name


def test_a_canary_without_series_exits_3_naming_the_query(prometheus: PrometheusServer,
                                                          tmp_path: Path) -> None:
    code, verdict = gate(prometheus, tmp_path, "no_canary", "canary-10")
    assert (code, verdict["decision"], verdict["exit_code"]) == (3, "hold", 3)
    assert {r["status"] for r in verdict["criteria"].values()} == {"no_data"}
    p95 = verdict["criteria"]["p95_latency_ms:threshold"]["reason"]
    assert p95.startswith('canary (track="canary"): no data: no series matched')
    assert 'query: 1000 * histogram_quantile(0.95, sum by (le) (rate(' \
           'http_request_duration_seconds_bucket{job="checkout-api",track="canary"}[1m])))' in p95


def test_a_pod_over_the_memory_limit_is_named(prometheus: PrometheusServer,
                                              tmp_path: Path) -> None:
    code, verdict = gate(prometheus, tmp_path, "memory", "canary-10")
    assert (code, verdict["decision"]) == (1, "hold")
    row = verdict["criteria"]["memory:threshold"]
    assert (row["status"], row["value"], row["series"]) == (
        "fail", 2.6e9, "pod checkout-api-canary-1")
    assert row["reason"] == ("canary Memory per pod over the window is 2.60 GB (2,600,000,000 "
                             "bytes) on pod checkout-api-canary-1, not < 2.5 GB; stable "
                             f"{row['reason'].split('stable ')[1].split(';')[0]}; GB = 10⁹ "
                             "bytes")
