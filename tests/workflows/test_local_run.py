"""The scheduled workflow, run locally end to end: its ``run:`` steps executed as a runner
does (``GITHUB_*`` variables, per-step ``GITHUB_OUTPUT`` / ``GITHUB_STEP_SUMMARY`` files),
``tars-ci run --publish`` against the real Prometheus (demo scenario, backfilled) and the
GitHub emulator, pushing to a local bare remote.

The demo program (GA 2026-11-02, days 0–7) has closed by the real clock, so the first
scheduled run catches up on all eight days; the second finds the program complete and must
exit 0 and write nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from tars_ci.cli import main
from tars_ci.spec import load_spec
from tars_ci.timeline import program_complete
from tests.github_emulator import GitHubEmulator
from tests.harness import PrometheusServer
from tests.harness.fixtures import demo_prometheus  # noqa: F401 - the session fixture
from tests.harness.git import git, seed_remote
from tests.workflows.actions_runner import JobRun, run_job
from tests.workflows.conftest import EXAMPLE_SPEC, ROOT, executable

pytestmark = pytest.mark.integration

REPO = "acme/checkout"
TOKEN = "ghs_localrun0000000000000000000000000001"
SLUG = "checkout-api-v2-4-0"
RUN_STEP = "Run the stabilization program"


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A bare remote holding a repository that `tars-ci init` set up with the example spec."""
    def init(tree: Path) -> None:
        (tree / "config").mkdir()
        shutil.copy(EXAMPLE_SPEC, tree / "config" / "tars.yaml")
        assert main(["init", str(tree)], {}) == 0  # keeps the spec, adds workflows, reports/
    return seed_remote(tmp_path, init, message="tars-ci init")[0]


def scheduled_run(tmp_path: Path, origin: Path, gh: GitHubEmulator, prometheus_url: str,
                  name: str) -> tuple[JobRun, Path]:
    """One scheduled run on a fresh runner: a new checkout, new runner files."""
    workspace = tmp_path / name / "workspace"
    workspace.parent.mkdir()
    subprocess.run(["git", "clone", "-q", str(origin), str(workspace)], check=True,
                   capture_output=True)
    shims = tmp_path / name / "bin"
    shims.mkdir()
    # The setup steps are `uses:` actions (skipped) and a pip install (recorded, not made):
    # the tars-ci under test is this checkout.
    executable(shims / "python", f'#!/usr/bin/env bash\nif [ "$1 $2" = "-m pip" ]; then '
                                 f'echo "$@" > "{shims}/pip"; exit 0; fi\n'
                                 f'exec {sys.executable} "$@"\n')
    executable(shims / "tars-ci", f'#!/usr/bin/env bash\nexec {sys.executable} -m tars_ci "$@"\n')
    home = tmp_path / name / "home"
    home.mkdir()
    workflow = (workspace / ".github" / "workflows" / "stabilization.yml").read_text("utf-8")
    job = run_job(
        workflow, "stabilization", workspace=workspace, runner_temp=tmp_path / name / "temp",
        event_name="schedule", inputs={}, secrets={"PROMETHEUS_URL": prometheus_url},
        github={"repository": REPO, "ref": "refs/heads/main", "token": TOKEN,
                "api_url": gh.url, "server_url": "https://github.com",
                "sha": git(workspace, "rev-parse", "HEAD"), "run_id": name,
                "actor": "github-actions[bot]"},
        base_env={"PATH": f"{shims}{os.pathsep}{os.environ['PATH']}", "HOME": str(home),
                  "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8",
                  "TARS_CI_FAST_LOOPBACK": "1"},  # no write pacing against the emulator
        timeout=300)
    return job, workspace


def summaries(workspace: Path) -> dict[int, dict[str, Any]]:
    root = workspace / "reports" / SLUG / "stability"
    return {int(re.findall(r"\d+", p.name)[0]): json.loads(p.read_text("utf-8"))
            for p in sorted(root.glob("day_*_summary.json"))}


