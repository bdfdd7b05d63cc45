"""The issue lifecycle as a pure function: episodes and decisions, hand-computed."""

from __future__ import annotations

from tars_ci.github.lifecycle import IssueView, Op, decide, episodes, tracked_findings
from tars_ci.github.markers import Event
from tars_ci.github.view import DayReport, ReleaseReports, ReportedFinding

P = ("P0", "P1")


def f(day: int, priority: str = "P1", fid: str = "k:degradation") -> ReportedFinding:
    return ReportedFinding(fid, day, "k", "degradation", "high", priority, 2.0, 1.0, 100.0,
                           "k degradation", "", "ms")


def reports(days: dict[int, list[ReportedFinding]]) -> ReleaseReports:
    return ReleaseReports("rel", "rel", tuple(
        DayReport(d, f"reports/rel/stability/day_{d:02d}_summary.json", tuple(fs), "monitor",
                  80.0) for d, fs in sorted(days.items())), None)


def view(open_: bool, events: list[Event], labels: tuple[str, ...] = ("priority/P1",),
         reason: str | None = None) -> IssueView:
    return IssueView(7, open_, reason, labels, tuple(events))


def test_episodes_split_on_enough_clear_days() -> None:
    r = reports({1: [f(1)], 2: [], 3: [f(3)], 4: [], 5: [], 6: [f(6, "P0")], 7: []})
    eps = episodes("k:degradation", r, P, close_after=2)
    assert [(e.start, e.days, e.clear_days, e.active) for e in eps] == [
        (1, (1, 3), (4, 5), False),  # a one-day gap does not end it; two days do
        (6, (6,), (7,), True)]


def test_below_issue_priority_counts_as_clear() -> None:
    r = reports({1: [f(1)], 2: [f(2, "P2")], 3: [f(3, "P3")]})
    [ep] = episodes("k:degradation", r, P, close_after=2)
    assert (ep.days, ep.clear_days, ep.active) == ((1,), (2, 3), False)
    assert tracked_findings(r, P) == ["k:degradation"]
    assert tracked_findings(reports({1: [f(1, "P2")]}), P) == []


def test_new_issue_and_already_cleared_issue() -> None:
    active = episodes("k:degradation", reports({1: [f(1)], 2: [f(2)]}), P, 2)
    assert decide("k:degradation", active, None, "priority/P1").ops == (
        Op("create", (1, 2)),)
    cleared = episodes("k:degradation", reports({1: [f(1)], 2: [], 3: []}), P, 2)
    assert decide("k:degradation", cleared, None, "priority/P1").ops == (
        Op("create", (1,)), Op("comment_cleared"), Op("close"))


def test_open_issue_gets_new_days_and_relabel() -> None:
    eps = episodes("k:degradation", reports({1: [f(1)], 2: [f(2)], 3: [f(3, "P0")]}), P, 2)
    issue = view(True, [Event("opened", 1, 1)])
    d = decide("k:degradation", eps, issue, "priority/P0")
    assert d.ops == (Op("comment_seen", (2, 3)), Op("relabel"))
    up_to_date = view(True, [Event("opened", 1, 1), Event("seen", 1, 3)], ("priority/P0",))
    d = decide("k:degradation", eps, up_to_date, "priority/P0")
    assert (d.ops, d.reason) == ((), "up to date")


def test_cleared_open_issue_is_closed_once() -> None:
    eps = episodes("k:degradation", reports({1: [f(1)], 2: [], 3: []}), P, 2)
    issue = view(True, [Event("opened", 1, 1)])
    assert decide("k:degradation", eps, issue, "priority/P1").ops == (
        Op("comment_cleared"), Op("close"))
    # the close comment landed but the state change did not: only close
    half = view(True, [Event("opened", 1, 1), Event("closed", 1, 3)])
    assert decide("k:degradation", eps, half, "priority/P1").ops == (Op("close"),)
    # a person reopened it after tars-ci closed it: leave it open
    reopened = view(True, [Event("opened", 1, 1), Event("closed", 1, 3)], reason="reopened")
    d = decide("k:degradation", eps, reopened, "priority/P1")
    assert (d.ops, d.reason) == ((), "reopened by a person after tars-ci closed it; left open")


def test_closed_issues() -> None:
    same = episodes("k:degradation", reports({1: [f(1)], 2: [f(2)]}), P, 2)
    by_person = view(False, [Event("opened", 1, 1)], reason="not_planned")
    d = decide("k:degradation", same, by_person, "priority/P1")
    assert (d.ops, d.reason) == ((), "closed by a person during this episode; not reopened")

    cleared = episodes("k:degradation", reports({1: [f(1)], 2: [], 3: []}), P, 2)
    by_us = view(False, [Event("opened", 1, 1), Event("closed", 1, 3)], reason="completed")
    d = decide("k:degradation", cleared, by_us, "priority/P1")
    assert (d.ops, d.reason) == ((), "closed: the finding cleared")

    back = episodes("k:degradation", reports({1: [f(1)], 2: [], 3: [], 4: [f(4, "P0")]}),
                    P, 2)
    assert decide("k:degradation", back, by_us, "priority/P0").ops == (
        Op("comment_reopened", (4,)), Op("reopen"))
    assert decide("k:degradation", back, by_person, "priority/P0").ops == (
        Op("comment_reopened", (4,)), Op("reopen"))

    came_and_went = episodes("k:degradation", reports(
        {1: [f(1)], 2: [], 3: [], 4: [f(4)], 5: [], 6: []}), P, 2)
    assert decide("k:degradation", came_and_went, by_us, "priority/P1").ops == (
        Op("comment_recurred", (4,)),)
    recorded = view(False, [Event("opened", 1, 1), Event("closed", 1, 3),
                            Event("closed", 4, 6)])
    d = decide("k:degradation", came_and_went, recorded, "priority/P1")
    assert (d.ops, d.reason) == ((), "closed: the finding cleared")


def test_issue_view_reads_its_events() -> None:
    v = view(True, [Event("opened", 2, 3), Event("seen", 2, 5), Event("closed", 2, 7),
                    Event("reopened", 9, 9)])
    assert (v.episode, v.reported_through, v.last_event) == (9, 9, Event("reopened", 9, 9))
    assert (view(True, []).episode, view(True, []).reported_through) == (-1, -1)
