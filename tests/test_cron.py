"""Cron expressions as GitHub reads them, and the latest time one fired (a periodic report's
window end)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tars_ci.cron import last_fire, parse
from tars_ci.timeline import parse_period, period_label, stamp


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def brute_force(text: str, at: datetime) -> datetime:
    """The latest matching minute at or before ``at``, one minute at a time."""
    cron = parse(text)
    t = at.replace(second=0, microsecond=0)
    while not cron.matches(t):
        t -= timedelta(minutes=1)
    return t


@pytest.mark.parametrize(("text", "at", "want"), [
    ("0 6 * * *", utc(2026, 11, 10, 6, 0, 30), utc(2026, 11, 10, 6, 0)),  # at the minute
    ("0 6 * * *", utc(2026, 11, 10, 5, 59), utc(2026, 11, 9, 6, 0)),
    ("0 6 * * 1", utc(2026, 11, 10, 5, 0), utc(2026, 11, 9, 6, 0)),  # Monday 9 November
    ("0 6 * * 7", utc(2026, 11, 10, 5, 0), utc(2026, 11, 8, 6, 0)),  # 7 is Sunday too
    ("30 0 1 * *", utc(2026, 3, 15), utc(2026, 3, 1, 0, 30)),
    ("0 0 29 2 *", utc(2027, 3, 1), utc(2024, 2, 29)),  # the last leap day, years back
    ("*/15 6-8 1,15 * 5", utc(2026, 11, 10, 6, 0), utc(2026, 11, 6, 8, 45)),  # day OR weekday
    ("5-10/5 12 * 1-3 *", utc(2026, 11, 10), utc(2026, 3, 31, 12, 10)),
])
def test_last_fire(text: str, at: datetime, want: datetime) -> None:
    within = timedelta(days=3 * 366)
    assert last_fire(parse(text), at, within) == want
    if at - want < timedelta(days=60):
        assert brute_force(text, at) == want


def test_a_cron_that_never_fires_in_the_window_says_so() -> None:
    with pytest.raises(ValueError, match="does not fire in the 366 days before"):
        last_fire(parse("0 0 30 2 *"), utc(2026, 11, 10))


@pytest.mark.parametrize(("text", "message"), [
    ("0 6 * *", "a cron expression has 5 fields"),
    ("60 6 * * *", "minute: 60 is outside 0–59"),
    ("0 24 * * *", "hour: 24 is outside 0–23"),
    ("0 6 0 * *", "day of month: 0 is outside 1–31"),
    ("0 6 * 13 *", "month: 13 is outside 1–12"),
    ("0 6 * * 8", "day of week: 8 is outside 0–7"),
    ("0 6 * * MON", "names like MON are not accepted"),
    ("@daily", "a cron expression has 5 fields"),
    ("5-1 * * * *", "range '5-1' runs backwards"),
    ("*/0 * * * *", "minute: 0 is outside 1–60"),
    ("0 6 L * *", "day of month: 'L' is not a number"),
])
def test_bad_expressions_name_the_field(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        parse(text)


def test_spacing_does_not_make_another_expression() -> None:
    assert parse("0  6 * *  1").text == "0 6 * * 1"


@pytest.mark.parametrize(("text", "hours", "label"), [
    ("1h", 1, "1h"), ("24h", 24, "24h"), ("1d", 24, "24h"), ("36h", 36, "36h"),
    ("48h", 48, "2d"), ("7d", 168, "7d"), ("168h", 168, "7d"), ("30d", 720, "30d"),
    ("90d", 2160, "90d"),
])
def test_periods_and_their_canonical_names(text: str, hours: int, label: str) -> None:
    assert parse_period(text) == timedelta(hours=hours)
    assert period_label(parse_period(text)) == label


@pytest.mark.parametrize("text", ["0h", "91d", "2161h", "7w", "1.5d", "-1d", "d", ""])
def test_bad_periods(text: str) -> None:
    with pytest.raises(ValueError, match="period"):
        parse_period(text)


def test_stamps() -> None:
    assert stamp(utc(2026, 11, 10)) == "20261110T0000Z"
    assert stamp(utc(2026, 11, 10, 6, 0, 30)) == "20261110T060030Z"
