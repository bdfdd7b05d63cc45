"""End to end: eight daily publish runs against the emulator and a bare git remote."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tars_ci.github.publish import PublishResult
from tars_ci.reports.markdown import number
from tests.github.conftest import (
    HUMAN_TOKEN,
    REPO,
    SLUG,
    finding,
    write_day,
    write_scenario_day,
)
from tests.github_emulator import GitHubEmulator
from tests.harness.git import git

pytestmark = pytest.mark.integration


def by_finding(gh: GitHubEmulator) -> dict[str, dict[str, Any]]:
    """Issues of the emulator keyed by the finding id in their marker."""
    out = {}
    for it in gh.issues(REPO):
        first = (it["body"] or "").split("\n", 1)[0]
        out[first.split(" id=")[1].split(" ")[0]] = it
    return out


def tars_commits(remote: Path) -> list[str]:
    """Subjects of the history commits on the remote's main, oldest first."""
    out = git(remote, "log", "--reverse", "--format=%s", "main")
    return [s for s in out.splitlines() if s.startswith("tars-ci:")]


def daily(clone: Path, run_publish: Callable[..., PublishResult],
          days: range) -> list[PublishResult]:
    """One scheduled run per day: write that day's reports, then publish."""
    out = []
    for day in days:
        write_scenario_day(clone, day)
        out.append(run_publish(clone, [day], clock_day=day + 1))
    return out


def test_eight_daily_runs_then_a_rerun_change_nothing(
        emulator: GitHubEmulator, remote: Path, clone: Callable[[str], Path],
        run_publish: Callable[..., PublishResult]) -> None:
    work = clone("work")
    results = daily(work, run_publish, range(8))
    assert all(r.ok for r in results), [r.errors for r in results]

    # one history commit per run, each naming its day, with [skip ci]
    assert tars_commits(remote) == [
        f"tars-ci: checkout-api v2.4.0 day {d} [skip ci]" for d in range(8)]
    # the retrospective files are not on main: they travel in the PR
    tree = git(remote, "ls-tree", "-r", "--name-only", "main")
    assert f"reports/{SLUG}/stability/day_07_summary.json" in tree
    assert "GA_7DAY_RETROSPECTIVE" not in tree

    # exactly one issue per P0/P1 finding; the P2 no_data finding has none
    issues = by_finding(emulator)
    assert sorted(issues) == ["cpu_percent:degradation", "error_rate:degradation",
                              "p99_latency_ms:degradation", "slo:availability:burn"]
    assert len(emulator.issues(REPO)) == 4
    state = {k: it["state"] for k, it in issues.items()}
    assert state == {"cpu_percent:degradation": "closed", "error_rate:degradation": "open",
                     "p99_latency_ms:degradation": "closed", "slo:availability:burn": "open"}

    # cpu: opened day 1, cleared days 2 and 3 → closed with a comment on day 3's run
    cpu = issues["cpu_percent:degradation"]
    assert [c["body"].split("\n")[0] for c in cpu["comments"]] == [
        "<!-- tars-ci:event kind=closed episode=1 day=3 -->"]
    assert "Clear for 2 consecutive day(s) (day(s) 2, 3)" in cpu["comments"][0]["body"]

    # p99: P1 days 2-3, P0 day 4 (relabelled), P1 day 5 (relabelled back), closed day 7
    p99 = issues["p99_latency_ms:degradation"]
    firsts = [c["body"].split("\n")[0] for c in p99["comments"]]
    assert firsts == ["<!-- tars-ci:event kind=seen episode=2 day=3 -->",
                      "<!-- tars-ci:event kind=seen episode=2 day=4 -->",
                      "<!-- tars-ci:event kind=seen episode=2 day=5 -->",
                      "<!-- tars-ci:event kind=closed episode=2 day=7 -->"]
    assert "Priority changed: P1 → P0." in p99["comments"][1]["body"]
    assert "Priority changed: P0 → P1." in p99["comments"][2]["body"]
    assert "priority/P1" in p99["labels"] and "priority/P0" not in p99["labels"]
    assert p99["state_reason"] == "completed"

    # error_rate: labels, assignee, evidence linking the day's JSON at the pushed commit
    err = issues["error_rate:degradation"]
    assert err["labels"] == ["tars-ci", "stabilization", "priority/P1",
                             f"release/{SLUG}"]
    assert err["assignees"] == ["oncall-sre"]
    assert err["title"] == "[tars-ci] checkout-api v2.4.0: error_rate degradation"
    day3_commit = git(remote, "log", "--format=%H", "-1", "--grep", "day 3 ", "main")
    assert (f"{emulator.state.urls.html}/{REPO}/blob/{day3_commit}/reports/{SLUG}/"
            f"stability/day_03_summary.json") in err["body"]
    assert (f"| 3 | {number(2.5, 'percent')} | {number(0.5, 'percent')} | +400.0% | P1 | "
            f"high |") in err["body"]
    assert len(err["comments"]) == 4  # days 4, 5, 6, 7

    # the retrospective PR: fixed branch, labels, reviewer, checklist
    [pr] = emulator.pulls(REPO)
    assert pr["pull"]["head"] == "tars-ci/retro-checkout-api-v2-4-0"
    assert pr["pull"]["base"] == "main"
    assert pr["pull"]["reviewers"] == ["release-lead"]
    assert pr["labels"] == ["tars-ci", "stabilization", f"release/{SLUG}"]
    assert "- [ ] **Error rate degradation** (KPI `error_rate`, day 3) — fix retries" \
        in pr["body"]
    branch_files = git(remote, "ls-tree", "-r", "--name-only",
                       "tars-ci/retro-checkout-api-v2-4-0")
    assert f"reports/{SLUG}/output/GA_7DAY_RETROSPECTIVE.md" in branch_files

    # the same run again (same clock): zero new issues, comments, commits; PR untouched
    writes_before = len(emulator.writes())
    head_before = git(remote, "rev-parse", "main")
    again = run_publish(work, [7], clock_day=8)
    assert again.ok and again.commit is None
    assert len(emulator.writes()) == writes_before
    assert git(remote, "rev-parse", "main") == head_before
    assert {s.status for s in again.plan.steps} <= {"unchanged"}
    # and a fresh checkout (a new CI job) converges to the same: nothing to do
    fresh = run_publish(clone("fresh"), None, clock_day=8)
    assert fresh.ok and len(emulator.writes()) == writes_before
    # no search, ever
    assert not [r for r in emulator.requests if r.path.startswith("/search")]


