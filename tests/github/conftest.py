"""Fixtures for the GitOps tests: the GitHub emulator, a bare git remote, clones, a spec and
hand-built report trees that follow the layout of CONTRACTS.md exactly."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tars_ci.analysis.findings import Finding
from tars_ci.github.client import GitHubClient, Pacing, RetryPolicy
from tars_ci.github.lock import LockSettings
from tars_ci.github.publish import PublishOptions, PublishResult, publish
from tars_ci.spec.loader import parse_spec
from tars_ci.spec.model import Spec
from tests.github_emulator import GitHubEmulator
from tests.harness import records
from tests.harness.git import seed_remote
from tests.harness.records import finding

REPO = "acme/shop"
TOKEN = "ghp_testtoken000000000000000000000000001"
HUMAN_TOKEN = "ghp_humantoken00000000000000000000000002"
SLUG = "checkout-api-v2-4-0"
GA = datetime(2026, 11, 2, tzinfo=timezone.utc)

SPEC_TEXT = """\
version: 1
release:
  name: checkout-api v2.4.0
  ga_time: "2026-11-02T00:00:00Z"
source:
  kind: replay
  path: data.replay
kpis:
  error_rate: {query: "sum(rate(errors[5m]))", unit: percent, better: lower, limit: 1.0}
  p99_latency_ms: {query: "histogram_quantile(0.99, x)", unit: ms, better: lower}
  cpu_percent: {query: "avg(cpu)", unit: percent, better: lower}
github:
  issue_priorities: [P0, P1]
  labels: [tars-ci, stabilization]
  assignees: [oncall-sre]
  reviewers: [release-lead]
  close_after_days: 2
reports:
  dir: reports
"""


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """A bare repository with one commit on main holding the spec."""
    def spec(tree: Path) -> None:
        (tree / "config").mkdir()
        (tree / "config" / "tars.yaml").write_text(SPEC_TEXT)
    return seed_remote(tmp_path, spec, bare="remote.git", message="spec")[0]


@pytest.fixture
def clone(tmp_path: Path, remote: Path) -> Callable[[str], Path]:
    """Make a fresh clone of the remote (a CI checkout), named ``name``."""
    def make(name: str = "work") -> Path:
        path = tmp_path / name
        subprocess.run(["git", "clone", "-q", str(remote), str(path)], check=True,
                       capture_output=True)
        return path
    return make


@pytest.fixture
def spec() -> Spec:
    """The test spec (three KPIs, P0/P1 issues, close after 2 clear days)."""
    return parse_spec(SPEC_TEXT, {}, "tars.yaml")


@pytest.fixture
def emulator(remote: Path) -> Iterator[GitHubEmulator]:
    """The GitHub emulator serving ``acme/shop``, its branches read from the bare remote.

    Fails the test if any body it saw or sent did not match GitHub's schemas."""
    with GitHubEmulator() as gh:
        gh.add_repo(REPO, git_dir=str(remote))
        gh.state.tokens[TOKEN] = "tars-ci-bot"
        gh.state.tokens[HUMAN_TOKEN] = "alice"
        yield gh
        assert gh.schema_problems == []
        assert gh.unimplemented == []


