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


# --------------------------------------------------------------------------- report periods

PERIOD_PATTERN = r"^[1-9][0-9]{0,3}[hd]$"
MIN_PERIOD = timedelta(hours=1)
MAX_PERIOD = timedelta(days=90)


def parse_period(text: str) -> timedelta:
    """A report period, ``<N>h`` or ``<N>d`` (``24h``, ``7d``, ``30d``), from 1 hour to 90
    days; ValueError saying what is accepted otherwise."""
    import re

    if not re.fullmatch(PERIOD_PATTERN, text.strip()):
        raise ValueError(f"a period is <N>h or <N>d (24h, 7d, 30d), got {text!r}")
    n, unit = int(text.strip()[:-1]), text.strip()[-1]
    period = timedelta(hours=n) if unit == "h" else timedelta(days=n)
    if not MIN_PERIOD <= period <= MAX_PERIOD:
        raise ValueError(f"a period runs from 1h to 90d, got {text!r}")
    return period


def period_label(period: timedelta) -> str:
    """The canonical name of a period: whole days from 2 days on (``7d``), else hours
    (``24h``, ``36h``), so ``1d`` and ``24h`` name the same file."""
    hours = int(period.total_seconds() // 3600)
    return f"{hours // 24}d" if hours % 24 == 0 and hours >= 48 else f"{hours}h"


def stamp(value: datetime) -> str:
    """A UTC time for file names: ``20261107T0600Z`` (``…T060030Z`` off the minute)."""
    utc = value.astimezone(timezone.utc)
    return utc.strftime("%Y%m%dT%H%M%SZ" if utc.second else "%Y%m%dT%H%MZ")


def parse_stamp(text: str) -> datetime:
    """The inverse of :func:`stamp`."""
    fmt = "%Y%m%dT%H%M%SZ" if len(text) == 16 else "%Y%m%dT%H%MZ"
    return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc)
