"""``tars-ci gate`` end to end over a replay file (and a Prometheus that is not there)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from tars_ci.cli import main
from tars_ci.errors import SourceUnavailable
from tars_ci.sources.interface import Query
from tars_ci.sources.prometheus import PrometheusSource
from tars_ci.sources.replay import RecordedSeries, write_replay
from tars_ci.spec.model import SourceSpec

NOW = "2026-11-02T10:30:00Z"
END = 1793615400.0  # NOW in Unix seconds
SPEC = """\
version: 1
release: {name: api v1, ga_time: "2026-11-02T00:00:00Z"}
source: {kind: replay, path: replay.json, retries: 0}
kpis:
  lat: {query: q, unit: ms, better: lower}
gates:
  window: 10m
  step: 15s
  metrics:
    lat:
      query: latency{{{selector}}}
      unit: ms
      better: lower
    err:
      query: errors{{{selector}}}
      unit: percent
      better: lower
      rollback_if: ">= 5"
  stages:
    canary-10:
      traffic_percent: 10
      criteria:
        lat: {threshold: "< 110", max_drift_percent: 10}
        err: {threshold: "< 2"}
"""
# 40 latency values around 80 ms in a scrambled order (17 is coprime with 40)
LATENCY = 80.0 + 4.0 * (((np.arange(40) * 17) % 40) - 19.5) / 19.5


def write(tmp: Path, spec: str = SPEC, **series: np.ndarray) -> Path:
    recorded = {name.replace("_at_", "@"): RecordedSeries(
        END - 15.0 * (len(v) - 1), 15.0, v.astype(np.float64), np.isfinite(v), {}, "")
        for name, v in series.items()}
    write_replay(tmp / "replay.json", recorded)
    (tmp / "tars.yaml").write_text(spec, encoding="utf-8")
    return tmp / "tars.yaml"


def gate(spec: Path, *extra: str, env: dict[str, str] | None = None) -> int:
    return main(["gate", "--spec", str(spec), "--stage", "canary-10", "--now", NOW, "-q",
                 *extra], env or {})


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def healthy(tmp: Path) -> Path:
    return write(tmp, lat_at_canary=LATENCY * 1.01, lat_at_stable=LATENCY,
                 err_at_canary=np.full(40, 0.2), err_at_stable=np.full(40, 0.1))


def test_a_healthy_canary_promotes_prints_the_table_and_writes_the_verdict(
        workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert gate(healthy(workdir)) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["criterion", "status", "canary", "stable", "required",
                                           "detail"]
    assert out.splitlines()[1].split()[:6] == ["lat:threshold", "pass", "80.80", "ms", "80.00",
                                               "ms"]
    assert out.splitlines()[-2:] == [
        ("stage canary-10 (10% traffic), window 2026-11-02T10:20:00Z – 2026-11-02T10:30:00Z: "
        "PROMOTE"),
        "  - all 6 criteria of canary-10 pass"]
    verdict = json.loads((workdir / "reports/api-v1/gates/canary-10.json").read_text())
    assert (verdict["schema_version"], verdict["decision"], verdict["exit_code"]) == (
        1, "promote", 0)
    assert sorted(verdict["criteria"]) == ["err:threshold", "err:threshold:recent", "lat:drift",
                                           "lat:drift:recent", "lat:threshold",
                                           "lat:threshold:recent"]
    assert verdict["criteria"]["lat:drift"]["canary_samples"] == 40


def test_an_error_rate_past_the_rollback_bound_rolls_back(workdir: Path) -> None:
    spec = write(workdir, lat_at_canary=LATENCY, lat_at_stable=LATENCY,
                 err_at_canary=np.full(40, 6.0), err_at_stable=np.full(40, 0.1))
    assert gate(spec, "--out", "verdict.json") == 1
    verdict = json.loads((workdir / "verdict.json").read_text())
    assert verdict["decision"] == "rollback"
    assert verdict["reasons"][0].startswith("err:threshold: canary err over the window is "
                                            "6.00%, not < 2")


def test_a_latency_shift_holds(workdir: Path) -> None:
    spec = write(workdir, lat_at_canary=LATENCY * 1.3, lat_at_stable=LATENCY,
                 err_at_canary=np.full(40, 0.2), err_at_stable=np.full(40, 0.1))
    assert gate(spec, "--out", "v.json") == 1
    verdict = json.loads((workdir / "v.json").read_text())
    assert verdict["decision"] == "hold"
    assert [r.split(": ")[0] for r in verdict["reasons"]] == ["lat:drift", "lat:drift:recent"]
    assert verdict["criteria"]["lat:drift"]["drift_percent"] == pytest.approx(30.0)


def test_no_canary_series_exits_3(workdir: Path) -> None:
    spec = write(workdir, lat_at_stable=LATENCY, err_at_stable=np.full(40, 0.1))
    assert gate(spec) == 3
    verdict = json.loads((workdir / "reports/api-v1/gates/canary-10.json").read_text())
    assert (verdict["decision"], verdict["exit_code"]) == ("hold", 3)
    assert {c["status"] for c in verdict["criteria"].values()} == {"no_data"}


def test_window_sets_the_span_and_github_actions_get_outputs(workdir: Path) -> None:
    outputs, summary = workdir / "out.txt", workdir / "summary.md"
    env = {"GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary)}
    assert gate(healthy(workdir), "--window", "5m", "--out", "v.json", env=env) == 0
    verdict = json.loads((workdir / "v.json").read_text())
    assert verdict["window"]["start"] == "2026-11-02T10:25:00Z"
    assert verdict["criteria"]["lat:drift"]["canary_samples"] == 20
    assert outputs.read_text() == "decision=promote\nexit_code=0\nverdict_file=v.json\n"
    assert summary.read_text().startswith("### Canary gate `canary-10`: **promote**\n\n```text\n")


def test_a_source_that_is_down_holds_with_exit_3(workdir: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    spec = healthy(workdir)
    assert gate(spec, "--prometheus-url", f"http://127.0.0.1:{port}") == 3
    verdict = json.loads((workdir / "reports/api-v1/gates/canary-10.json").read_text())
    assert (verdict["decision"], verdict["criteria"]) == ("hold", {})
    assert verdict["reasons"][0].startswith(f"source unavailable: metrics source "
                                            f"http://127.0.0.1:{port} is unavailable")
    assert "is unavailable" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "message"), [
    (["--stage", "canary-99"], "--stage: unknown stage 'canary-99'; the spec has canary-10"),
    (["--window", "soon"], "--window:"),
    (["--window", "20s"], "--window: 20s is shorter than two steps of the gate"),
    (["--window", "3m"], "--window: 3m is shorter than twice the recent part (gates.recent is "
                         "2m)"),
    (["--prometheus-url", "prometheus:9090"], "--prometheus-url: must be an http(s) URL"),
    (["--now", "yesterday"], "--now:"),
])
def test_usage_errors_exit_2(workdir: Path, capsys: pytest.CaptureFixture[str],
                             args: list[str], message: str) -> None:
    spec = healthy(workdir)
    argv = ["gate", "--spec", str(spec), "--stage", "canary-10", "--now", NOW, "-q"]
    for flag, value in zip(args[::2], args[1::2]):
        if flag in argv:
            argv[argv.index(flag) + 1] = value
        else:
            argv += [flag, value]
    assert main(argv, {}) == 2
    assert message in capsys.readouterr().err
    assert not (workdir / "reports").exists()


def test_a_spec_without_stages_is_a_usage_error(workdir: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    spec = write(workdir, SPEC[:SPEC.index("gates:")])
    assert gate(spec) == 2
    assert "declares no gates.stages" in capsys.readouterr().err


# --------------------------------------------------------------------------- a hung server


@pytest.fixture
def hung() -> Iterator[str]:
    """A server that accepts connections and never answers; yields its URL."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.1)
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


