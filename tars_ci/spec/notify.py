"""The ``notify:`` list of a spec: where notifications go and which ones.

A target names the *secret* that holds its webhook URL (``url_secret``), never the URL: the
CLI reads it from the environment (the generated workflow maps the secret of that name), so
the URL is in no file, log line, report or plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from tars_ci.spec.fields import Priority, doc

NotifyType = Literal["slack", "teams", "webhook"]
EventKind = Literal["finding_opened", "finding_escalated", "finding_cleared",
                    "decision_changed", "retro_ready"]
EVENT_KINDS: tuple[EventKind, ...] = ("finding_opened", "finding_escalated", "finding_cleared",
                                      "decision_changed", "retro_ready")
SECRET_NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,99}$"


@dataclass(frozen=True)
class NotifyTarget:
    """One receiver of notifications."""

    type: NotifyType = field(metadata=doc(
        "`slack`: a Slack incoming webhook (Block Kit). `teams`: a Microsoft Teams workflow "
        "(or connector) webhook, sent an Adaptive Card 1.4 in a `message` attachment. "
        "`webhook`: any URL, sent the documented JSON payload `tars-ci.notification/v1`."))
    url_secret: str = field(metadata=doc(
        "Name of the environment variable (in Actions: the secret of that name) that holds "
        "the webhook URL; the URL itself never appears in the spec or any output.",
        pattern=SECRET_NAME))
    name: str = field(default="", metadata=doc(
        "The target's name in plans and in the record of what was sent; default "
        "`<type>-<url_secret in lowercase>`. Renaming a target makes it a new receiver that "
        "gets every event again."))
    events: tuple[EventKind, ...] = field(default=EVENT_KINDS, metadata=doc(
        "Events sent to this target (default: all): `finding_opened`, `finding_escalated`, "
        "`finding_cleared` (a P0/P1 finding, as its issue tells it), `decision_changed` (the "
        "day's rollback decision differs from the day before), `retro_ready`."))
    min_priority: Priority | None = field(default=None, metadata=doc(
        "Only events at this priority or more urgent (`retro_ready` has none and always "
        "passes); `null`: every event."))
    timeout: timedelta = field(default=timedelta(seconds=10), metadata=doc(
        "Timeout of one request (connect, send, read)."))
    retries: int = field(default=2, metadata=doc(
        "Retries of one message after a timeout, a dropped connection, a 5xx or a 429.",
        minimum=0, maximum=5))
    max_retry_after: timedelta = field(default=timedelta(seconds=60), metadata=doc(
        "Longest 429 `Retry-After` waited for; a longer one leaves the message for the next "
        "run."))
    max_per_run: int = field(default=20, metadata=doc(
        "Most messages to this target in one run (a catch-up or a target added late sends "
        "the rest on the next runs, oldest first).", minimum=1, maximum=200))

    @property
    def id(self) -> str:
        """The target's name, or its default."""
        return self.name or f"{self.type}-{self.url_secret.lower()}"

    def problems(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if self.url_secret.upper().startswith("GITHUB_"):
            out.append(("url_secret", "names starting with GITHUB_ are reserved by GitHub "
                                      "Actions; use another secret name"))
        if self.name and not re.fullmatch(r"[a-z0-9][a-z0-9_.-]{0,62}", self.name):
            out.append(("name", "lowercase letters, digits, '.', '_' and '-' (at most 63)"))
        if not self.events:
            out.append(("events", "list at least one event (leave it out for all)"))
        return out


def notify_problems(targets: tuple[NotifyTarget, ...]) -> list[tuple[str, str]]:
    """Targets must have distinct names (each has its own record of what was sent)."""
    seen: dict[str, int] = {}
    out = []
    for i, t in enumerate(targets):
        if t.id in seen:
            out.append((f"notify[{i}].name", f"target name {t.id!r} is already used by "
                                             f"notify[{seen[t.id]}]; give each a `name`"))
        seen.setdefault(t.id, i)
    return out
