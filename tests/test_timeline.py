"""Day windows, catch-up and completion, with hand-computed times."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pytest

from tars_ci.timeline import (
    DayWindow,
    all_windows,
    closed_windows,
    day_window,
    due_windows,
    program_complete,
)

UTC = timezone.utc
GA = datetime(2026, 11, 2, tzinfo=UTC)
SETTLE = timedelta(minutes=30)
TICK = timedelta(microseconds=1)


def days(windows: list[DayWindow]) -> list[int]:
    return [w.day for w in windows]


@pytest.mark.parametrize(("day", "start", "end"), [
    (0, datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC)),
    (1, datetime(2026, 11, 3, tzinfo=UTC), datetime(2026, 11, 4, tzinfo=UTC)),
    (3, datetime(2026, 11, 5, tzinfo=UTC), datetime(2026, 11, 6, tzinfo=UTC)),
    (7, datetime(2026, 11, 9, tzinfo=UTC), datetime(2026, 11, 10, tzinfo=UTC)),
    (29, datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC)),  # month end
])
def test_day_window(day: int, start: datetime, end: datetime) -> None:
    assert day_window(GA, day) == DayWindow(day, start, end)


def test_window_of_a_ga_time_with_an_offset_is_the_same_instant() -> None:
    ga = datetime(2026, 11, 2, 13, 30, tzinfo=timezone(timedelta(hours=2)))  # 11:30 UTC
    w = day_window(ga, 2)
    assert (w.start, w.end) == (datetime(2026, 11, 4, 11, 30, tzinfo=UTC),
                                datetime(2026, 11, 5, 11, 30, tzinfo=UTC))


def test_windows_tile_the_program_without_gaps() -> None:
    windows = all_windows(GA, 7)
    assert days(windows) == [0, 1, 2, 3, 4, 5, 6, 7]
    assert all(a.end == b.start for a, b in itertools.pairwise(windows))
    assert windows[-1].end == datetime(2026, 11, 10, tzinfo=UTC)
    assert [w.label for w in windows[:2]] == ["day_00", "day_01"]
    assert day_window(GA, 12).label == "day_12"


def test_nothing_is_due_before_day_zero_has_settled() -> None:
    assert due_windows(GA, 7, GA - timedelta(days=3), SETTLE, recorded=()) == []
    assert due_windows(GA, 7, GA + timedelta(days=1) + SETTLE - TICK, SETTLE, recorded=()) == []
    assert days(due_windows(GA, 7, GA + timedelta(days=1) + SETTLE, SETTLE, recorded=())) == [0]


def test_catch_up_processes_every_missed_day_in_order_then_nothing() -> None:
    now = datetime(2026, 11, 7, 0, 30, tzinfo=UTC)  # day 5 has begun and day 4 has settled
    first = due_windows(GA, 7, now, SETTLE, recorded={0, 1, 2})
    assert first == [day_window(GA, 3), day_window(GA, 4)]
    assert due_windows(GA, 7, now, SETTLE, recorded={0, 1, 2, 3, 4}) == []


def test_a_gap_in_the_history_is_filled() -> None:
    now = datetime(2026, 11, 7, 0, 30, tzinfo=UTC)
    assert days(due_windows(GA, 7, now, SETTLE, recorded={0, 2, 4})) == [1, 3]


def test_settle_boundary_is_exact() -> None:
    closes = datetime(2026, 11, 7, tzinfo=UTC)  # day 4 ends
    assert days(due_windows(GA, 7, closes + SETTLE - TICK, SETTLE, recorded={0, 1, 2, 3})) == []
    assert days(due_windows(GA, 7, closes + SETTLE, SETTLE, recorded={0, 1, 2, 3})) == [4]
    assert days(due_windows(GA, 7, closes, timedelta(0), recorded={0, 1, 2, 3})) == [4]


def test_force_reprocesses_recorded_days_but_never_open_ones() -> None:
    now = datetime(2026, 11, 7, 0, 30, tzinfo=UTC)
    recorded = {0, 1, 2, 3, 4}
    assert days(due_windows(GA, 7, now, SETTLE, recorded, force=True)) == [0, 1, 2, 3, 4]
    assert days(due_windows(GA, 7, now, SETTLE, recorded, force=True, only={4, 5})) == [4]


def test_only_restricts_to_the_named_days() -> None:
    now = datetime(2026, 11, 7, 0, 30, tzinfo=UTC)
    assert days(due_windows(GA, 7, now, SETTLE, recorded={0}, only={3})) == [3]
    assert days(due_windows(GA, 7, now, SETTLE, recorded={0, 3}, only={3})) == []
    assert days(due_windows(GA, 7, now, SETTLE, recorded={0}, only={6})) == []  # not closed
    assert days(due_windows(GA, 7, now, SETTLE, recorded={0}, only=set())) == []


def test_days_past_the_program_are_never_due() -> None:
    later = datetime(2027, 1, 1, tzinfo=UTC)
    assert days(due_windows(GA, 7, later, SETTLE, recorded=())) == [0, 1, 2, 3, 4, 5, 6, 7]
    assert days(closed_windows(GA, 2, later, SETTLE)) == [0, 1, 2]


def test_program_complete_boundary() -> None:
    last_close = datetime(2026, 11, 10, tzinfo=UTC)  # day 7 ends GA + 8 days
    assert not program_complete(GA, 7, last_close + SETTLE - TICK, SETTLE)
    assert program_complete(GA, 7, last_close + SETTLE, SETTLE)
    assert not program_complete(GA, 7, GA, SETTLE)
    assert program_complete(GA, 1, datetime(2026, 11, 4, 0, 30, tzinfo=UTC), SETTLE)
