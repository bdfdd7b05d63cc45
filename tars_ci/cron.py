"""Cron expressions as GitHub Actions reads them: five fields, UTC.

``minute hour day-of-month month day-of-week``; each field is ``*``, a number, a range
``a-b``, a step ``*/n`` or ``a-b/n``, or a comma-separated list of those. Day of week is 0–6
from Sunday (7 is Sunday too). When both day fields are restricted a time matches either of
them (as in Vixie cron and GitHub). Names (``MON``, ``JAN``) and the non-standard ``@daily``,
``L``, ``W``, ``?`` are refused: GitHub does not accept them either.

:func:`parse` checks an expression (ValueError with a message that names the field);
:func:`last_fire` is the latest time at or before a moment that the expression fires, which
is how a scheduled periodic report finds the end of its window: a run delayed by GitHub, or
re-run by hand, still reports the same window.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import NamedTuple

_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12),
           ("day of week", 0, 7))


class Cron(NamedTuple):
    """A parsed cron expression: the allowed values of each field."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday … 6 = Saturday
    any_day: bool  # day of month is `*`
    any_weekday: bool  # day of week is `*`

    def matches(self, when: datetime) -> bool:
        """Whether the expression fires at ``when`` (UTC, to the minute)."""
        t = when.astimezone(timezone.utc)
        if t.minute not in self.minutes or t.hour not in self.hours:
            return False
        if t.month not in self.months:
            return False
        return _day_matches(self, t)


def parse(text: str) -> Cron:
    """Parse a five-field cron expression; ValueError naming the field when it is not one."""
    parts = text.split()
    if len(parts) != 5:
        raise ValueError(f"a cron expression has 5 fields (minute hour day-of-month month "
                         f"day-of-week), got {len(parts)} in {text!r}")
    minutes, hours, days, months, weekdays = (
        _field(part, name, lo, hi) for part, (name, lo, hi) in zip(parts, _FIELDS))
    return Cron(" ".join(parts), minutes, hours, days, months,
                frozenset(d % 7 for d in weekdays), parts[2] == "*", parts[4] == "*")


def _field(part: str, name: str, lo: int, hi: int) -> frozenset[int]:
    out: set[int] = set()
    for item in part.split(","):
        body, _, step_text = item.partition("/")
        step = 1
        if step_text:
            step = _number(step_text, name, 1, hi - lo + 1, item)
        if body == "*":
            first, last = lo, hi
        elif "-" in body:
            a, _, b = body.partition("-")
            first, last = _number(a, name, lo, hi, item), _number(b, name, lo, hi, item)
            if first > last:
                raise ValueError(f"{name}: range {item!r} runs backwards")
        else:
            first = _number(body, name, lo, hi, item)
            last = hi if step_text else first
        out.update(range(first, last + 1, step))
    return frozenset(out)


def _number(text: str, name: str, lo: int, hi: int, item: str) -> int:
    if not text.isdigit():
        raise ValueError(f"{name}: {item!r} is not a number, range or step (names like MON "
                         f"are not accepted)")
    value = int(text)
    if not lo <= value <= hi:
        raise ValueError(f"{name}: {value} is outside {lo}–{hi}")
    return value


def last_fire(cron: Cron, at: datetime, within: timedelta = timedelta(days=366)) -> datetime:
    """The latest time at or before ``at`` (to the minute, UTC) at which ``cron`` fires;
    ValueError when it does not fire within ``within`` before ``at``."""
    t = at.astimezone(timezone.utc).replace(second=0, microsecond=0)
    earliest = t - within
    while t >= earliest:
        if t.month not in cron.months:  # skip to the last minute of the month before
            t = t.replace(day=1, hour=0, minute=0) - timedelta(minutes=1)
            continue
        if not _day_matches(cron, t):  # skip to the last minute of the day before
            t = t.replace(hour=0, minute=0) - timedelta(minutes=1)
            continue
        if t.hour not in cron.hours:
            t = t.replace(minute=0) - timedelta(minutes=1)
            continue
        if t.minute in cron.minutes:
            return t
        t -= timedelta(minutes=1)
    raise ValueError(f"{cron.text!r} does not fire in the {within.days} days before "
                     f"{at.isoformat()}")


def _day_matches(cron: Cron, t: datetime) -> bool:
    dom, dow = t.day in cron.days, (t.isoweekday() % 7) in cron.weekdays
    return (dom and dow) if (cron.any_day or cron.any_weekday) else (dom or dow)
