"""``tars-ci publish``: the dry-run plan, usage errors, the canary token, parallel runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tars_ci.cli import main
from tars_ci.github.publish import PublishResult
from tars_ci.spec.model import Spec
from tests.github.conftest import REPO, TOKEN, finding, write_day, write_scenario_day
from tests.github_emulator import GitHubEmulator, faults
from tests.harness.git import git

pytestmark = pytest.mark.integration
CANARY = "canary-7f3a9c1e-never-log-me"


def env_for(token: str = TOKEN) -> dict[str, str]:
    return {"GITHUB_TOKEN": token, "GITHUB_REPOSITORY": REPO, "TARS_CI_FAST_LOOPBACK": "1"}


def argv(work: Path, api: str, *extra: str) -> list[str]:
    return ["publish", "--spec", str(work / "config" / "tars.yaml"), "--reports",
            str(work / "reports"), "--api-url", api, *extra]


def snapshot(work: Path, remote: Path) -> tuple[object, ...]:
    index = work / ".git" / "index"
    return (index.read_bytes(), index.stat().st_mtime_ns, git(remote, "for-each-ref"),
            sorted(p.name for p in (work / ".git" / "objects").rglob("*")),
            git(work, "--no-optional-locks", "status", "--porcelain", "-uall"),
            git(work, "rev-parse", "HEAD"))


def test_dry_run_prints_the_whole_plan_and_touches_nothing(
        emulator: GitHubEmulator, remote: Path, clone: Callable[[str], Path],
        run_publish: Callable[..., PublishResult], capsys: pytest.CaptureFixture[str]) -> None:
    work = clone("work")
    for day in range(4):
        write_scenario_day(work, day)
    assert run_publish(work, [0, 1, 2, 3]).ok
    for day in range(4, 8):
        write_scenario_day(work, day)
    before, writes = snapshot(work, remote), len(emulator.writes())
    capsys.readouterr()
    plan = work.parent / "plan.json"
    code = main(argv(work, emulator.url, "--dry-run", "--json", str(plan)), env_for())
    out = capsys.readouterr().out
    assert code == 0
    assert snapshot(work, remote) == before and len(emulator.writes()) == writes
    issues = f"{emulator.state.urls.html}/{REPO}/issues"
    assert out == "\n".join([
        ("tars-ci publish plan for checkout-api v2.4.0 on acme/shop (dry run: nothing will be "
        "changed)"),
        "History:",
        ("  planned   commit         main: tars-ci: checkout-api v2.4.0 days 4, 5, 6, 7 "
        "[skip ci] [8 file(s)]"),
        "  planned   push           origin/main: fetch, rebase, push (never forced)",
        "Issues:",
        ("  planned   open_issue     new issue: slo:availability:burn: P0 SLO availability "
        "burning (day(s) 6, 7) [tars-ci,stabilization,priority/P0,release/checkout-api-v2-4-0]"),
        ("  unchanged none           #1: cpu_percent:degradation: closed: the finding cleared "
        f"{issues}/1"),
        ("  planned   comment        #2: p99_latency_ms:degradation: seen again on day(s) 4, 5 "
        f"{issues}/2"),
        ("  planned   comment        #2: p99_latency_ms:degradation: clear for 2 day(s): 6, 7 "
        f"{issues}/2"),
        f"  planned   close_issue    #2: p99_latency_ms:degradation: finding cleared {issues}/2",
        ("  planned   comment        #3: error_rate:degradation: seen again on day(s) 4, 5, 6, 7"
        f" {issues}/3"),
        "Retrospective pull request:",
        ("  planned   push_branch    tars-ci/retro-checkout-api-v2-4-0: create the branch with "
        "the retrospective"),
        ("  planned   open_pr        PR tars-ci/retro-checkout-api-v2-4-0: tars-ci: 7-day "
        "retrospective for checkout-api v2.4.0 [tars-ci,stabilization,"
        "release/checkout-api-v2-4-0]"),
        "Summary: 9 planned, 1 unchanged", ""])
    data = json.loads(plan.read_text())
    assert data["dry_run"] is True
    assert [(s["area"], s["action"], s["status"]) for s in data["steps"]][:3] == [
        ("history", "commit", "planned"), ("history", "push", "planned"),
        ("issues", "open_issue", "planned")]
    # then publishing for real does exactly what was planned
    result = run_publish(work, None)
    assert [(s.action, s.target) for s in result.plan.steps if s.status == "done"] == [
        ("commit", "main"), ("push", "origin/main"), ("create_label", "priority/P0"),
        ("open_issue", "#4"), ("comment", "#2"), ("comment", "#2"), ("close_issue", "#2"),
        ("comment", "#3"), ("push_branch", "tars-ci/retro-checkout-api-v2-4-0"),
        ("open_pr", "PR #5"), ("label_pr", "PR #5"), ("reviewers", "PR #5"),
        ("update_pr", "PR #5")]  # the body records the reviewers GitHub accepted


def test_dry_run_without_a_token_reads_nothing(
        emulator: GitHubEmulator, clone: Callable[[str], Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    work = clone("work")
    for day in range(8):
        write_scenario_day(work, day)
    assert main(argv(work, emulator.url, "--dry-run"), {}) == 0
    out = capsys.readouterr().out
    assert out.count("open_issue     new issue") == 4
    assert emulator.requests == []


def test_publish_needs_a_token(emulator: GitHubEmulator, clone: Callable[[str], Path],
                               capsys: pytest.CaptureFixture[str]) -> None:
    work = clone("work")
    write_scenario_day(work, 0)
    assert main(argv(work, emulator.url), {"GITHUB_REPOSITORY": REPO}) == 2
    assert "publishing needs GITHUB_TOKEN" in capsys.readouterr().err
    env = {**env_for(), "TARS_CI_FAST_LOOPBACK": "1"}
    assert main(argv(work, "https://github.example.com/api/v3"), env) == 2
    assert "only allowed with a loopback API URL" in capsys.readouterr().err


def _cli(work: Path, api: str, token: str, *extra: str) -> subprocess.Popen[str]:
    """``tars-ci publish`` as a separate process, in the clone (a CI job)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "GH_", "TARS_CI_"))}
    env.update(env_for(token))
    return subprocess.Popen([sys.executable, "-m", "tars_ci", *argv(work, api, *extra)],
                            cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def files_containing(root: Path, needle: str) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and needle.encode() in path.read_bytes():
            hits.append(str(path))
    return hits


def test_canary_token_never_leaks(emulator: GitHubEmulator, remote: Path,
                                  clone: Callable[[str], Path]) -> None:
    emulator.state.tokens[CANARY] = "tars-ci-bot"
    work = clone("work")
    for day in range(8):
        write_scenario_day(work, day)
    ok = _cli(work, emulator.url, CANARY, "--verbose", "--json", str(work / "plan.json"))
    out, err = ok.communicate(timeout=120)
    assert ok.returncode == 0, err
    assert "DEBUG github.Requester: GET" in err  # PyGithub logged every request …
    # … and a failure whose message echoes the token is masked too
    emulator.add_fault(faults.Fault("GET", r"/issues$", 400,
                                    body={"message": f"token {CANARY} is odd"}))
    write_day(work, 7, [finding("x", 7, "P0", severity="critical")])  # a new issue to label
    bad = _cli(work, emulator.url, CANARY, "--verbose")
    out2, err2 = bad.communicate(timeout=120)
    assert bad.returncode == 5
    assert "token *** is odd" in err2
    assert all(r.authenticated for r in emulator.requests)
    for text in (out, err, out2, err2):
        assert CANARY not in text
    assert files_containing(work, CANARY) == []
    assert files_containing(remote, CANARY) == []


def test_two_publish_processes_in_parallel(emulator: GitHubEmulator, remote: Path,
                                           clone: Callable[[str], Path]) -> None:
    works = [clone("a"), clone("b")]
    for work in works:
        for day in range(8):
            write_scenario_day(work, day)
    procs = [_cli(work, emulator.url, TOKEN) for work in works]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1] for o in outs]
    issues = emulator.issues(REPO)
    assert len(issues) == 4
    assert sorted(len(i["comments"]) for i in issues) == [0, 0, 1, 1]  # two closes
    assert len(emulator.pulls(REPO)) == 1
    subjects = git(remote, "log", "--format=%s", "main").splitlines()
    assert subjects == ["tars-ci: checkout-api v2.4.0 days 0, 1, 2, 3, 4, 5, 6, 7 [skip ci]",
                        "spec"]
    assert "refs/tars-ci/locks" not in git(remote, "for-each-ref")
    # the run that came second found everything done
    assert sum("  done      push " in o[0] for o in outs) == 1


def test_token_and_api_url_come_from_the_environment(spec: object) -> None:
    from tars_ci.cli.publish import api_url_for, client_from_env

    assert isinstance(spec, Spec)
    ghe = {"GH_TOKEN": "ghs_x", "GITHUB_REPOSITORY": REPO,
           "GITHUB_API_URL": "https://ghe.example.com/api/v3"}
    client = client_from_env(spec, ghe)
    assert client is not None
    assert (client.api_url, client.repository) == ("https://ghe.example.com/api/v3", REPO)
    assert client.pacing.seconds_between_writes == 1.0
    assert client_from_env(spec, {"GITHUB_REPOSITORY": REPO}) is None
    assert api_url_for(spec, ghe, "https://other/api/v3") == "https://other/api/v3"
    assert api_url_for(spec, {}) == "https://api.github.com"
