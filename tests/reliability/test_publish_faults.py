"""Publishing under faults: ``tars-ci run --publish`` (the bundled demo, in-process) against the
GitHub emulator's fault hooks and real git with a bare remote whose hooks misbehave.

For each fault: the exit code and the one line the user sees, that the history was not lost
(pushed, or kept locally when the push cannot happen), and that once the fault is gone a
re-run ends exactly where a fault-free run ends — no duplicate issue, comment, commit or PR.
Client-level cases of the same faults (which request is retried, how long it waits) live in
tests/github/test_client.py and tests/github/test_history.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from tars_ci.cli import main
from tests.github_emulator import Fault, GitHubEmulator, documents, faults
from tests.harness.git import git
from tests.reliability.conftest import (
    NOW,
    SLUG,
    demo_repository,
    diff,
    emulator_for,
    github_state,
    publish_env,
    remote_state,
    tree,
)

pytestmark = pytest.mark.integration

HISTORY = "tars-ci: checkout-api v2.4.0 days 0, 1, 2, 3, 4, 5, 6, 7 [skip ci]"
ISSUE = "availability:degradation"  # the first issue opened: P0s first


class State(NamedTuple):
    """Everything a scheduled run leaves: reports, remote, GitHub."""

    reports: dict[str, bytes]
    remote: dict[str, Any]
    github: list[dict[str, Any]]


def run(work: Path, gh: GitHubEmulator) -> int:
    return main(["run", "--spec", str(work / "config" / "tars.yaml"), "--now", NOW,
                 "--reports", str(work / "reports"), "--publish", "-q"], publish_env(gh))


def state(work: Path, bare: Path, gh: GitHubEmulator) -> State:
    return State(tree(work / "reports"), remote_state(bare), github_state(gh, bare))


def unnumbered(github: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Issues and PRs without their numbers (a failed create leaves the PR first in line)."""
    return sorted(({k: v for k, v in it.items() if k != "number"} for it in github),
                  key=lambda it: (it["pull"] or "", it["title"]))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> State:
    """Where a fault-free scheduled run ends."""
    bare, work = demo_repository(tmp_path_factory.mktemp("reference"))
    with emulator_for(bare) as gh:
        assert run(work, gh) == 1  # day 2's P1, day 5's P0 and rollback
        done = state(work, bare, gh)
    assert [s for s, _ in done.remote["refs/heads/main"]] == ["spec", HISTORY]
    assert [(i["number"], i["state"], len(i["comments"]), i["pull"]) for i in done.github] == [
        (1, "closed", 1, None), (2, "closed", 1, None), (3, "closed", 1, None),
        (4, "closed", 1, None), (5, "open", 0, f"tars-ci/retro-{SLUG}")]
    return done


def stderr_errors(capsys: pytest.CaptureFixture[str], text: list[str] | None = None
                  ) -> list[str]:
    """The ``error:`` lines on stderr (the whole of it is appended to ``text``)."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if text is not None:
        text.append(err)
    return [line for line in err.splitlines() if line.startswith("error:")]


def auto_created_label(problem: Any) -> bool:
    """When listing issues fails, the PR is labelled before tars-ci created its labels, so
    GitHub creates them (description null); GitHub's own schema for a pull request's labels
    says the description is never null. Known, and not the product's doing."""
    return (problem.op_id.startswith("pulls/") and
            "/labels/" in problem.message and "description: None " in problem.message)


def failed(message: str) -> list[str]:
    """The error lines of a run whose publishing failed: the failed step, then the summary
    (one step here)."""
    if not message:
        return []
    return [f"error: {message}", "error: 1 publishing step(s) failed (errors above)"]


class GitHubFault(NamedTuple):
    name: str
    faults: Callable[[], list[Fault]]
    code: int  # exit of the run with the fault
    error: str  # what failed, as the "error:" lines say it ("" when the run succeeds)
    renumbered: bool  # the failed create left the PR first in the number sequence


NO_ACCESS = {"message": "Resource not accessible by integration",
             "documentation_url": "https://docs.github.com/rest"}
