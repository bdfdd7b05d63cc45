"""`reports.periodic`: periodic reports scheduled in the spec, checked with path and line."""

from __future__ import annotations

import pytest

from tars_ci.errors import SpecError
from tars_ci.spec import parse_spec
from tests.spec.texts import MINIMAL, edit


def with_periodic(body: str, extra: str = "") -> str:
    text = edit("reports:\n  dir: reports\n", "reports:\n  dir: reports\n  periodic:\n" + body)
    return edit("  url: ${PROMETHEUS_URL:-http://127.0.0.1:9090}\n",
                "  url: ${PROMETHEUS_URL:-http://127.0.0.1:9090}\n" + extra, text) \
        if extra else text


def problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        parse_spec(text, {}, "s.yaml")
    return [f"{p.line}: {p.path}: {p.message}" for p in info.value.problems]


def test_schedules_load_by_name_in_order() -> None:
    spec = parse_spec(with_periodic('    daily: {period: 24h, cron: "0 6 * * *"}\n'
                                    '    weekly:\n      period: 7d\n      cron: "0 6 * * 1"\n'),
                      {})
    assert [(s.name, s.period, s.cron) for s in spec.reports.periodic] == [
        ("daily", "24h", "0 6 * * *"), ("weekly", "7d", "0 6 * * 1")]
    assert parse_spec(MINIMAL, {}).reports.periodic == ()


def test_bad_schedules_name_the_yaml_path_and_line() -> None:
    text = with_periodic(
        '    daily: {period: 24h, cron: "0 6 * *"}\n'
        '    weekly: {period: 7w, cron: "0 6 * * 1"}\n'
        '    big: {period: 120d, cron: "61 6 * * *"}\n'
        '    busy: {period: 1h, cron: "*/2 * * * *"}\n'
        '    names: {period: 2d, cron: "0 6 * * MON"}\n')
    assert problems(text) == [
        "33: reports.periodic.daily.cron: a cron expression has 5 fields (minute hour "
        "day-of-month month day-of-week), got 4 in '0 6 * *'",
        "34: reports.periodic.weekly.period: must match ^[1-9][0-9]{0,3}[hd]$, got '7w'",
        "35: reports.periodic.big.cron: minute: 61 is outside 0–59",
        "35: reports.periodic.big.period: a period runs from 1h to 90d, got '120d'",
        "36: reports.periodic.busy.cron: runs more than 12 times an hour; GitHub runs "
        "schedules at most every 5 minutes and a report needs far fewer",
        "37: reports.periodic.names.cron: day of week: 'MON' is not a number, range or step "
        "(names like MON are not accepted)",
    ]


def test_a_period_must_be_whole_steps_of_the_source() -> None:
    text = with_periodic('    hourly: {period: 1h, cron: "5 * * * *"}\n', "  step: 7m\n")
    assert problems(text) == ["34: reports.periodic.hourly.period: 1h is not a whole number "
                              "of source.step (420s)"]


def test_a_schedule_name_must_be_a_plain_name() -> None:
    assert problems(with_periodic('    "two words": {period: 24h, cron: "0 6 * * *"}\n')) == [
        "33: reports.periodic.two words: schedule name 'two words' must match "
        "^[a-z][a-z0-9_]{0,62}$"]
