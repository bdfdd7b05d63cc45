"""The workflows' ``run:`` steps, executed as Actions runs them, against a stand-in
``tars-ci`` that records how it was called: arguments from the dispatch inputs, secrets
mapped to the spec's variables, the token fallback, job outputs, and no shell injection."""

from __future__ import annotations

import base64
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.workflows.actions_runner import JobRun, evaluate, parse_output_file, run_job
from tests.workflows.conftest import ROOT, executable

STABILIZATION = (ROOT / ".github" / "workflows" / "stabilization.yml").read_text("utf-8")
REUSABLE = (ROOT / ".github" / "workflows" / "tars-ci.yml").read_text("utf-8")

FAKE_TARS_CI = """#!/usr/bin/env bash
# Stand-in for tars-ci: records its arguments and environment, writes outputs like the real one.
printf '%s\\n' "$@" > "$SHIM_DIR/args"
for name in PROMETHEUS_URL PROMETHEUS_TOKEN GITHUB_TOKEN GIT_CONFIG_COUNT GIT_CONFIG_KEY_0 \\
    GIT_CONFIG_VALUE_0; do
  if [ -n "${!name+set}" ]; then echo "$name=${!name}"; else echo "$name=<unset>"; fi
done > "$SHIM_DIR/env"
pwd > "$SHIM_DIR/cwd"
echo "::warning title=P2 day 1%3A x::recorded"
echo "## summary" >> "$GITHUB_STEP_SUMMARY"
{ echo "health_score=88.5"; echo "rollback=monitor"; echo "days_processed=[1]";
  echo "result=passing"; echo "failing_days=[]"; } >> "$GITHUB_OUTPUT"
exit "${FAKE_EXIT:-0}"
"""

FAKE_PYTHON = f"""#!/usr/bin/env bash
# pip installs are recorded, not made; anything else is the real interpreter.
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then shift 2; printf '%s\\n' "$@" > "$SHIM_DIR/pip"; exit 0; fi
exec {sys.executable} "$@"
"""


