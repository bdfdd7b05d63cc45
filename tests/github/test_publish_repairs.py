"""Publishing after the things people and GitHub do between runs: a reviewer request that was
deferred or refused, a label removed by hand, a 422 that names the field at fault."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tars_ci.github.publish import PublishResult
from tests.github.conftest import (
    HUMAN_TOKEN,
    REPO,
    SLUG,
    finding,
    write_day,
    write_ga,
    write_retro,
)
from tests.github_emulator import GitHubEmulator

pytestmark = pytest.mark.integration


def pull_steps(result: PublishResult) -> list[tuple[str, str]]:
    return [(s.action, s.status) for s in result.plan.steps if s.area == "pull"]


@pytest.fixture
def retro_only(clone: Callable[[str], Path]) -> Path:
    """A checkout whose reports hold the baseline and the retrospective (no issues to open,
    so the pull request's writes are the only ones)."""
    work = clone("work")
    write_ga(work)
    write_retro(work)
    return work


def test_reviewers_deferred_by_the_write_cap_are_asked_by_the_next_run(
        retro_only: Path, emulator: GitHubEmulator, make_client: Callable[..., Any],
        run_publish: Callable[..., PublishResult]) -> None:
    first = run_publish(retro_only, client=make_client(max_writes=2))
    assert first.ok
    assert pull_steps(first) == [("push_branch", "done"), ("open_pr", "done"),
                                 ("label_pr", "done"), ("reviewers", "deferred")]
    [pr] = emulator.pulls(REPO)
    assert pr["pull"]["reviewers"] == []

    second = run_publish(retro_only)
    assert second.ok
    assert pull_steps(second) == [("push_branch", "unchanged"), ("reviewers", "done"),
                                  ("update_pr", "done")]
    [pr] = emulator.pulls(REPO)
    assert pr["pull"]["reviewers"] == ["release-lead"]
    assert "<!-- tars-ci:reviewers requested=release-lead -->" in pr["body"]

    # the reviewer reviews (GitHub drops them from the requested list): never asked again
    human = make_client(token=HUMAN_TOKEN)
    human.repo.get_pull(pr["number"]).delete_review_request(reviewers=["release-lead"])
    writes = len(emulator.writes())
    third = run_publish(retro_only)
    assert third.ok and pull_steps(third) == [("push_branch", "unchanged"),
                                              ("update_pr", "unchanged")]
    assert len(emulator.writes()) == writes
    assert [r.op_id for r in emulator.requests].count("pulls/request-reviewers") == 1


def test_a_refused_reviewer_request_is_sent_again_once_it_can_succeed(
        retro_only: Path, emulator: GitHubEmulator,
        run_publish: Callable[..., PublishResult]) -> None:
    emulator.set_collaborators(REPO, ("oncall-sre",))  # release-lead cannot review yet
    first = run_publish(retro_only)
    assert not first.ok
    assert ("reviewers", "failed") in pull_steps(first)
    [error] = first.errors
    assert "request reviewers on PR #1: GitHub answered 422: Reviews may only be requested " \
           "from collaborators" in error
    [pr] = emulator.pulls(REPO)
    assert pr["pull"]["reviewers"] == [] and "tars-ci:reviewers" not in pr["body"]

    emulator.set_collaborators(REPO, None)  # a maintainer added release-lead
    second = run_publish(retro_only)
    assert second.ok, second.errors
    assert ("reviewers", "done") in pull_steps(second)
    [pr] = emulator.pulls(REPO)
    assert pr["pull"]["reviewers"] == ["release-lead"]


def test_a_dry_run_plans_the_missing_reviewers(
        retro_only: Path, emulator: GitHubEmulator, make_client: Callable[..., Any],
        run_publish: Callable[..., PublishResult]) -> None:
    assert run_publish(retro_only, client=make_client(max_writes=2)).ok
    plan = run_publish(retro_only, dry_run=True)
    assert ("reviewers", "planned") in pull_steps(plan)
    assert ("update_pr", "planned") in pull_steps(plan)


@pytest.mark.parametrize("removed", [("tars-ci",), (f"release/{SLUG}",)])
def test_an_issue_whose_label_a_person_removed_is_found_and_relabelled(
        removed: tuple[str, ...], emulator: GitHubEmulator, clone: Callable[[str], Path],
        run_publish: Callable[..., PublishResult], make_client: Callable[..., Any]) -> None:
    work = clone("work")
    write_day(work, 1, [finding("error_rate", 1, "P1")])
    assert run_publish(work, [1], clock_day=2).ok
    [issue] = emulator.issues(REPO)
    human = make_client(token=HUMAN_TOKEN)
    kept = [n for n in issue["labels"] if n not in removed]
    human.repo.get_issue(issue["number"]).set_labels(*kept)

    write_day(work, 2, [finding("error_rate", 2, "P1")])
    result = run_publish(work, [2], clock_day=3)
    assert result.ok, result.errors
    [again] = emulator.issues(REPO)  # no duplicate
    assert again["number"] == issue["number"]
    assert sorted(again["labels"]) == sorted(issue["labels"])  # restored
    assert [c["body"].split("\n")[0] for c in again["comments"]] == [
        "<!-- tars-ci:event kind=seen episode=1 day=2 -->"]
    assert [(s.action, s.status, s.detail) for s in result.plan.steps
            if s.area == "issues"] == [("relabel", "done", ",".join(removed)),
                                       ("comment", "done", "")]
    # and the next run has nothing left to repair
    writes = len(emulator.writes())
    assert run_publish(work, [2], clock_day=3).ok
    assert len(emulator.writes()) == writes


def test_a_422_names_the_field_and_code_github_gave(
        emulator: GitHubEmulator, clone: Callable[[str], Path],
        run_publish: Callable[..., PublishResult]) -> None:
    emulator.set_collaborators(REPO, ("release-lead",))  # the spec's assignee is not one
    work = clone("work")
    write_day(work, 1, [finding("error_rate", 1, "P1")])
    result = run_publish(work, [1], clock_day=2)
    assert not result.ok
    [error] = result.errors
    assert error == ("open issue for error_rate:degradation: GitHub answered 422: Validation "
                     "Failed: Issue.assignees invalid (value 'oncall-sre')")
    [reply] = [r for r in emulator.requests if r.op_id == "issues/create"]
    assert reply.status == 422
    assert emulator.issues(REPO) == []
