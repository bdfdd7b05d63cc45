"""The generated workflow passes the secrets named by ``notify[].url_secret`` to the run step
(those and the spec's own variables, nothing else), and stays lint-clean."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from tars_ci.cli import main
from tests.tools import require_actionlint
from tests.workflows.test_lint import RUNNER, zizmor

NOTIFY = """
notify:
  - {type: slack, url_secret: SLACK_WEBHOOK_URL}
  - type: teams
    url_secret: TEAMS_WEBHOOK_URL
    min_priority: P0
"""


def test_notify_secrets_reach_the_run_step_and_the_linters_agree(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path), "--release", "demo v1", "--ga-time",
                 "2026-12-01T09:30:00Z"], {}) == 0
    spec = tmp_path / "config" / "tars.yaml"
    spec.write_text(spec.read_text("utf-8") + NOTIFY, "utf-8")
    flow = tmp_path / ".github" / "workflows" / "stabilization.yml"
    before = yaml.safe_load(flow.read_text("utf-8"))
    assert main(["workflow", "--write", "--spec", str(spec), "--workflow", str(flow)],
                {}) == 0
    text = flow.read_text("utf-8")
    steps = yaml.safe_load(text)["jobs"]["stabilization"]["steps"]
    [run] = [s for s in steps if s.get("id") == "run"]
    [old] = [s for s in before["jobs"]["stabilization"]["steps"] if s.get("id") == "run"]
    added = {k: v for k, v in run["env"].items() if k not in old["env"]}
    assert added == {"SLACK_WEBHOOK_URL": "${{ secrets.SLACK_WEBHOOK_URL }}",
                     "TEAMS_WEBHOOK_URL": "${{ secrets.TEAMS_WEBHOOK_URL }}"}
    # only the steps that publish see it: the daily run step and the periodic reports' step
    # (`tars-ci report --publish` runs the same publishers, notifications included)
    publishing = [s for job in yaml.safe_load(text)["jobs"].values() for s in job["steps"]
                  if "--publish" in s.get("run", "")]
    assert len(publishing) == 2
    assert all(s["env"]["SLACK_WEBHOOK_URL"] == "${{ secrets.SLACK_WEBHOOK_URL }}"
               for s in publishing)
    assert text.count("SLACK_WEBHOOK_URL }}") == len(publishing)
    assert main(["workflow", "--check", "--spec", str(spec), "--workflow", str(flow)], {}) == 0

    node, module = require_actionlint()
    done = subprocess.run([node, str(RUNNER), str(module), str(flow)], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
    assert zizmor(flow) == []
