"""The retrospective pull request: created once, updated in place, never recreated."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tars_ci.github.publish import PublishResult
from tests.github.conftest import (
    HUMAN_TOKEN,
    REPO,
    write_retro,
    write_scenario_day,
)
from tests.github_emulator import GitHubEmulator, faults
from tests.harness.git import git

pytestmark = pytest.mark.integration
BRANCH = "tars-ci/retro-checkout-api-v2-4-0"


@pytest.fixture
def day7(clone: Callable[[str], Path], run_publish: Callable[..., PublishResult]) -> Path:
    work = clone("work")
    for day in range(8):
        write_scenario_day(work, day)
    assert run_publish(work, list(range(8))).ok
    return work


def pull_steps(result: PublishResult) -> list[tuple[str, str, str]]:
    return [(s.action, s.status, s.summary) for s in result.plan.steps if s.area == "pull"]


def test_closed_unmerged_pull_request_is_not_recreated(
        day7: Path, emulator: GitHubEmulator, remote: Path,
        run_publish: Callable[..., PublishResult], make_client: Callable[..., object]) -> None:
    [pr] = emulator.pulls(REPO)
    human = make_client(token=HUMAN_TOKEN)
    human.repo.get_pull(pr["number"]).edit(state="closed")  # type: ignore[attr-defined]
    branch_tip = git(remote, "rev-parse", BRANCH)
    write_retro(day7, summary="A different summary.")
    result = run_publish(day7)
    assert result.ok
    assert pull_steps(result) == [
        ("none", "skipped", "closed without merging by a person; not recreated")]
    assert len(emulator.pulls(REPO)) == 1
    assert git(remote, "rev-parse", BRANCH) == branch_tip


def test_update_keeps_ticks_and_commits_on_the_branch(
        day7: Path, emulator: GitHubEmulator, remote: Path,
        run_publish: Callable[..., PublishResult], make_client: Callable[..., object]) -> None:
    [pr] = emulator.pulls(REPO)
    human = make_client(token=HUMAN_TOKEN)
    ticked = pr["body"].replace("- [ ] **Error rate degradation**",
                                "- [x] **Error rate degradation**")
    human.repo.get_pull(pr["number"]).edit(body=ticked)  # type: ignore[attr-defined]
    first_tip = git(remote, "rev-parse", BRANCH)
    write_retro(day7, summary="Updated summary after a re-run.")
    result = run_publish(day7)
    assert result.ok
    assert pull_steps(result) == [("push_branch", "done", "committed the retrospective"),
                                  ("update_pr", "done", "title/body updated")]
    [pr] = emulator.pulls(REPO)
    assert "Updated summary after a re-run." in pr["body"]
    assert "- [x] **Error rate degradation**" in pr["body"]
    assert git(remote, "rev-parse", f"{BRANCH}~1") == first_tip  # fast-forward, no force


def test_concurrently_created_pull_request_is_looked_up(
        clone: Callable[[str], Path], emulator: GitHubEmulator,
        run_publish: Callable[..., PublishResult]) -> None:
    work = clone("work")
    for day in range(8):
        write_scenario_day(work, day)
    assert run_publish(work, list(range(8))).ok
    # another run's PR exists, but this run's listing does not show it yet: the create
    # answers 422 "already exists", and the client looks it up instead of failing
    emulator.add_fault(faults.Fault("GET", r"/pulls$", 200, body=[]))
    write_retro(work, summary="Changed again.")
    result = run_publish(work)
    assert result.ok, result.errors
    [pr] = emulator.pulls(REPO)
    assert [s for s in pull_steps(result) if s[0] == "open_pr"] == [
        ("open_pr", "done", "tars-ci: 7-day retrospective for checkout-api v2.4.0")]
    creates = [r.status for r in emulator.requests if r.op_id == "pulls/create"]
    assert creates == [201, 422]
    assert "Changed again." in pr["body"]


def test_merged_pull_request_with_nothing_new_stays_merged(
        day7: Path, emulator: GitHubEmulator, run_publish: Callable[..., PublishResult]
) -> None:
    [pr] = emulator.pulls(REPO)
    emulator.merge_pull(REPO, pr["number"])
    result = run_publish(day7)
    assert result.ok
    assert pull_steps(result) == [("push_branch", "unchanged", "already up to date"),
                                  ("none", "unchanged", "merged; nothing new")]
    assert len(emulator.pulls(REPO)) == 1
