"""Day windows of the program and which of them are due.

Day N covers [GA + N·24h, GA + (N+1)·24h). Day 0 is the GA-day baseline. A run never trusts
"today": it asks which windows have closed (plus the settle delay) and are not yet recorded,
so delayed, dropped or repeated runs converge to the same history.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

DAY = timedelta(hours=24)


class DayWindow(NamedTuple):
    """One day of the program: ``[start, end)`` in UTC."""

    day: int
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        """Two-digit day label used in file names (``day_03``)."""
        return f"day_{self.day:02d}"


def day_window(ga_time: datetime, day: int) -> DayWindow:
    """The window of ``day`` (0 = GA day)."""
    start = ga_time + day * DAY
    return DayWindow(day, start, start + DAY)


def all_windows(ga_time: datetime, days: int) -> list[DayWindow]:
    """Every window of the program: day 0 (baseline) through day ``days``."""
    return [day_window(ga_time, d) for d in range(days + 1)]


def closed_windows(ga_time: datetime, days: int, now: datetime,
                   settle: timedelta) -> list[DayWindow]:
    """Windows that have closed and settled at ``now``, in day order."""
    return [w for w in all_windows(ga_time, days) if w.end + settle <= now]


def due_windows(ga_time: datetime, days: int, now: datetime, settle: timedelta,
                recorded: Collection[int], force: bool = False,
                only: Collection[int] | None = None) -> list[DayWindow]:
    """Closed windows still to process: not in ``recorded`` (unless ``force``), in order.

    ``only`` restricts the result to the given days (a manual dispatch for one day); a day
    that has not closed yet is never due, whatever ``force`` says.
    """
    out = []
    for w in closed_windows(ga_time, days, now, settle):
        if only is not None and w.day not in only:
            continue
        if w.day in recorded and not force:
            continue
        out.append(w)
    return out


def program_complete(ga_time: datetime, days: int, now: datetime, settle: timedelta) -> bool:
    """True once the last day's window has closed and settled."""
    return day_window(ga_time, days).end + settle <= now


def iso(value: datetime | float) -> str:
    """UTC ISO 8601 with ``Z`` for a datetime or Unix seconds."""
    if not isinstance(value, datetime):
        value = datetime.fromtimestamp(float(value), timezone.utc)
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