GITHUB_FAULTS = [
    GitHubFault("403-on-create", lambda: [Fault("POST", r"/issues$", 403, body=NO_ACCESS)], 5,
                f"open issue for {ISSUE}: GitHub "
                "answered 403: Resource not accessible by integration", True),
    GitHubFault("403-on-close",
                lambda: [Fault("PATCH", r"/issues/\d+$", 403, body=NO_ACCESS)], 5,
                "close #1: GitHub answered 403: "
                "Resource not accessible by integration", True),
    GitHubFault("429-persistent",
                lambda: [faults.too_many_requests("POST", r"/issues$", 1, times=10)], 5,
                f"open issue for {ISSUE}: GitHub "
                "answered 429: Too Many Requests (after 4 attempts)", True),
    GitHubFault("429-once", lambda: [faults.too_many_requests("POST", r"/issues$", 1)], 1,
                "", False),
    GitHubFault("503-persistent",
                lambda: [faults.server_error("GET", r"/issues$", 503, times=10)], 5,
                "list tars-ci issues: GitHub answered 503: "
                "Service Unavailable (after 4 attempts)", True),
    GitHubFault("502-after-create-issue",
                lambda: [faults.server_error_after("POST", r"/issues$")], 1, "", False),
    GitHubFault("502-after-comment",
                lambda: [faults.server_error_after("POST", r"/comments$")], 1, "", False),
    GitHubFault("502-after-create-pull",
                lambda: [faults.server_error_after("POST", r"/pulls$")], 1, "", False),
    GitHubFault("422-on-create",
                lambda: [Fault("POST", r"/issues$", 422, body=documents.validation_failed(
                    "assignees are invalid", "Issue", "invalid", "assignees"))], 5,
                f"open issue for {ISSUE}: GitHub "
                "answered 422: Validation Failed: Issue.assignees invalid: assignees are "
                "invalid", True),
]