def test_the_scheduled_workflow_end_to_end(tmp_path: Path, origin: Path,
                                           demo_prometheus: PrometheusServer) -> None:  # noqa: F811
    spec = load_spec(EXAMPLE_SPEC, {})
    now = datetime.now(timezone.utc)
    assert program_complete(spec.release.ga_time, spec.release.days, now, spec.schedule.settle)

    with GitHubEmulator() as gh:
        gh.add_repo(REPO, git_dir=str(origin))
        gh.state.tokens[TOKEN] = "github-actions[bot]"
        before = git(origin, "rev-parse", "main")

        # ---- run 1: catches up on days 0-7, publishes, reports to Actions
        job, workspace = scheduled_run(tmp_path, origin, gh, demo_prometheus.url, "run1")
        step = job.step(RUN_STEP)
        assert "::error" not in step.stderr, step.stderr
        days = summaries(workspace)
        assert sorted(days) == [1, 2, 3, 4, 5, 6, 7]
        urgent = [f for d in days.values() for f in d["findings"]
                  if f["priority"] in ("P0", "P1")]
        assert urgent, "the demo's day-2 tail-latency incident is a P1"
        assert step.returncode == 1, step.stdout + step.stderr  # findings ≥ fail level P1

        assert job.outputs == {
            "health_score": f"{days[7]['health_score']:.1f}",
            "rollback": days[7]["rollback_recommendation"]["decision"],
            "days_processed": "[0,1,2,3,4,5,6,7]", "result": "failing", "failing_days": "[2,5]"}
        outputs = step.outputs
        assert outputs["program_complete"] == "true"
        assert outputs["latest_day"] == "7"

        assert job.summary.startswith("## tars-ci · checkout")
        assert "Processed in this run: day 0, day 1, day 2, day 3, day 4, day 5, day 6, " \
               "day 7." in job.summary
        rows = [ln for ln in job.summary.splitlines() if re.match(r"^\| \d \| 2026-", ln)]
        assert len(rows) == 8 and all(ln.endswith("| this run |") for ln in rows)
        assert "GA_7DAY_RETROSPECTIVE.md" in job.summary

        annotations = [ln for ln in step.stdout.splitlines() if ln.startswith("::")
                       and not ln.startswith("::add-mask::")]
        for f in urgent:  # each P0/P1 finding once, at its newest day
            newest = max(g["day"] for d in days.values() for g in d["findings"]
                         if g["id"] == f["id"])
            title = f"::error title={f['priority']} day {newest}%3A " \
                    f"{f['id'].replace(':', '%3A')}::"
            if f["day"] == newest:
                assert sum(ln.startswith(title) for ln in annotations) == 1, annotations
        assert all(re.match(r"^::(error|warning|notice) title=", ln) for ln in annotations)

        # the history is pushed (not forced) and the GitHub side is in the emulator
        after = git(origin, "rev-parse", "main")
        assert after != before
        assert git(origin, "merge-base", "--is-ancestor", before, after) == ""
        pushed = git(origin, "show", "--name-only", "--format=", after).splitlines()
        assert f"reports/{SLUG}/stability/day_07_summary.json" in pushed
        assert any(p["pull"]["head"] == spec.retro_branch for p in gh.pulls(REPO))
        assert len(gh.issues(REPO)) >= 1
        assert gh.schema_problems == []
        for s in job.steps:
            assert TOKEN not in s.stdout + s.stderr

        # ---- run 2: the program is complete: exit 0, "program complete", no writes
        writes = len(gh.writes())
        job2, _ = scheduled_run(tmp_path, origin, gh, demo_prometheus.url, "run2")
        step2 = job2.step(RUN_STEP)
        assert step2.returncode == 0, step2.stdout + step2.stderr
        assert "program complete" in step2.stdout
        assert job2.outputs["days_processed"] == "[]"
        assert step2.outputs["program_complete"] == "true"
        assert "**Program complete**" in job2.summary
        assert [ln for ln in step2.stdout.splitlines()
                if ln.startswith(("::error", "::warning"))] == []
        assert git(origin, "rev-parse", "main") == after
        assert len(gh.writes()) == writes
