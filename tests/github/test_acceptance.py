"""Acceptance on real pipeline output: eight scheduled ``tars-ci run --publish`` runs of the
bundled demo (recorded data), against the emulator and a bare git remote, then a re-run."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import timedelta
from importlib.resources import files
from pathlib import Path

import pytest

from tars_ci.cli import main
from tars_ci.spec import load_spec
from tests.github.conftest import REPO, TOKEN
from tests.github_emulator import GitHubEmulator
from tests.harness.git import git

pytestmark = pytest.mark.integration


def test_eight_scheduled_runs_on_the_demo_then_a_rerun(
        emulator: GitHubEmulator, remote: Path, clone: Callable[[str], Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    work = clone("ci")
    demo = Path(str(files("tars_ci.demo")))
    for name in ("tars.yaml", "demo_replay.json.gz"):
        shutil.copy(demo / name, work / "config" / name)
    git(work, "add", "config")
    git(work, "commit", "-q", "-m", "demo spec and recorded data")
    git(work, "push", "-q", "origin", "HEAD:refs/heads/main")
    spec_path = work / "config" / "tars.yaml"
    spec = load_spec(spec_path, {})
    env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": emulator.url,
           "TARS_CI_FAST_LOOPBACK": "1"}

    def scheduled(day: int) -> int:
        now = spec.release.ga_time + timedelta(days=day + 1) + spec.schedule.settle
        return main(["run", "--spec", str(spec_path), "--reports", str(work / "reports"),
                     "--now", now.strftime("%Y-%m-%dT%H:%M:%SZ"), "--publish", "-q"], env)

    codes = [scheduled(day) for day in range(8)]
    out = capsys.readouterr()
    assert set(codes) <= {0, 1}, out.err  # 1 = findings at the fail level; never 5
    assert "error" not in out.err.lower(), out.err

    # one history commit per run (each run recorded a new day)
    subjects = git(remote, "log", "--reverse", "--format=%s", "main").splitlines()
    assert [s for s in subjects if s.startswith("tars-ci:")] == [
        f"tars-ci: checkout-api v2.4.0 day {d} [skip ci]" for d in range(8)]

    # exactly one issue per finding that reached P0/P1 on any day
    stability = work / "reports" / "checkout-api-v2-4-0" / "stability"
    urgent = {f["id"] for p in sorted(stability.glob("day_*_summary.json"))
              for f in json.loads(p.read_text())["findings"] if f["priority"] in ("P0", "P1")}
    assert urgent  # the demo has at least one (p99 latency on day 2)
    issues = emulator.issues(REPO)
    marked = {i["body"].split(" id=")[1].split(" ")[0] for i in issues}
    assert len(issues) == len(urgent) and marked == urgent

    # the retrospective pull request, from the fixed branch, with the files on it
    [pr] = emulator.pulls(REPO)
    assert pr["pull"]["head"] == "tars-ci/retro-checkout-api-v2-4-0"
    branch = git(remote, "ls-tree", "-r", "--name-only", "tars-ci/retro-checkout-api-v2-4-0")
    assert "reports/checkout-api-v2-4-0/output/GA_7DAY_RETROSPECTIVE.json" in branch

    # the same run again, same clock: no new issue, comment, commit; the PR unchanged
    writes, head = len(emulator.writes()), git(remote, "rev-parse", "main")
    pr_before = emulator.pulls(REPO)
    assert scheduled(7) in (0, 1)
    assert len(emulator.writes()) == writes
    assert git(remote, "rev-parse", "main") == head
    assert emulator.pulls(REPO) == pr_before
