"""The record of sent notifications: ``notifications/notifications_sent.json``.

Written by the notification publisher through the :class:`~tars_ci.reports.store.HistoryStore`
after every delivery and committed with the history, so a re-run, a catch-up or the run after
a failed send knows what each target already got (README, "Sent once").
"""

from __future__ import annotations

from typing import NamedTuple

from tars_ci.reports.records import ReleaseBlock


class SentNotification(NamedTuple):
    """One notification a receiver accepted (a 2xx answer)."""

    key: str  # the event's key, e.g. ``finding/error_rate-drift/3/opened``
    kind: str
    day: int
    sent_at: str  # UTC ISO 8601


class TargetLedger(NamedTuple):
    """What one notification target has been sent, oldest first."""

    target: str  # the target's name in the spec
    sent: tuple[SentNotification, ...]


class NotificationLedger(NamedTuple):
    """``notifications/notifications_sent.json``: each event sent once per target."""

    release: ReleaseBlock
    targets: tuple[TargetLedger, ...]

    def sent_keys(self, target: str) -> frozenset[str]:
        """Keys already sent to ``target``."""
        return frozenset(s.key for t in self.targets if t.target == target for s in t.sent)

    def add(self, target: str, entry: SentNotification) -> NotificationLedger:
        """A copy with ``entry`` recorded for ``target`` (targets kept in name order)."""
        old = next((t for t in self.targets if t.target == target), TargetLedger(target, ()))
        rest = [t for t in self.targets if t.target != target]
        new = old._replace(sent=(*old.sent, entry))
        return self._replace(targets=tuple(sorted((*rest, new), key=lambda t: t.target)))