@pytest.mark.parametrize("case", GITHUB_FAULTS, ids=[c.name for c in GITHUB_FAULTS])
def test_a_github_fault_loses_and_duplicates_nothing(
        case: GitHubFault, reference: State, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    bare, work = demo_repository(tmp_path)
    with emulator_for(bare) as gh:
        injected = [gh.add_fault(f) for f in case.faults()]
        assert run(work, gh) == case.code
        assert all(f.fired for f in injected)
        assert stderr_errors(capsys) == failed(case.error)
        first = state(work, bare, gh)
        # the history is pushed whatever GitHub did, and the reports are complete
        assert first.remote["refs/heads/main"] == reference.remote["refs/heads/main"]
        assert first.reports == reference.reports

        gh.faults.clear()  # access granted again, the rate limit over, the proxy healthy
        assert run(work, gh) == 0  # nothing left to process; publishing completes
        assert stderr_errors(capsys) == []
        again = state(work, bare, gh)
        assert [p for p in gh.schema_problems if not auto_created_label(p)] == []
    assert again.reports == reference.reports
    assert again.remote == reference.remote  # one history commit, one retro branch commit
    if case.renumbered:
        assert unnumbered(again.github) == unnumbered(reference.github)
    else:
        assert again.github == reference.github


# --------------------------------------------------------------------------- git faults

COMPETE = """#!/bin/sh
# the first push to main is rejected: another run's commit landed just before it
while read old new ref; do
  if [ "$ref" = refs/heads/main ] && [ ! -e "$GIT_DIR/competed" ]; then
    touch "$GIT_DIR/competed"
    unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
    blob=$(echo "written by someone else" | git hash-object -w --stdin)
    tree=$( (git ls-tree "$old"; printf '100644 blob %s\\tCOMPETING.md\\n' "$blob") | git mktree)
    commit=$(git -c user.name=other -c user.email=o@example.com commit-tree "$tree" -p "$old" \\
             -m "a competing commit")
    git update-ref refs/heads/main "$commit" "$old"
    echo "main moved while you pushed" >&2
    exit 1
  fi
done
"""

DROP = """#!/bin/sh
# the connection drops after the pack was sent, before the ref update ({times} time(s))
while read old new ref; do
  if [ "$ref" = refs/heads/main ]; then
    n=$(cat "$GIT_DIR/drops" 2>/dev/null || echo 0)
    if [ "$n" -lt {times} ]; then
      echo $((n + 1)) > "$GIT_DIR/drops"
      kill -9 $PPID
      sleep 1
    fi
  fi
done
"""


def hook(bare: Path, text: str) -> Path:
    path = bare / "hooks" / "pre-receive"
    path.write_text(text, "utf-8")
    path.chmod(0o755)
    return path


def test_a_push_rejected_by_a_competing_commit_is_rebased_and_keeps_both(
        reference: State, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bare, work = demo_repository(tmp_path)
    hook(bare, COMPETE)
    with emulator_for(bare) as gh:
        assert run(work, gh) == 1
        out = capsys.readouterr()
        # the remote moved since the fetch: a lost race, retried, not a failed attempt
        assert ("done      push           origin/main: pushed (after losing 1 race(s) to "
                "other runs) [2 attempt(s)]") in out.out
        assert "push to origin/main: another run pushed first (1); rebasing again" in out.err
        assert "rejected" not in out.err
        got = state(work, bare, gh)
    subjects = [s for s, _ in got.remote["refs/heads/main"]]
    assert subjects == ["spec", "a competing commit", HISTORY]
    files = git(bare, "ls-tree", "-r", "--name-only", "main").splitlines()
    assert "COMPETING.md" in files  # the other commit is kept, not overwritten
    assert len([f for f in files if f.startswith(f"reports/{SLUG}/")]) == 17
    assert got.github == reference.github


def test_a_conflicting_history_stops_publishing_and_keeps_both_versions(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bare, work = demo_repository(tmp_path)
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(bare), str(other))
    day3 = f"reports/{SLUG}/stability/day_03_summary.json"
    (other / day3).parent.mkdir(parents=True)
    (other / day3).write_text('{"written": "by another run"}\n', "utf-8")
    git(other, "add", "reports")
    git(other, "commit", "-q", "-m", "tars-ci: another run [skip ci]")
    git(other, "push", "-q", "origin", "HEAD:refs/heads/main")
    theirs = git(bare, "rev-parse", "main")
    with emulator_for(bare) as gh:
        assert run(work, gh) == 5
        assert stderr_errors(capsys) == failed(
            f"history conflict: another run committed different content for {day3}; resolve "
            "it by hand (the local commit is kept)")
        assert gh.writes() == []  # issues and PR skipped: their links would be wrong
    assert git(bare, "rev-parse", "main") == theirs  # never forced
    assert git(work, "log", "-1", "--format=%s") == HISTORY  # ours, kept locally
    # nothing else pending: the retrospective goes through its pull request, not main
    assert git(work, "status", "--porcelain") == f"?? reports/{SLUG}/output/"
    assert "refs/tars-ci/locks" not in git(bare, "for-each-ref")


def test_the_network_failing_mid_push_is_retried(
        reference: State, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bare, work = demo_repository(tmp_path)
    hook(bare, DROP.format(times=2))
    with emulator_for(bare) as gh:
        assert run(work, gh) == 1
        out = capsys.readouterr()
        assert "origin/main: pushed [3 attempt(s)]" in out.out
        assert out.err.count("push to origin/main rejected (attempt ") == 2
        got = state(work, bare, gh)
    assert got.remote == reference.remote and got.github == reference.github


def test_the_network_down_for_the_whole_push_keeps_the_commit_for_the_next_run(
        reference: State, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bare, work = demo_repository(tmp_path)
    drop = hook(bare, DROP.format(times=99))
    with emulator_for(bare) as gh:
        assert run(work, gh) == 5
        err: list[str] = []
        errors = stderr_errors(capsys, err)
        assert len(errors) == 2 and errors == failed(errors[0][len("error: "):])
        assert errors[0].startswith("error: push to origin main failed after 5 attempts: ")
        assert "fatal: the remote end hung up unexpectedly" in err[0]  # git's own words
        assert git(bare, "log", "--format=%s", "main") == "spec"
        assert git(work, "log", "-1", "--format=%s") == HISTORY  # committed, not lost
        assert gh.writes() == []
        assert "refs/tars-ci/locks" not in git(bare, "for-each-ref")  # lease released

        drop.unlink()  # the network is back
        assert run(work, gh) == 0
        assert stderr_errors(capsys) == []
        got = state(work, bare, gh)
    assert got == reference  # the kept commit pushed once; issues and PR as usual
    assert diff(reference.reports, got.reports) == []


def test_a_stale_index_lock_from_a_killed_git_stops_publishing_and_loses_nothing(
        reference: State, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """git killed mid-command leaves .git/index.lock; git refuses to touch the index until it
    is removed (actions/checkout removes it; a hand-kept work tree needs a person)."""
    bare, work = demo_repository(tmp_path)
    lock = work / ".git" / "index.lock"
    lock.write_text("", "utf-8")
    with emulator_for(bare) as gh:
        assert run(work, gh) == 5
        err: list[str] = []
        errors = stderr_errors(capsys, err)
        assert len(errors) == 2 and errors[0].startswith("error: git add --all -- reports")
        assert f"Unable to create '{lock}': File exists." in err[0]
        assert "remove the file manually to continue" in err[0]
        assert tree(work / "reports") == reference.reports  # computed and kept
        assert git(bare, "log", "--format=%s", "main") == "spec" and gh.writes() == []
        assert "refs/tars-ci/locks" not in git(bare, "for-each-ref")

        lock.unlink()
        assert run(work, gh) == 0
        assert state(work, bare, gh) == reference