@pytest.fixture
def shims(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    executable(bin_dir / "tars-ci", FAKE_TARS_CI)
    executable(bin_dir / "python", FAKE_PYTHON)
    return bin_dir


def run(shims: Path, workflow: str, *, event: str = "schedule",
        inputs: dict[str, Any] | None = None, secrets: dict[str, str] | None = None,
        fake_exit: int = 0) -> JobRun:
    workspace = shims.parent / "workspace"
    workspace.mkdir(exist_ok=True)
    return run_job(
        workflow, "stabilization", workspace=workspace, runner_temp=shims.parent / "runner",
        event_name=event, inputs=inputs or {}, secrets=secrets or {},
        github={"repository": "acme/checkout", "ref": "refs/heads/main",
                "server_url": "https://github.com",
                "token": "ghs_automatic", "api_url": "http://127.0.0.1:9"},
        base_env={"PATH": f"{shims}{os.pathsep}{os.environ['PATH']}", "SHIM_DIR": str(shims),
                  "FAKE_EXIT": str(fake_exit)})


def recorded(shims: Path, name: str) -> list[str]:
    return (shims / name).read_text("utf-8").splitlines()


def test_a_scheduled_run(shims: Path) -> None:
    job = run(shims, STABILIZATION)
    assert job.succeeded
    assert [s.returncode for s in job.steps] == [None, None, 0, 0]  # checkout, python skipped
    assert recorded(shims, "pip") == ["install", "--disable-pip-version-check", "."]
    assert recorded(shims, "args") == ["run", "--spec", "config/tars.yaml", "--publish"]
    basic = base64.b64encode(b"x-access-token:ghs_automatic").decode()
    assert recorded(shims, "env") == [
        "PROMETHEUS_URL=<unset>", "PROMETHEUS_TOKEN=<unset>", "GITHUB_TOKEN=ghs_automatic",
        "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=http.https://github.com/.extraheader",
        f"GIT_CONFIG_VALUE_0=AUTHORIZATION: basic {basic}"]
    assert recorded(shims, "cwd") == [str(shims.parent / "workspace")]
    run_step = job.step("Run the stabilization program")
    # The encoded token is masked before anything else is printed.
    assert run_step.stdout == (f"::add-mask::{basic}\n"
                               "::warning title=P2 day 1%3A x::recorded\n")
    assert job.summary == "## summary\n"
    assert job.outputs == {"health_score": "88.5", "rollback": "monitor",
                           "days_processed": "[1]", "result": "passing", "failing_days": "[]"}


def test_a_manual_dispatch_with_every_input(shims: Path) -> None:
    job = run(shims, STABILIZATION, event="workflow_dispatch",
              inputs={"day": "3", "force": True, "dry_run": True},
              secrets={"PROMETHEUS_URL": "http://prom:9090", "TARS_CI_TOKEN": "ghp_pat"})
    assert job.succeeded
    assert recorded(shims, "args") == ["run", "--spec", "config/tars.yaml", "--publish",
                                       "--day", "3", "--force", "--dry-run"]
    basic = base64.b64encode(b"x-access-token:ghp_pat").decode()
    assert recorded(shims, "env")[:3] == ["PROMETHEUS_URL=http://prom:9090",
                                          "PROMETHEUS_TOKEN=<unset>", "GITHUB_TOKEN=ghp_pat"]
    assert recorded(shims, "env")[5] == f"GIT_CONFIG_VALUE_0=AUTHORIZATION: basic {basic}"


def test_dispatch_defaults_process_every_due_day(shims: Path) -> None:
    run(shims, STABILIZATION, event="workflow_dispatch",
        inputs={"day": "all", "force": False, "dry_run": False})
    assert recorded(shims, "args") == ["run", "--spec", "config/tars.yaml", "--publish"]


def test_findings_fail_the_job_but_outputs_and_summary_remain(shims: Path) -> None:
    job = run(shims, STABILIZATION, fake_exit=1)
    assert not job.succeeded
    assert job.outputs["rollback"] == "monitor"
    assert job.summary == "## summary\n"


def test_the_reusable_workflow_passes_inputs_as_data(shims: Path) -> None:
    hostile = '3"; touch pwned; echo "$(touch pwned2)'
    job = run(shims, REUSABLE, event="schedule",
              inputs={"spec": "ops/my spec.yaml; touch pwned3", "install": "tars-ci==0.1.0",
                      "python_version": "3.11", "day": hostile, "force": False,
                      "dry_run": True},
              secrets={"PROMETHEUS_TOKEN": "s3cret"})
    assert job.succeeded
    assert recorded(shims, "args") == ["run", "--spec", "ops/my spec.yaml; touch pwned3",
                                       "--publish", "--day", hostile, "--dry-run"]
    assert recorded(shims, "env")[:5] == [
        "PROMETHEUS_URL=<unset>", "PROMETHEUS_TOKEN=s3cret", "GITHUB_TOKEN=ghs_automatic",
        "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=http.https://github.com/.extraheader"]
    assert not list((shims.parent / "workspace").glob("pwned*"))
    assert job.outputs == {"health_score": "88.5", "rollback": "monitor",
                           "days_processed": "[1]", "result": "passing", "failing_days": "[]"}


# --------------------------------------------------------------------------- the runner itself


def test_expressions() -> None:
    ctx = {"inputs": {"day": "", "force": True}, "secrets": {"A": "a"},
           "github": {"token": "t"}}
    assert evaluate("${{ inputs.day }}", ctx) == ""
    assert evaluate("${{ inputs.force }}", ctx) == "true"
    assert evaluate("x ${{ secrets.B || github.token }} y", ctx) == "x t y"
    assert evaluate("${{ secrets.A || github.token }}", ctx) == "a"
    with pytest.raises(ValueError, match="not supported"):
        evaluate("${{ toJSON(github) }}", ctx)


def test_output_file_parsing() -> None:
    assert parse_output_file("a=1\nb<<EOF\nx\ny=z\nEOF\nc=\n") == {"a": "1", "b": "x\ny=z",
                                                                 "c": ""}
    with pytest.raises(ValueError, match="never closes"):
        parse_output_file("b<<EOF\nx\n")


def test_the_periodic_reports_job_passes_the_schedule_that_fired(shims: Path) -> None:
    workspace = shims.parent / "workspace"
    workspace.mkdir(exist_ok=True)
    job = run_job(
        STABILIZATION, "reports", workspace=workspace, runner_temp=shims.parent / "runner",
        event_name="schedule", inputs={}, secrets={"PROMETHEUS_URL": "http://prom:9090"},
        github={"repository": "acme/checkout", "ref": "refs/heads/main",
                "server_url": "https://github.com", "token": "ghs_automatic",
                "api_url": "http://127.0.0.1:9"},
        base_env={"PATH": f"{shims}{os.pathsep}{os.environ['PATH']}", "SHIM_DIR": str(shims),
                  "FAKE_EXIT": "0"},
        event={"schedule": "0 6 * * 1"})
    assert job.succeeded
    assert [s.returncode for s in job.steps] == [None, None, 0, 0]
    assert recorded(shims, "args") == ["report", "--spec", "config/tars.yaml", "--schedule",
                                       "0 6 * * 1", "--report-only", "--publish"]
    basic = base64.b64encode(b"x-access-token:ghs_automatic").decode()
    assert recorded(shims, "env") == [
        "PROMETHEUS_URL=http://prom:9090", "PROMETHEUS_TOKEN=<unset>",
        "GITHUB_TOKEN=ghs_automatic", "GIT_CONFIG_COUNT=1",
        "GIT_CONFIG_KEY_0=http.https://github.com/.extraheader",
        f"GIT_CONFIG_VALUE_0=AUTHORIZATION: basic {basic}"]
    assert job.step("Write the periodic reports").stdout.startswith(f"::add-mask::{basic}\n")