def test_catch_up_run_opens_and_closes_in_one_go(
        emulator: GitHubEmulator, remote: Path, clone: Callable[[str], Path],
        run_publish: Callable[..., PublishResult]) -> None:
    """All eight days processed by one delayed run: one commit, the same issues."""
    work = clone("work")
    for day in range(8):
        write_scenario_day(work, day)
    result = run_publish(work, list(range(8)))
    assert result.ok, result.errors
    assert tars_commits(remote) == [
        "tars-ci: checkout-api v2.4.0 days 0, 1, 2, 3, 4, 5, 6, 7 [skip ci]"]
    issues = by_finding(emulator)
    assert {k: it["state"] for k, it in issues.items()} == {
        "cpu_percent:degradation": "closed", "error_rate:degradation": "open",
        "p99_latency_ms:degradation": "closed", "slo:availability:burn": "open"}
    # the body carries the whole episode; the close comes right after
    p99 = issues["p99_latency_ms:degradation"]
    assert "seen on day(s) 2, 3, 4, 5" in p99["body"]
    assert [c["body"].split("\n")[0] for c in p99["comments"]] == [
        "<!-- tars-ci:event kind=closed episode=2 day=7 -->"]
    assert len(emulator.pulls(REPO)) == 1


def test_human_closed_issue_stays_closed_and_a_new_episode_reopens(
        emulator: GitHubEmulator, clone: Callable[[str], Path],
        run_publish: Callable[..., PublishResult], make_client: Callable[..., Any]) -> None:
    work = clone("work")
    write_day(work, 1, [finding("error_rate", 1, "P1")])
    assert run_publish(work, [1], clock_day=2).ok
    [issue] = emulator.issues(REPO)
    human = make_client(token=HUMAN_TOKEN)
    human.repo.get_issue(issue["number"]).edit(state="closed", state_reason="not_planned")

    # still P1 on days 2 and 3: same episode → stays closed, no comment
    for day in (2, 3):
        write_day(work, day, [finding("error_rate", day, "P1")])
        result = run_publish(work, [day], clock_day=day + 1)
        assert result.ok
        assert [s.summary for s in result.plan.steps if s.area == "issues"] == [
            "error_rate:degradation: closed by a person during this episode; not reopened"]
    [issue] = emulator.issues(REPO)
    assert issue["state"] == "closed" and issue["comments"] == []

    # clear on days 4 and 5 (the episode ends), back on day 6 → a new episode reopens it
    for day in (4, 5):
        write_day(work, day, [])
        assert run_publish(work, [day], clock_day=day + 1).ok
    write_day(work, 6, [finding("error_rate", 6, "P0", severity="critical")])
    assert run_publish(work, [6], clock_day=7).ok
    [issue] = emulator.issues(REPO)
    assert issue["state"] == "open" and issue["state_reason"] == "reopened"
    assert issue["comments"][-1]["body"].startswith(
        "<!-- tars-ci:event kind=reopened episode=6 day=6 -->\nBack on day(s) 6")
    assert "priority/P0" in issue["labels"] and "priority/P1" not in issue["labels"]


def test_write_cap_defers_the_rest_and_the_next_run_converges(
        emulator: GitHubEmulator, remote: Path, clone: Callable[[str], Path],
        run_publish: Callable[..., PublishResult], make_client: Callable[..., Any]) -> None:
    work = clone("work")
    for day in range(8):
        write_scenario_day(work, day)
    first = run_publish(work, None, client=make_client(max_writes=8))
    assert first.ok
    # 5 labels + 3 issue writes fit; the rest waits for the next run
    assert first.plan.count("done", "issues") == 8
    deferred = first.plan.actions("open_issue", "deferred")
    assert [s.summary.split(":")[0] for s in deferred] == ["p99_latency_ms", "error_rate"]
    second = run_publish(work, None)
    assert second.ok and second.plan.count("deferred") == 0
    assert len(emulator.issues(REPO)) == 4 and len(emulator.pulls(REPO)) == 1
    assert sorted(len(i["comments"]) for i in emulator.issues(REPO)) == [0, 0, 1, 1]
