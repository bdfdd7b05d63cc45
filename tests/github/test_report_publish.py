"""`tars-ci report --publish`: the periodic files are committed through the run's publishing
path (real git, a local bare remote, the GitHub emulator): one commit, none on a re-run."""

from __future__ import annotations

import shutil
import subprocess
from importlib.resources import files
from pathlib import Path

import pytest

from tars_ci.cli import main
from tests.github_emulator import GitHubEmulator
from tests.harness.git import git, seed_remote

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
REPO = "acme/checkout"
TOKEN = "ghs_periodic0000000000000000000000000001"
SLUG = "checkout-api-v2-4-0"


def test_report_publish_commits_the_files_once(tmp_path: Path, capsys) -> None:
    def prepare(tree: Path) -> None:
        demo = files("tars_ci.demo")
        (tree / "config").mkdir()
        for name in ("tars.yaml", "demo_replay.json.gz"):
            shutil.copyfile(str(demo / name), tree / "config" / name)
        # the daily runs commit the history; the retrospective lives on its pull request
        shutil.copytree(ROOT / "reports" / SLUG, tree / "reports" / SLUG,
                        ignore=shutil.ignore_patterns("output"))

    remote, _ = seed_remote(tmp_path, prepare, message="history of days 0-7")
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(remote), str(work)], check=True,
                   capture_output=True)
    summary = tmp_path / "summary.md"
    with GitHubEmulator() as gh:
        gh.add_repo(REPO, git_dir=str(remote))
        gh.state.tokens[TOKEN] = "github-actions[bot]"
        env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": gh.url,
               "TARS_CI_FAST_LOOPBACK": "1", "GITHUB_ACTIONS": "true",
               "GITHUB_STEP_SUMMARY": str(summary)}
        args = ["report", "--spec", str(work / "config" / "tars.yaml"), "--reports",
                str(work / "reports"), "--period", "7d", "--end", "2026-11-10T00:00:00Z",
                "--now", "2026-11-10T06:00:00Z", "--report-only", "--publish", "-q"]
        # the daily job published the program: its issues and its retrospective PR
        assert main(["publish", "--spec", str(work / "config" / "tars.yaml"), "--reports",
                     str(work / "reports")], env) == 0
        before, writes = git(remote, "rev-parse", "main"), len(gh.writes())
        assert main(args, env) == 0
        after = git(remote, "rev-parse", "main")
        assert len(gh.writes()) == writes  # issues and PR were in sync: nothing to write
        assert after != before
        changed = git(remote, "diff", "--name-only", before, after).splitlines()
        assert changed == [f"reports/{SLUG}/periodic/7d_20261110T0000Z.json",
                           f"reports/{SLUG}/periodic/7d_20261110T0000Z.md"]
        assert git(remote, "log", "-1", "--format=%s", "main") == \
            "tars-ci: checkout-api v2.4.0 reports [skip ci]"
        assert summary.read_text().startswith("# 7d SLO and health report: checkout-api")

        assert main(args, env) == 0  # the same window again: nothing to commit or write
        assert git(remote, "rev-parse", "main") == after
        assert len(gh.writes()) == writes
        assert gh.schema_problems == [] and gh.unimplemented == []
    out = capsys.readouterr().out
    assert "(unchanged)" in out and TOKEN not in out
