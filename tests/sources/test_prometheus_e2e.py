"""Acceptance: ``tars-ci run`` on a real Prometheus gives the replay demo's history, and a
Prometheus that stops mid-run costs nothing but a re-run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tars_ci.cli import main
from tars_ci.scenario.tsdb import PrometheusServer

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-10T01:00:00Z"  # day 7 closed and settled: the whole program is due
SLUG = "checkout-api-v2-4-0"


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def load(root: Path, relative: str) -> Any:
    return json.loads((root / SLUG / relative).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def replay_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The replay demo's reports (the bundled data through `tars-ci run`)."""
    out = tmp_path_factory.mktemp("replay")
    code = main(["run", "--spec", str(ROOT / "tars_ci" / "demo" / "tars.yaml"), "--now", NOW,
                 "--reports", str(out), "-q"], env={})
    assert code == 1  # the day-2 p99 finding is P1, the spec's fail level
    return out


def spec_copy(tmp_path: Path, **source: object) -> Path:
    text = (ROOT / "config" / "tars.yaml").read_text(encoding="utf-8")
    extra = "".join(f"  {k}: {v}\n" for k, v in source.items())
    path = tmp_path / "tars.yaml"
    path.write_text(text.replace("  timeout: 30s\n", "  timeout: 30s\n" + extra, 1),
                    encoding="utf-8")
    return path


def test_run_on_prometheus_gives_the_replay_demo_findings(
        demo_prometheus: PrometheusServer, replay_history: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    code = main(["run", "--spec", str(ROOT / "config" / "tars.yaml"), "--now", NOW,
                 "--reports", str(out), "-q"], env={"PROMETHEUS_URL": demo_prometheus.url})
    assert code == 1
    for day in range(1, 8):
        name = f"stability/day_{day:02d}_summary.json"
        live, replay = load(out, name), load(replay_history, name)
        assert [(f["id"], f["severity"], f["priority"]) for f in live["findings"]] == \
            [(f["id"], f["severity"], f["priority"]) for f in replay["findings"]], name
        assert live["rollback_recommendation"] == replay["rollback_recommendation"], name
        assert live["health_score"] == replay["health_score"], name
    retro = "output/GA_7DAY_RETROSPECTIVE.json"
    assert load(out, retro)["action_items"] == load(replay_history, retro)["action_items"]
    day2 = load(out, "stability/day_02_summary.json")
    assert [(f["id"], f["severity"]) for f in day2["findings"]
            if f["kpi"] == "p99_latency_ms"] == [("p99_latency_ms:degradation", "high")]
    # the same numbers all the way down: every report file is byte-identical
    assert files(out) == files(replay_history)


def _stop_after_first_range_query(server: PrometheusServer, stopped: threading.Event) -> None:
    """Stop the server as soon as it has answered one range query (polling its /metrics)."""
    deadline = time.monotonic() + 60
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            try:
                text = client.get(f"{server.url}/metrics").text
            except httpx.HTTPError:
                time.sleep(0.005)
                continue
            for line in text.splitlines():
                if (line.startswith("prometheus_http_requests_total{")
                        and 'handler="/api/v1/query_range"' in line
                        and float(line.rsplit(" ", 1)[1]) >= 1):
                    server.stop()
                    stopped.set()
                    return
            time.sleep(0.005)


def test_prometheus_stopped_mid_run_exits_3_and_a_rerun_converges(
        prometheus_server_for: Any, replay_history: Path, tmp_path: Path) -> None:
    spec = spec_copy(tmp_path, retries=1, concurrency=1)
    out = tmp_path / "reports"
    command = [sys.executable, "-m", "tars_ci", "run", "--spec", str(spec), "--now", NOW,
               "--reports", str(out)]
    with prometheus_server_for("demo") as server:
        env = dict(os.environ, PROMETHEUS_URL=server.url)
        stopped = threading.Event()
        watcher = threading.Thread(target=_stop_after_first_range_query,
                                   args=(server, stopped), daemon=True)
        watcher.start()
        first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120,
                               check=False)
        watcher.join(timeout=5)
        assert stopped.is_set(), "the run finished before Prometheus could be stopped"
        assert first.returncode == 3, first.stderr
        assert f"error: metrics source {server.url} is unavailable: cannot connect" \
            in first.stderr
        written = files(out) if out.exists() else {}
        assert not [name for name in written if name.endswith(".tmp") or "/." in name]
        for name, data in written.items():
            if name.endswith(".json"):
                json.loads(data)  # complete documents only
        assert f"{SLUG}/output/GA_7DAY_RETROSPECTIVE.json" not in written

        server.start()  # same port, same TSDB
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120,
                                check=False)
    assert second.returncode == 1, second.stderr
    assert files(out) == files(replay_history)