def test_a_hung_server_costs_the_gate_one_timeout_and_one_line(
        workdir: Path, hung: str, capsys: pytest.CaptureFixture[str]) -> None:
    # the spec asks for 3 retries and a 1 s timeout: the gate still stops at the first failure
    spec = write(workdir, SPEC.replace("retries: 0", "retries: 3, timeout: 1s"),
                 lat_at_stable=LATENCY)
    began = time.monotonic()
    code = main(["gate", "--spec", str(spec), "--stage", "canary-10", "--now", NOW,
                 "--prometheus-url", hung, "--out", "v.json"], {})
    elapsed = time.monotonic() - began
    assert code == 3
    assert 0.9 < elapsed < 3.0, f"{elapsed:.1f}s for a 1 s timeout"
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if "retry" in line] == []
    [error] = [line for line in err if line.startswith("error:")]
    assert error.startswith(f"error: metrics source {hung} is unavailable: no answer within 1s "
                            "(gave up after 1 attempt)")
    assert json.loads((workdir / "v.json").read_text())["decision"] == "hold"


def test_the_daily_run_still_retries_a_hung_server(hung: str,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    # the gate's single attempt is the CLI's choice; the source keeps source.retries
    source = PrometheusSource(SourceSpec(url=hung, retries=2, timeout=timedelta(seconds=0.3),
                                         concurrency=1), sleep=lambda _: None)
    end = datetime(2026, 11, 2, tzinfo=timezone.utc)
    try:
        with pytest.raises(SourceUnavailable, match=r"gave up after 3 attempts"):
            source.range_query([Query("q", "up")], end - timedelta(minutes=1), end,
                               timedelta(seconds=15))
    finally:
        source.close()
    retries = [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]
    assert len(retries) == 2 and "retry 1/2" in retries[0] and "retry 2/2" in retries[1]
