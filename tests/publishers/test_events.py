"""The events of a history: the issue lifecycle's episodes, decision changes, the retro."""

from __future__ import annotations

from tars_ci.github.view import ReleaseReports
from tars_ci.publishers.notify.events import release_events, wanted
from tars_ci.spec.notify import NotifyTarget
from tests.publishers.builders import finding, view

P = ("P0", "P1")


def keys(reports: ReleaseReports, close_after: int = 2) -> list[tuple[int, str, str | None]]:
    return [(e.day, e.key, e.priority) for e in release_events(reports, P, close_after)]


def test_an_episode_opens_escalates_and_clears_like_its_issue() -> None:
    f = "error_rate:degradation"
    reports = view({1: [finding(f, 1, "P1")], 2: [finding(f, 2, "P0")], 3: [finding(f, 3, "P0")],
                    4: [], 5: [finding(f, 5, "P2")], 6: []})
    assert keys(reports) == [(1, f"finding/{f}/1/opened", "P1"),
                             (2, f"finding/{f}/1/escalated/2", "P0"),
                             (5, f"finding/{f}/1/cleared", "P0")]  # clear on days 4, 5


def test_a_finding_that_comes_back_after_clearing_is_a_new_episode() -> None:
    f = "p99:degradation"
    reports = view({1: [finding(f, 1, "P1")], 2: [], 3: [], 4: [finding(f, 4, "P1")], 5: []})
    assert keys(reports) == [(1, f"finding/{f}/1/opened", "P1"),
                             (3, f"finding/{f}/1/cleared", "P1"),
                             (4, f"finding/{f}/4/opened", "P1")]


def test_one_clear_day_inside_close_after_keeps_the_episode() -> None:
    f = "p99:degradation"
    reports = view({1: [finding(f, 1, "P1")], 2: [], 3: [finding(f, 3, "P1")]})
    assert keys(reports) == [(1, f"finding/{f}/1/opened", "P1")]


def test_p2_findings_and_a_steady_monitor_decision_say_nothing() -> None:
    reports = view({1: [finding("cpu:degradation", 1, "P2")], 2: []})
    assert keys(reports) == []


def test_decision_changes_and_the_retrospective() -> None:
    reports = view({1: [], 2: [], 3: [], 4: []},
                   {2: "rollback", 3: "immediate_rollback", 4: "monitor"}, retro=True)
    assert keys(reports) == [(2, "decision/2/rollback", "P1"),
                             (3, "decision/3/immediate_rollback", "P0"),
                             (4, "decision/4/monitor", "P0"),
                             (7, "retro/ready", None)]
    first = view({1: []}, {1: "rollback"})
    assert keys(first) == [(1, "decision/1/rollback", "P1")]


def test_same_day_events_go_most_urgent_first() -> None:
    reports = view({1: [finding("b:degradation", 1, "P1"), finding("a:degradation", 1, "P1"),
                        finding("z:degradation", 1, "P0")]})
    assert [k for _, k, _ in keys(reports)] == [
        "finding/z:degradation/1/opened", "finding/a:degradation/1/opened",
        "finding/b:degradation/1/opened"]


def test_a_target_filters_by_kind_and_min_priority() -> None:
    f = "error_rate:degradation"
    reports = view({1: [finding(f, 1, "P1")], 2: [finding(f, 2, "P0")]},
                   {2: "rollback"}, retro=True)
    events = release_events(reports, P, 2)
    p0 = NotifyTarget("slack", "SLACK", min_priority="P0")
    assert [e.key for e in wanted(events, p0)] == [
        f"finding/{f}/1/escalated/2", "retro/ready"]
    only = NotifyTarget("webhook", "HOOK", events=("decision_changed",))
    assert [e.key for e in wanted(events, only)] == ["decision/2/rollback"]
