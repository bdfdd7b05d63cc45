"""The metrics source failing under a real run: a misbehaving proxy in front of the real
Prometheus (demo scenario), ``tars-ci run`` in-process.

Every fault that stops the run exits 3 with one line naming the source and what went wrong,
and leaves the history exactly as it was (the run fetches everything before writing
anything); a transient fault is retried and the run writes what an undisturbed run writes.
Unit-level cases of each answer live in tests/sources/test_prometheus_faults.py (no sockets)
and a server stopped mid-run in tests/sources/test_prometheus_e2e.py.
"""

from __future__ import annotations

import math
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tars_ci.cli import main
from tests.harness import PrometheusServer
from tests.harness.fixtures import demo_prometheus  # noqa: F401 - the session fixture
from tests.reliability.conftest import (
    EXAMPLE_SPEC,
    NOW,
    SLUG,
    diff,
    half_written,
    restore,
    tree,
)
from tests.reliability.proxy import MisbehavingProxy

pytestmark = pytest.mark.integration

GA = datetime(2026, 11, 2, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def proxy(demo_prometheus: PrometheusServer) -> Iterator[MisbehavingProxy]:  # noqa: F811
    with MisbehavingProxy(demo_prometheus.url) as p:
        yield p


@pytest.fixture
def fresh(proxy: MisbehavingProxy) -> MisbehavingProxy:
    proxy.mode, proxy.first, proxy.rewrite = "forward", None, None
    proxy.requests.clear()
    return proxy


def spec(tmp_path: Path, timeout: str) -> Path:
    """The example spec with ``timeout`` and one retry."""
    text = EXAMPLE_SPEC.read_text("utf-8")
    assert "  timeout: 30s\n" in text
    path = tmp_path / "tars.yaml"
    path.write_text(text.replace("  timeout: 30s\n", f"  timeout: {timeout}\n  retries: 1\n"),
                    "utf-8")
    return path


def run(tmp_path: Path, url: str, reports: Path, timeout: str = "1s") -> int:
    """``tars-ci run``; the 1 s default makes failures fast. A test whose requests reach the
    real Prometheus passes a generous timeout: on a loaded machine a range query may take
    longer than 1 s, and those tests are not about timing."""
    return main(["run", "--spec", str(spec(tmp_path, timeout)), "--now", NOW, "--reports",
                 str(reports)], {"PROMETHEUS_URL": url})


STOPS = [
    ("slow", "no answer within 1s (gave up after 2 attempts)"),
    ("503", "HTTP 503: too many queries in flight (gave up after 2 attempts)"),
    ("502-html", "HTTP 502: 502 Bad Gateway (gave up after 2 attempts)"),
    ("429", "HTTP 429: slow down (gave up after 2 attempts)"),
    ("login-page", "HTTP 200 answered with an HTML page ('Sign in - Corp SSO'), not the "
                   "Prometheus API: is source.url the Prometheus base URL, or is a login page "
                   "or proxy in the way?"),
    ("malformed", "HTTP 200 answered with malformed JSON (application/json): "
                  "'{\"status\":\"success\",\"data\":{\"resultT'"),
    ("truncated", "cannot connect (peer closed connection without sending complete message "
                  "body (received "),
]


@pytest.mark.parametrize(("mode", "message"), STOPS, ids=[m for m, _ in STOPS])
def test_a_fault_that_persists_exits_3_naming_the_source_and_loses_nothing(
        mode: str, message: str, fresh: MisbehavingProxy, early_history: dict[str, bytes],
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reports = tmp_path / "reports"
    restore(reports, early_history)
    fresh.mode, fresh.delay = mode, 1.5  # "slow": longer than the 1 s timeout
    assert run(tmp_path, fresh.url, reports) == 3
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, err
    assert errors[0].startswith(f"error: metrics source {fresh.url} is unavailable: {message}")
    assert "Traceback" not in err
    assert tree(reports) == early_history  # nothing lost, nothing half written
    assert half_written(reports) == []


def test_an_unreachable_source_exits_3_and_loses_nothing(
        early_history: dict[str, bytes], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    reports = tmp_path / "reports"
    restore(reports, early_history)
    assert run(tmp_path, url, reports) == 3
    err = capsys.readouterr().err
    assert f"error: metrics source {url} is unavailable: cannot connect (" in err
    assert "(gave up after 2 attempts)" in err
    assert tree(reports) == early_history


@pytest.mark.parametrize("mode", ["503", "429", "truncated"])
def test_a_transient_fault_is_retried_and_the_history_is_what_an_undisturbed_run_writes(
        mode: str, fresh: MisbehavingProxy, early_history: dict[str, bytes],
        demo_history: dict[str, bytes], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    reports = tmp_path / "reports"
    restore(reports, early_history)
    fresh.mode, fresh.first = mode, 1  # the first request fails, the rest are forwarded
    assert run(tmp_path, fresh.url, reports, timeout="20s") == 1  # days 4-7: day 5's P0
    err = capsys.readouterr().err
    assert f"tars-ci: {fresh.url}: " in err and "; retry 1/1 in " in err
    assert "error:" not in err
    assert diff(demo_history, tree(reports)) == []


def drop_second_half_of_day_3(params: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """Partial data: the CPU series loses its samples from day 3, 12:00 on."""
    if "service_cpu_utilization_ratio" in params.get("query", ""):
        lo = (GA + timedelta(days=3, hours=12)).timestamp()
        hi = (GA + timedelta(days=4)).timestamp()
        for series in body["data"]["result"]:
            series["values"] = [v for v in series["values"] if not lo <= float(v[0]) < hi]
    return body


def test_partial_data_is_reported_as_coverage_not_hidden(
        fresh: MisbehavingProxy, demo_history: dict[str, bytes], tmp_path: Path) -> None:
    import json

    reports = tmp_path / "reports"
    fresh.mode, fresh.rewrite = "rewrite", drop_second_half_of_day_3
    assert run(tmp_path, fresh.url, reports, timeout="20s") == 1
    got = tree(reports)
    day3 = json.loads(got[f"{SLUG}/stability/day_03_summary.json"])
    cpu = day3["metrics_comparison"]["cpu_percent"]
    assert (cpu["coverage"], cpu["status"] != "no_data") == (0.5, True)  # 720 of 1440 points
    assert math.isclose(day3["data_coverage"]["mean_coverage"], (9 + 0.5) / 10)
    for day in (1, 2, 4, 5, 6, 7):
        other = json.loads(got[f"{SLUG}/stability/day_{day:02d}_summary.json"])
        assert other["metrics_comparison"]["cpu_percent"]["coverage"] == 1.0
    # the days before the gap are exactly what complete data gives
    for name in ("ga_kpis/ga_kpi_summary.json", "stability/day_01_summary.json",
                 "stability/day_02_summary.json"):
        assert got[f"{SLUG}/{name}"] == demo_history[f"{SLUG}/{name}"], name
