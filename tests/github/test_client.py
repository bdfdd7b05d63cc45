"""The client's retry discipline against injected GitHub failures."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tars_ci.errors import GitHubError
from tars_ci.github.client import GitHubClient
from tars_ci.github.publish import PublishResult
from tests.github.conftest import REPO, TOKEN, Sleeps, write_scenario_day
from tests.github_emulator import GitHubEmulator, faults

pytestmark = pytest.mark.integration


def create_issue(client: GitHubClient, title: str = "t") -> Any:
    """Create an issue the way issues.py does: POST, and look before re-sending."""
    def find() -> Any:
        return next((i for i in client.repo.get_issues(state="all") if i.title == title), None)
    return client.create("open issue", lambda: client.repo.create_issue(title, "b"), find)


def test_502_after_create_is_not_sent_twice(emulator: GitHubEmulator,
                                            make_client: Callable[..., GitHubClient],
                                            sleeps: Sleeps) -> None:
    fault = emulator.add_fault(faults.server_error_after("POST", r"/issues$"))
    client = make_client()
    issue = create_issue(client)
    assert fault.fired == 1
    assert [i["number"] for i in emulator.issues(REPO)] == [issue.number]
    posts = [r for r in emulator.requests if r.method == "POST"]
    assert [r.status for r in posts] == [502]  # one POST; the retry was a look, not a POST
    assert sleeps.calls == [0.5]


def test_pygithub_default_retry_duplicates_the_issue(emulator: GitHubEmulator) -> None:
    """Why the client turns PyGithub's retry off: its default re-POSTs after a 502."""
    from github import Auth, Github, GithubRetry

    emulator.add_fault(faults.server_error_after("POST", r"/issues$"))
    gh = Github(base_url=emulator.url, auth=Auth.Token(TOKEN), seconds_between_requests=None,
                seconds_between_writes=None, retry=GithubRetry(total=2, backoff_factor=0))
    gh.get_repo(REPO).create_issue("t", "b")
    assert len(emulator.issues(REPO)) == 2


def test_503_before_create_is_retried_once_nothing_landed(
        emulator: GitHubEmulator, make_client: Callable[..., GitHubClient]) -> None:
    emulator.add_fault(faults.server_error("POST", r"/issues$", 503))
    create_issue(make_client())
    assert [r.status for r in emulator.requests if r.method == "POST"] == [503, 201]
    assert len(emulator.issues(REPO)) == 1


def test_secondary_rate_limit_waits_the_documented_minute(
        emulator: GitHubEmulator, make_client: Callable[..., GitHubClient],
        sleeps: Sleeps) -> None:
    emulator.add_fault(faults.secondary_rate_limit("POST", r"/issues$"))
    create_issue(make_client())
    assert sleeps.calls == [60.0]  # no Retry-After: GitHub asks for at least a minute
    assert [r.status for r in emulator.requests if r.method == "POST"] == [403, 201]


def test_retry_after_is_honoured_for_403_and_429(
        emulator: GitHubEmulator, make_client: Callable[..., GitHubClient],
        sleeps: Sleeps) -> None:
    emulator.add_fault(faults.secondary_rate_limit("POST", r"/issues$", retry_after=7))
    emulator.add_fault(faults.too_many_requests("GET", r"/issues$", retry_after=3))
    client = make_client()
    create_issue(client)
    client.read("list", lambda: list(client.repo.get_issues()))
    assert sleeps.calls == [7.0, 3.0]
    assert len(emulator.issues(REPO)) == 1


def test_real_429_retry_after_one_second_is_waited(
        emulator: GitHubEmulator, make_client: Callable[..., GitHubClient]) -> None:
    emulator.add_fault(faults.too_many_requests("GET", r"/labels$", retry_after=1))
    client = GitHubClient(TOKEN, REPO, api_url=emulator.url,
                          pacing=make_client().pacing)  # real time.sleep
    client.repo  # noqa: B018  (fetch first, so only the listing is timed)
    start = time.monotonic()
    assert client.read("labels", lambda: list(client.repo.get_labels())) == []
    assert 1.0 <= time.monotonic() - start < 3.0


