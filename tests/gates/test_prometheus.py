"""Acceptance against the real Prometheus: the example spec's gates over generated rollouts.

Four rollouts are backfilled (promtool) into one TSDB, each in its own 2-hour block, and one
``prometheus`` serves them on a free loopback port. ``tars-ci gate`` runs in-process with
config/tars.yaml and ``--prometheus-url``, at the end of each stage over its last 10 minutes.
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
from tests.gates.canary_data import STAGES, Rollout, generate
from tests.harness import missing_reason

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "tars.yaml"
BASE = datetime(2026, 11, 3, 0, 0, tzinfo=timezone.utc)  # 2-hour aligned
ROLLOUTS = {
    "healthy": Rollout(BASE, seed=11),
    "p95_up_30": Rollout(BASE + timedelta(hours=2), p95_factor_from=("canary-25", 1.3), seed=12),
    "errors_6": Rollout(BASE + timedelta(hours=4), error_step_from=("canary-10", 6.0), seed=13),
    "no_canary": Rollout(BASE + timedelta(hours=6), canary_present=False, seed=14),
}


@pytest.fixture(scope="module")
def prometheus() -> Iterator[PrometheusServer]:
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="tars-gates-"))
    try:
        for rollout in ROLLOUTS.values():
            backfill(generate(rollout), root / "tsdb")
        with PrometheusServer(root / "tsdb") as server:
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)


def gate(server: PrometheusServer, tmp: Path, rollout: str,
         stage: str) -> tuple[int, dict[str, Any]]:
    out = tmp / f"{rollout}-{stage}.json"
    now = ROLLOUTS[rollout].stage_end(stage).strftime("%Y-%m-%dT%H:%M:%SZ")
    code = main(["gate", "--spec", str(EXAMPLE), "--stage", stage, "--now", now, "--window",
                 "10m", "--out", str(out), "--prometheus-url", server.url, "-q"], {})
    return code, json.loads(out.read_text(encoding="utf-8"))


def test_a_healthy_canary_promotes_at_every_stage(prometheus: PrometheusServer,
                                                   tmp_path: Path) -> None:
    for stage, _ in STAGES:
        code, verdict = gate(prometheus, tmp_path, "healthy", stage)
        assert (code, verdict["decision"]) == (0, "promote"), (stage, verdict["reasons"])
        rows = verdict["criteria"]
        assert {r["status"] for r in rows.values()} == {"pass"}
        p95 = rows["p95_latency_ms:threshold"]
        assert p95["value"] == pytest.approx(70.0, rel=0.05)
        assert p95["canary_samples"] == 40
        assert rows["availability:threshold"]["value"] > 99.9
        assert rows["restarts:threshold"]["value"] == 0.0
        assert rows["memory_gb:threshold"]["value"] == pytest.approx(1.3, abs=0.1)
        # at 100 % there is no stable track left, and no drift criterion needs one
        assert ("p95_latency_ms:drift" in rows) == (stage != "canary-100")
        if stage == "canary-100":
            assert p95["stable"] is None


def test_a_p95_30_percent_above_stable_fails_at_the_25_percent_stage(
        prometheus: PrometheusServer, tmp_path: Path) -> None:
    for stage in ("canary-1", "canary-10"):
        assert gate(prometheus, tmp_path, "p95_up_30", stage)[0] == 0, stage
    code, verdict = gate(prometheus, tmp_path, "p95_up_30", "canary-25")
    assert (code, verdict["decision"]) == (1, "hold")
    drift = verdict["criteria"]["p95_latency_ms:drift"]
    assert drift["status"] == "fail"
    assert drift["drift_percent"] == pytest.approx(30.0, abs=4.0)
    assert drift["p_value"] < 0.01
    assert verdict["criteria"]["p95_latency_ms:threshold"]["status"] == "pass"  # 91 ms < 110
    [reason] = verdict["reasons"]
    assert reason.startswith("p95_latency_ms:drift: canary p95 latency drifts +")
    assert "from stable (allowed < 5%), and the shift is real" in reason


def test_an_error_rate_step_to_6_percent_rolls_back(prometheus: PrometheusServer,
                                                    tmp_path: Path) -> None:
    assert gate(prometheus, tmp_path, "errors_6", "canary-1")[0] == 0
    code, verdict = gate(prometheus, tmp_path, "errors_6", "canary-10")
    assert (code, verdict["decision"]) == (1, "rollback")
    rows = verdict["criteria"]
    assert rows["error_rate:threshold"]["value"] == pytest.approx(6.0, abs=0.5)
    assert rows["availability:threshold"]["value"] == pytest.approx(94.0, abs=0.5)
    assert [r.split(":")[0] for r in verdict["reasons"]] == ["availability", "error_rate"]
    assert all("past the rollback bound" in r for r in verdict["reasons"])


def test_a_canary_without_series_exits_3(prometheus: PrometheusServer, tmp_path: Path) -> None:
    code, verdict = gate(prometheus, tmp_path, "no_canary", "canary-1")
    assert (code, verdict["decision"], verdict["exit_code"]) == (3, "hold", 3)
    assert {r["status"] for r in verdict["criteria"].values()} == {"no_data"}
    assert all("canary: no data" in r for r in verdict["reasons"])
