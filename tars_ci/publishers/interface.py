"""The Publisher Protocol and the context every publisher reads.

A publisher is one area of output (the history commit, the issues, the retrospective PR, the
notifications). ``plan(ctx)`` reads and returns the steps a dry run prints; ``apply(ctx)``
carries the area out and returns every step with its outcome. ``apply`` plans again at write
time instead of replaying an earlier plan: GitHub and the receivers are read just before each
write (a creating POST re-checks before it is re-sent), so a plan made before the history push
could be stale. A publisher raises :class:`~tars_ci.errors.PublishError` only for a failure of
its whole area; the runner records it as a failed ``sync`` step of that area.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple, Protocol, TypeVar

from tars_ci.github import lock
from tars_ci.publishers.plan import Area, Step

if TYPE_CHECKING:
    from tars_ci.github.client import GitHubClient
    from tars_ci.github.git import Git
    from tars_ci.github.view import ReleaseReports
    from tars_ci.spec.model import Spec


class PublishOptions(NamedTuple):
    """Knobs with production defaults; tests shorten the waits."""

    remote: str = "origin"
    push_attempts: int = 5
    push_backoff: float = 2.0
    locking: lock.LockSettings = lock.LockSettings()
    sleep: Callable[[float], None] = time.sleep


class Context(NamedTuple):
    """What a publisher reads: the spec, the recorded history, the boundaries, and what the
    publishers before it did."""

    spec: Spec
    git: Git
    reports: ReleaseReports
    client: GitHubClient | None
    options: PublishOptions
    dry_run: bool
    clock: Callable[[], datetime]
    head: str = ""  # the base branch tip the history is at (evidence links point here)
    html_url: str = ""  # https://github.com/OWNER/REPO
    done: tuple[Step, ...] = ()  # the steps of the publishers that ran before


C_contra = TypeVar("C_contra", contravariant=True)


class Publisher(Protocol[C_contra]):
    """One area of output, reading a context of type ``C_contra``: :class:`Context` for the
    publishers the runner orders under the lease, ``SummaryContext`` for the Actions job
    summary (no git, no lease)."""

    area: Area
    target: str  # what a failed ``sync`` step of the area names

    def plan(self, ctx: C_contra) -> list[Step]:
        """The steps a dry run prints (reads only)."""
        ...

    def apply(self, ctx: C_contra) -> list[Step]:
        """Carry the area out; every step with its outcome."""
        ...