class Sleeps:
    """An injectable sleep that records what it was asked and sleeps a tiny bit."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        time.sleep(min(seconds, 0.01))


@pytest.fixture
def sleeps() -> Sleeps:
    """The recording sleep."""
    return Sleeps()


@pytest.fixture
def make_client(emulator: GitHubEmulator, sleeps: Sleeps) -> Callable[..., GitHubClient]:
    """A client on the emulator with no pacing (production keeps ≥ 1 s between writes)."""
    def make(token: str = TOKEN, max_writes: int = 60, **policy: Any) -> GitHubClient:
        return GitHubClient(token, REPO, api_url=emulator.url,
                            policy=RetryPolicy(**{"backoff": 0.5, **policy}),
                            pacing=Pacing(0.0, 0.0, max_writes), sleep=sleeps)
    return make


OPTIONS = PublishOptions(push_backoff=0.01, locking=LockSettings(wait=30.0, poll=0.05),
                         sleep=lambda s: time.sleep(min(s, 0.05)))


@pytest.fixture
def run_publish(spec: Spec, make_client: Callable[..., GitHubClient]
                ) -> Callable[..., PublishResult]:
    """Publish a clone's reports with a fresh client (as one scheduled run would)."""
    def run(root: Path, days: Sequence[int] | None = None, dry_run: bool = False,
            client: GitHubClient | None = None, clock_day: int = 8) -> PublishResult:
        return publish(spec, root, root / "reports" / SLUG, days,
                       github=client or make_client(), dry_run=dry_run, options=OPTIONS,
                       clock=lambda: GA + timedelta(days=clock_day, hours=1))
    return run


# --------------------------------------------------------------------------- report trees

def write_ga(root: Path) -> None:
    """``ga_kpis/ga_kpi_summary.json``."""
    records.write_ga(root / "reports")


def write_day(root: Path, day: int, findings: Sequence[Finding], health: float = 80.0) -> Path:
    """``stability/day_NN_summary.json`` and ``health/day_NN_HEALTH.json`` of one day."""
    return records.write_day(root / "reports", day, findings, health)


def write_retro(root: Path, summary: str = "**checkout-api v2.4.0** completed its program.",
                items: dict[str, list[dict[str, Any]]] | None = None) -> None:
    """``output/GA_7DAY_RETROSPECTIVE.md`` and ``.json``."""
    records.write_retro(root / "reports", summary, items)


# The 8-day scenario: what each day's summary reports.
#   cpu_percent: P1 on day 1 only → cleared days 2-3 → closed by day 3
#   p99_latency_ms: P1 days 2-3, P0 day 4 (relabel), P1 day 5, clear 6-7 → closed on day 7
#   error_rate: P1 days 3-7 → open throughout
#   slo:availability:burn: P0 days 6-7 → open
#   error_rate no_data on day 2: P2 → never an issue
SCENARIO: dict[int, list[Finding]] = {
    1: [finding("cpu_percent", 1, "P1", value=80, baseline=40)],
    2: [finding("p99_latency_ms", 2, "P1", value=310, baseline=200, drift=55.0),
        finding("error_rate", 2, "P2", kind="no_data", value=None, drift=None,
                severity="medium")],
    3: [finding("p99_latency_ms", 3, "P1", value=320, baseline=200, drift=60.0),
        finding("error_rate", 3, "P1", value=2.5, baseline=0.5, drift=400.0)],
    4: [finding("p99_latency_ms", 4, "P0", value=900, baseline=200, drift=350.0,
                severity="critical"),
        finding("error_rate", 4, "P1", value=2.6, baseline=0.5, drift=420.0)],
    5: [finding("p99_latency_ms", 5, "P1", value=330, baseline=200, drift=65.0),
        finding("error_rate", 5, "P1", value=2.4, baseline=0.5, drift=380.0)],
    6: [finding("error_rate", 6, "P1", value=2.2, baseline=0.5, drift=340.0),
        finding("availability", 6, "P0", kind="slo_burn", fid="slo:availability:burn",
                title="SLO availability burning", value=98.5, baseline=99.95, drift=-1.45)],
    7: [finding("error_rate", 7, "P1", value=2.1, baseline=0.5, drift=320.0),
        finding("availability", 7, "P0", kind="slo_burn", fid="slo:availability:burn",
                title="SLO availability burning", value=98.7, baseline=99.95, drift=-1.25)],
}


def write_scenario_day(root: Path, day: int) -> None:
    """Write what the pipeline would have written for ``day`` of the scenario."""
    if day == 0:
        write_ga(root)
        return
    write_day(root, day, SCENARIO[day])
    if day == 7:
        write_retro(root)
