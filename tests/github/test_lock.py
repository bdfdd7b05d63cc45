"""The publish lease on the git remote."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tars_ci.errors import GitError
from tars_ci.github import lock
from tars_ci.github.git import Git
from tests.harness.git import git

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 9, 1, 0, tzinfo=timezone.utc)


def clock(at: datetime) -> Callable[[], datetime]:
    return lambda: at


def test_one_holder_at_a_time(remote: Path, clone: Callable[[str], Path]) -> None:
    a, b = Git(clone("a")), Git(clone("b"))
    held = lock.acquire(a, "origin", "rel", clock=clock(T0))
    assert held.expires == T0 + timedelta(minutes=15)
    assert git(remote, "rev-parse", "refs/tars-ci/locks/rel") == held.sha
    ticks = iter(range(100))
    polls: list[float] = []
    with pytest.raises(GitError, match=r"another tars-ci publish \(.+\) holds "
                                       r"refs/tars-ci/locks/rel until 2026-11-09T01:15:00Z; "
                                       r"gave up after 2 s"):
        lock.acquire(b, "origin", "rel", clock=clock(T0), sleep=polls.append,
                     settings=lock.LockSettings(wait=2.0, poll=0.5),
                     monotonic=lambda: float(next(ticks)))
    assert polls == [0.5]
    assert lock.release(a, "origin", held)
    assert "refs/tars-ci" not in git(remote, "for-each-ref")
    assert lock.acquire(b, "origin", "rel", clock=clock(T0)).ref == "refs/tars-ci/locks/rel"


def test_an_expired_lease_is_taken_over_and_the_old_holder_cannot_delete_it(
        remote: Path, clone: Callable[[str], Path]) -> None:
    a, b = Git(clone("a")), Git(clone("b"))
    stale = lock.acquire(a, "origin", "rel", clock=clock(T0))  # a run that crashed
    fresh = lock.acquire(b, "origin", "rel", clock=clock(T0 + timedelta(minutes=16)))
    assert fresh.sha != stale.sha
    assert not lock.release(a, "origin", stale)  # compare-and-swap: no longer a's
    assert git(remote, "rev-parse", "refs/tars-ci/locks/rel") == fresh.sha
    assert lock.release(b, "origin", fresh)


def test_a_remote_that_refuses_the_lock_ref_fails_at_once(
        remote: Path, clone: Callable[[str], Path]) -> None:
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'refs outside heads are not allowed' >&2\nexit 1\n")
    hook.chmod(0o755)
    with pytest.raises(GitError, match=r"the remote refuses the lock ref "
                                       r"refs/tars-ci/locks/rel"):
        lock.acquire(Git(clone("a")), "origin", "rel", clock=clock(T0))
    subprocess.run(["rm", str(hook)], check=True)
