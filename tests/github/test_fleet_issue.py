"""The fleet issue on the emulator: opened once, edited only when the summary changes, found
again by its label and marker (and by its marker alone when a person removed the label),
never duplicated by a retry after a 502, never reopened."""

from __future__ import annotations

from collections.abc import Callable

from github import Auth, Github

from tars_ci.github.client import GitHubClient
from tars_ci.github.fleet_issue import (
    FLEET_LABEL,
    LABELS,
    PIN_NOTE,
    fleet_marker,
    issue_body,
    issue_title,
    parse_fleet,
    sync_fleet_issue,
)
from tests.github.conftest import HUMAN_TOKEN, REPO
from tests.github_emulator import GitHubEmulator, faults

NAME = "config/releases"


def fleet_issues(gh: GitHubEmulator) -> list[dict[str, object]]:
    return [i for i in gh.issues(REPO) if parse_fleet(str(i["body"])) is not None]


def test_the_marker_and_the_body() -> None:
    assert fleet_marker(NAME) == "<!-- tars-ci:fleet name=config/releases -->"
    assert parse_fleet("x\n" + fleet_marker("team a/releases") + "\n") == "team a/releases"
    assert parse_fleet("<!-- tars-ci:fleet name=a --") is None
    body = issue_body(NAME, "## summary\n")
    assert body.splitlines()[:2] == [fleet_marker(NAME), PIN_NOTE]
    assert "REST API has no way to pin" in PIN_NOTE
    assert issue_title(NAME) == "tars-ci fleet summary: config/releases"
    long = issue_body(NAME, "| row |\n" * 20_000)
    assert len(long) <= 60_000 and long.startswith(fleet_marker(NAME))


def test_opened_once_then_edited_only_on_change(
        emulator: GitHubEmulator, make_client: Callable[..., GitHubClient]) -> None:
    [step] = sync_fleet_issue(None, NAME, issue_body(NAME, "one\n"), dry_run=True)
    assert (step.action, step.status) == ("open_issue", "planned")
    [step] = sync_fleet_issue(make_client(), NAME, issue_body(NAME, "one\n"), dry_run=False)
    assert (step.action, step.status, step.target) == ("open_issue", "done", "#1")
    [issue] = fleet_issues(emulator)
    assert sorted(issue["labels"]) == sorted(LABELS)  # type: ignore[arg-type]
    assert issue["title"] == issue_title(NAME)

    writes, requests = len(emulator.writes()), len(emulator.requests)
    [step] = sync_fleet_issue(make_client(), NAME, issue_body(NAME, "one\n"), dry_run=False)
    assert (step.action, step.status) == ("none", "unchanged")
    assert len(emulator.writes()) == writes
    assert [f"{r.method} {r.path}" for r in emulator.requests[requests:]] == [
        f"GET /repos/{REPO}", f"GET /repos/{REPO}/issues"]  # one list a run, no issue GET

    [step] = sync_fleet_issue(make_client(), NAME, issue_body(NAME, "two\n"), dry_run=True)
    assert (step.action, step.status) == ("update_issue", "planned")
    assert len(emulator.writes()) == writes
    [step] = sync_fleet_issue(make_client(), NAME, issue_body(NAME, "two\n"), dry_run=False)
    assert (step.action, step.status, step.summary) == ("update_issue", "done",
                                                        "fleet summary: body changed")
    assert len(emulator.writes()) == writes + 1
    [issue] = fleet_issues(emulator)
    assert str(issue["body"]).endswith("two\n")

    # another fleet in the same repository has its own issue
    sync_fleet_issue(make_client(), "teams/b", issue_body("teams/b", "b\n"), dry_run=False)
    assert sorted(parse_fleet(str(i["body"])) for i in fleet_issues(emulator)) == [
        NAME, "teams/b"]


def test_a_removed_label_or_a_closed_issue_never_makes_a_second_one(
        emulator: GitHubEmulator, make_client: Callable[..., GitHubClient]) -> None:
    sync_fleet_issue(make_client(), NAME, issue_body(NAME, "one\n"), dry_run=False)
    person = Github(base_url=emulator.url, auth=Auth.Token(HUMAN_TOKEN))
    issue = person.get_repo(REPO).get_issue(1)
    issue.edit(state="closed", labels=["tars-ci"])  # the fleet label removed
    [step] = sync_fleet_issue(make_client(), NAME, issue_body(NAME, "two\n"), dry_run=False)
    assert (step.action, step.status, step.target) == ("update_issue", "done", "#1")
    assert step.summary == "fleet summary: body, labels changed"
    [issue_now] = fleet_issues(emulator)
    assert FLEET_LABEL in issue_now["labels"]  # type: ignore[operator]
    assert issue_now["state"] == "closed"  # a person closed it: not reopened


def test_a_502_after_opening_does_not_open_a_second(
        emulator: GitHubEmulator, make_client: Callable[..., GitHubClient]) -> None:
    emulator.add_fault(faults.server_error_after("POST", r"/issues$"))
    [step] = sync_fleet_issue(make_client(), NAME, issue_body(NAME, "one\n"), dry_run=False)
    assert step.status == "done"
    assert len(fleet_issues(emulator)) == 1


def test_a_failure_is_a_failed_step(emulator: GitHubEmulator,
                                    make_client: Callable[..., GitHubClient]) -> None:
    emulator.add_fault(faults.server_error("POST", r"/issues$", status=422, times=1))
    [step] = sync_fleet_issue(make_client(), NAME, issue_body(NAME, "one\n"), dry_run=False)
    assert step.status == "failed" and "422" in step.detail
    assert fleet_issues(emulator) == []
