"""The fleet workflow, run locally end to end: each matrix job's ``run:`` steps executed as a
runner does (one checkout per job, its ``matrix`` entry, ``GITHUB_*`` variables, per-step
output and summary files), against the real Prometheus and the GitHub emulator, pushing to
a bare remote; then the summary job on a checkout of main. A manual dispatch for one
release runs that release's steps only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tars_ci.cli import main
from tars_ci.github.fleet_issue import FLEET_LABEL
from tests.github_emulator import GitHubEmulator
from tests.harness import PrometheusServer
from tests.harness.fixtures import demo_prometheus  # noqa: F401 - the session fixture
from tests.harness.fleet import release_slug, write_fleet
from tests.harness.git import git, seed_remote
from tests.workflows.actions_runner import JobRun, run_job
from tests.workflows.conftest import ROOT, executable

pytestmark = pytest.mark.integration

REPO = "acme/fleet"
TOKEN = "ghs_fleetrun0000000000000000000000000001"
WORKFLOW = ".github/workflows/stabilization-releases.yml"
RUN_STEP = "Run the stabilization program"


def runner_job(tmp_path: Path, origin: Path, gh: GitHubEmulator, prometheus_url: str,
               name: str, job: str, sha: str, event: str, inputs: dict[str, Any],
               matrix: dict[str, str] | None = None) -> JobRun:
    """One job on a fresh runner: a checkout of ``sha``, new runner files."""
    workspace = tmp_path / name / "workspace"
    workspace.parent.mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", str(origin), str(workspace)], check=True,
                   capture_output=True)
    git(workspace, "checkout", "-q", "-B", "main", sha)
    shims = tmp_path / name / "bin"
    shims.mkdir()
    executable(shims / "python", f'#!/usr/bin/env bash\nif [ "$1 $2" = "-m pip" ]; then '
                                 f'exit 0; fi\nexec {sys.executable} "$@"\n')
    executable(shims / "tars-ci", f'#!/usr/bin/env bash\nexec {sys.executable} -m tars_ci "$@"\n')
    workflow = (workspace / WORKFLOW).read_text("utf-8")
    return run_job(
        workflow, job, workspace=workspace, runner_temp=tmp_path / name / "temp",
        event_name=event, inputs=inputs, secrets={"PROMETHEUS_URL": prometheus_url},
        github={"repository": REPO, "ref": "refs/heads/main", "token": TOKEN,
                "api_url": gh.url, "server_url": "https://github.example",
                "sha": sha, "run_id": name, "actor": "github-actions[bot]"},
        base_env={"PATH": f"{shims}{os.pathsep}{os.environ['PATH']}",
                  "HOME": str(tmp_path / name), "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8",
                  "TARS_CI_FAST_LOOPBACK": "1"},
        matrix=matrix, timeout=300)


def test_the_fleet_workflow_end_to_end(tmp_path: Path,
                                       demo_prometheus: PrometheusServer) -> None:  # noqa: F811
    def init(tree: Path) -> None:
        write_fleet(tree / "config" / "releases", 3)
        assert main(["init", str(tree), "--spec", "config/releases/"], {}) == 0

    origin, _ = seed_remote(tmp_path, init, message="tars-ci init")
    doc = yaml.safe_load(git(origin, "show", f"main:{WORKFLOW}"))
    [matrix_job] = [j for j in doc["jobs"] if j != "fleet"]
    entries = doc["jobs"][matrix_job]["strategy"]["matrix"]["include"]
    assert [e["release"] for e in entries] == [release_slug(i) for i in range(3)]

    with GitHubEmulator() as gh:
        gh.add_repo(REPO, git_dir=str(origin))
        gh.state.tokens[TOKEN] = "github-actions[bot]"
        sha = git(origin, "rev-parse", "main")

        # ---- the schedule: every matrix job from the same commit, then the summary job
        for entry in entries:
            job = runner_job(tmp_path, origin, gh, demo_prometheus.url, f"s-{entry['release']}",
                             matrix_job, sha, "schedule", {}, entry)
            step = job.step(RUN_STEP)
            assert step.returncode == 1, step.stdout + step.stderr  # the day-2 P1
            assert step.env["TARS_SPEC"] == entry["spec"]
            assert job.summary.startswith("## tars-ci · checkout-api-")
        subjects = git(origin, "log", "--format=%s", "main").splitlines()
        assert len([s for s in subjects if s.startswith("tars-ci: ")]) == 3
        main_now = git(origin, "rev-parse", "main")
        summary = runner_job(tmp_path, origin, gh, demo_prometheus.url, "summary", "fleet",
                             main_now, "schedule", {})
        step = summary.step("Fleet summary")
        assert step.returncode == 0, step.stdout + step.stderr
        assert "3 releases: 3 passing." in summary.summary
        assert step.outputs == {"releases": "3", "failing": "0", "errors": "0", "behind": "0"}
        [fleet_issue] = [i for i in gh.issues(REPO) if FLEET_LABEL in i["labels"]]
        assert all(release_slug(i) in fleet_issue["body"] for i in range(3))
        assert "https://github.example/acme/fleet/tree/main/reports/checkout-api-00-v2-4-0" in \
            summary.summary

        # ---- a manual dispatch for one release: the others' steps are skipped
        writes = len(gh.writes())
        inputs = {"release": release_slug(1), "day": "all", "force": False, "dry_run": False}
        for entry in entries:
            job = runner_job(tmp_path, origin, gh, demo_prometheus.url, f"d-{entry['release']}",
                             matrix_job, main_now, "workflow_dispatch", inputs, entry)
            ran = [s.name for s in job.steps if s.returncode is not None]
            if entry["release"] == release_slug(1):
                assert ran == ["Install tars-ci", RUN_STEP]
                assert "program complete" in job.step(RUN_STEP).stdout
            else:
                assert ran == [], ran
        assert len(gh.writes()) == writes
        assert gh.schema_problems == []