def test_primary_rate_limit_waits_until_reset(
        emulator: GitHubEmulator, make_client: Callable[..., GitHubClient],
        sleeps: Sleeps) -> None:
    emulator.add_fault(faults.primary_rate_limit("GET", r"/issues$", reset_in=30))
    client = make_client()
    client.read("list", lambda: list(client.repo.get_issues()))
    [wait] = sleeps.calls
    assert 29.0 <= wait <= 31.0  # reset − now, plus one second


def test_a_wait_beyond_the_bound_fails_fast_and_clearly(
        emulator: GitHubEmulator, make_client: Callable[..., GitHubClient],
        sleeps: Sleeps) -> None:
    emulator.add_fault(faults.too_many_requests("POST", r"/issues$", retry_after=3600))
    with pytest.raises(GitHubError, match=r"open issue: GitHub answered 429: Too Many "
                                          r"Requests; GitHub asks to wait 3600 s, longer than "
                                          r"the 120 s this run may wait"):
        create_issue(make_client())
    assert sleeps.calls == []
    assert emulator.issues(REPO) == []


def test_retries_are_bounded(emulator: GitHubEmulator,
                             make_client: Callable[..., GitHubClient], sleeps: Sleeps) -> None:
    emulator.add_fault(faults.server_error("GET", r"/labels$", 502, times=10))
    client = make_client(attempts=3)
    with pytest.raises(GitHubError, match=r"after 3 attempts"):
        client.read("labels", lambda: list(client.repo.get_labels()))
    assert sleeps.calls == [0.5, 1.0]  # backoff doubles, two waits for three tries


def test_client_errors_are_not_retried(emulator: GitHubEmulator,
                                       make_client: Callable[..., GitHubClient],
                                       sleeps: Sleeps) -> None:
    client = make_client()
    with pytest.raises(GitHubError, match=r"GitHub answered 404: Not Found"):
        client.read("issue 99", lambda: client.repo.get_issue(99))
    assert sleeps.calls == []


def test_write_cap_stops_writes(emulator: GitHubEmulator,
                                make_client: Callable[..., GitHubClient]) -> None:
    client = make_client(max_writes=2)
    create_issue(client, "a")
    create_issue(client, "b")
    with pytest.raises(GitHubError, match="cap of 2 GitHub writes"):
        create_issue(client, "c")
    assert len(emulator.issues(REPO)) == 2


def test_token_is_masked_in_errors(emulator: GitHubEmulator,
                                   make_client: Callable[..., GitHubClient]) -> None:
    emulator.add_fault(faults.Fault("GET", r"/labels$", 400,
                                    body={"message": f"bad token {TOKEN}"}))
    client = make_client()
    with pytest.raises(GitHubError) as info:
        client.read("labels", lambda: list(client.repo.get_labels()))
    assert TOKEN not in str(info.value)
    assert "bad token ***" in str(info.value)


def test_publish_completes_through_rate_limits_and_a_502(
        emulator: GitHubEmulator, clone: Callable[[str], Path], sleeps: Sleeps,
        run_publish: Callable[..., PublishResult], make_client: Callable[..., GitHubClient]
) -> None:
    work = clone("work")
    for day in range(8):
        write_scenario_day(work, day)
    emulator.add_fault(faults.secondary_rate_limit("POST", r"/issues$"))
    emulator.add_fault(faults.too_many_requests("POST", r"/comments$", retry_after=1))
    emulator.add_fault(faults.server_error_after("POST", r"/issues$"))
    emulator.add_fault(faults.server_error_after("POST", r"/pulls$"))
    result = run_publish(work, list(range(8)), client=make_client(secondary_wait=5.0))
    assert result.ok, result.errors
    assert len(emulator.issues(REPO)) == 4 and len(emulator.pulls(REPO)) == 1
    # 403 → 5 s, then a 502 on the second try → 1 s; 429 → 1 s; the PR's 502 → 0.5 s
    assert sorted(sleeps.calls) == [0.5, 1.0, 1.0, 5.0]


def test_production_pacing_keeps_a_second_between_writes(emulator: GitHubEmulator) -> None:
    client = GitHubClient(TOKEN, REPO, api_url=emulator.url)  # default Pacing()
    assert (client.pacing.seconds_between_writes, client.pacing.max_writes) == (1.0, 60)
    client.repo  # noqa: B018
    start = time.monotonic()
    client.update("label a", lambda: client.repo.create_label("a", "ffffff"))
    client.update("label b", lambda: client.repo.create_label("b", "ffffff"))
    assert time.monotonic() - start >= 1.0
