"""A lease on the git remote, so overlapping publish runs take turns.

Two scheduled runs that overlap would both list the issues, both find none, and both open one.
GitHub has no lock, but a git remote has an atomic create: pushing a parentless commit to
``refs/tars-ci/locks/<release>`` succeeds for exactly one run (for the other, the push is not
a fast-forward and is rejected). The commit's message names the holder and the expiry; an
expired lease is taken over with a compare-and-swap push (``--force-with-lease`` on the lock
ref only, never on a branch), and a released lease is deleted the same way, so a run can
never delete a lease it no longer holds.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from tars_ci.errors import GitError
from tars_ci.github.git import Git

log = logging.getLogger("tars_ci.github")
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


class Lease(NamedTuple):
    """A held lock."""

    ref: str
    sha: str
    holder: str
    expires: datetime


class LockSettings(NamedTuple):
    """How long a lease lives and how long to wait for one."""

    ttl: timedelta = timedelta(minutes=15)
    wait: float = 600.0  # seconds to wait for another run before giving up
    poll: float = 3.0


def lock_ref(release_slug: str) -> str:
    """The lock ref of a release."""
    return f"refs/tars-ci/locks/{release_slug}"


def _expiry(git: Git, sha: str) -> tuple[str, datetime | None]:
    """Holder and expiry written in a lock commit (None when unreadable)."""
    message = git.result("log", "-1", "--format=%B", sha).stdout
    holder = re.search(r"^holder: (.+)$", message, re.MULTILINE)
    expires = re.search(r"^expires: (\S+)$", message, re.MULTILINE)
    try:
        when = datetime.fromisoformat(expires.group(1).replace("Z", "+00:00")) \
            if expires else None
    except ValueError:
        when = None
    return (holder.group(1) if holder else "unknown"), when


def acquire(git: Git, remote: str, release_slug: str, *, clock: Callable[[], datetime],
            settings: LockSettings | None = None,
            sleep: Callable[[float], None] = lambda s: None,
            monotonic: Callable[[], float] | None = None) -> Lease:
    """Take the release's lease, waiting up to ``settings.wait`` seconds for another run."""
    import time

    settings = settings or LockSettings()
    mono = monotonic or time.monotonic
    ref = lock_ref(release_slug)
    holder = f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"
    deadline = mono() + settings.wait
    git.run("hash-object", "-t", "tree", "-w", "--stdin", input="")  # the empty tree exists
    while True:
        expires = clock().astimezone(timezone.utc) + settings.ttl
        message = (f"tars-ci publish lock for {release_slug}\n\nholder: {holder}\n"
                   f"expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}\n")
        sha = git.run(*git.identity(), "commit-tree", EMPTY_TREE, "-m", message)
        current = git.remote_sha(remote, ref)
        if current is None:
            result = git.push(remote, sha, ref)
        else:
            git.result("fetch", "--no-tags", remote, ref)
            other, other_expires = _expiry(git, current)
            if other_expires is not None and other_expires > clock():
                if mono() >= deadline:
                    raise GitError(f"another tars-ci publish ({other}) holds {ref} until "
                                   f"{other_expires:%Y-%m-%dT%H:%M:%SZ}; gave up after "
                                   f"{settings.wait:.0f} s")
                log.info("waiting for %s (lock held by %s)", ref, other)
                sleep(settings.poll)
                continue
            log.warning("taking over the expired lock %s of %s", ref, other)
            result = git.push(remote, sha, ref, lease=current)
        if result.returncode == 0:
            return Lease(ref, sha, holder, expires)
        refused = "remote rejected" in result.stderr + result.stdout
        if refused and git.remote_sha(remote, ref) == current:
            # nobody else moved the ref, so this was not a race with another run (a race
            # leaves the other run's lease there): a hook, protection rule or ruleset
            # refuses the ref, and waiting would not help
            raise GitError(git.redact(
                f"the remote refuses the lock ref {ref} (allow tars-ci to push refs/tars-ci/*):"
                f" {(result.stderr or result.stdout).strip()[:500]}"))
        if mono() >= deadline:
            raise GitError(git.redact(f"cannot take the lock {ref}: "
                                      f"{result.stderr.strip()[:500]}"))
        sleep(settings.poll)


def release(git: Git, remote: str, lease: Lease) -> bool:
    """Delete the lease if it is still ours; False when someone took it over meanwhile."""
    result = git.push(remote, "", lease.ref, lease=lease.sha)
    if result.returncode != 0:
        log.warning("lock %s was no longer ours; left as it is", lease.ref)
        return False
    return True
