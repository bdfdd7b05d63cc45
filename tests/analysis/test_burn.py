"""burn: the SRE Workbook's multi-window, multi-burn-rate alerts on hand-made series."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from tars_ci.analysis.burn import (
    BurnSeries,
    budget_consumed,
    burn_rate_for,
    evaluate_burn,
    lookback,
    ratio_series,
    threshold_series,
    window_burn,
)
from tars_ci.analysis.findings import findings_for_day, slo_burn_finding
from tars_ci.spec.model import DEFAULT_BURN_ALERTS, BurnAlert, RatioSli, Slo, ThresholdSli
from tests.analysis.core_builders import spec

DAY = 86_400.0
STEP = 60.0
GA = datetime(2026, 11, 2, tzinfo=timezone.utc).timestamp()
SLO = Slo("availability", 99.9, ratio=RatioSli("good", "total"))  # default alerts, 30d window
THIRTY_DAYS = timedelta(days=30)


def day_start(day: int) -> float:
    return GA + day * DAY


def minute(day: int, hh: int, mm: int = 0) -> float:
    return day_start(day) + hh * 3600 + mm * 60


def flat_traffic(first_day: int, last_day: int, error_share: float,
                 traffic: float = 100.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(times, good, total) at 1-minute steps over days first..last, errors at a fixed share."""
    times = day_start(first_day) + STEP * np.arange(int((last_day - first_day + 1) * DAY / STEP))
    total = np.full(times.size, traffic)
    return times, total * (1 - error_share), total


def with_burst(times: np.ndarray, good: np.ndarray, total: np.ndarray, start: float,
               end: float, error_share: float) -> np.ndarray:
    """``good`` with ``error_share`` errors during [start, end)."""
    out = good.copy()
    inside = (times >= start) & (times < end)
    out[inside] = total[inside] * (1 - error_share)
    return out


# --------------------------------------------------------------------------- the Workbook's numbers


@pytest.mark.parametrize(("share", "duration", "rate"), [
    (0.02, timedelta(hours=1), 14.4),  # page: 2 % of a 30-day budget in 1 h
    (0.05, timedelta(hours=6), 6.0),  # page: 5 % in 6 h
    (0.10, timedelta(days=1), 3.0),  # ticket: 10 % in 1 d
    (0.10, timedelta(days=3), 1.0),  # ticket: 10 % in 3 d
])
def test_workbook_known_answers(share: float, duration: timedelta, rate: float) -> None:
    assert burn_rate_for(share, duration, THIRTY_DAYS) == pytest.approx(rate)
    assert budget_consumed(rate, duration, THIRTY_DAYS) == pytest.approx(share)


def test_the_default_alerts_are_the_workbooks() -> None:
    assert [(a.name, a.long, a.short, a.factor, a.priority) for a in DEFAULT_BURN_ALERTS] == [
        ("page_fast", timedelta(hours=1), timedelta(minutes=5), 14.4, "P0"),
        ("page_slow", timedelta(hours=6), timedelta(minutes=30), 6.0, "P1"),
        ("ticket_fast", timedelta(days=1), timedelta(hours=2), 3.0, "P2"),
        ("ticket_slow", timedelta(days=3), timedelta(hours=6), 1.0, "P3")]
    assert SLO.burn_alerts == DEFAULT_BURN_ALERTS
    assert lookback(SLO) == timedelta(days=3)
    assert lookback(replace(SLO, burn_alerts=())) == timedelta(0)


def test_one_hour_at_14_4x_spends_2_percent_and_peaks_at_14_4_over_1h() -> None:
    times, good, total = flat_traffic(5, 5, 0.0)
    good = with_burst(times, good, total, minute(5, 10), minute(5, 11), 0.0144)
    ev = evaluate_burn(SLO, ratio_series(times, good, total, STEP), day_start(5), day_start(6))
    peak = {p.window: p for p in ev.peaks}
    assert peak[3600].peak_burn == pytest.approx(14.4)
    assert peak[3600].peak_time == minute(5, 10, 59)  # the window holding the whole hour
    assert peak[300].peak_burn == pytest.approx(14.4)
    # exactly 14.4× is not above 14.4×: the Workbook's rule is a strict ">"
    assert [e.alert for e in ev.episodes if e.alert == "page_fast"] == []
    # an alert that fires for the whole burst spends 56/60 of the hour's 2 %
    quick = replace(SLO, burn_alerts=(BurnAlert("quick", timedelta(hours=1),
                                                timedelta(minutes=5), 1.0, "P1"),))
    (e,) = evaluate_burn(quick, ratio_series(times, good, total, STEP), day_start(5),
                         day_start(6)).episodes
    assert (e.start, e.end) == (minute(5, 10, 4), minute(5, 11, 4))  # 1h > 1× from step 5
    assert e.budget_consumed == pytest.approx(0.02 * 56 / 60)


# --------------------------------------------------------------------------- a 3-hour burst


def burst_day() -> BurnSeries:
    """Days 2–5 at 0.05 % errors (burn 0.5), 100 req/step; day 5 10:00–13:00 at 8 % (80×)."""
    times, good, total = flat_traffic(2, 5, 0.0005)
    good = with_burst(times, good, total, minute(5, 10), minute(5, 13), 0.08)
    return ratio_series(times, good, total, STEP)


def test_a_3_hour_burst_of_8_percent_errors_pages_fast_for_the_burst_and_clears() -> None:
    ev = evaluate_burn(SLO, burst_day(), day_start(5), day_start(6))
    fast = [e for e in ev.episodes if e.alert == "page_fast"]
    assert len(fast) == 1
    (e,) = fast
    # 1h burn > 14.4× once 10 burst minutes sit in the window (79.5·j > 754.5 → j = 10);
    # 5m burn < 14.4× once the last burst minute has left it (13:04)
    assert (e.start, e.end) == (minute(5, 10, 10), minute(5, 13, 4))
    assert (e.peak_burn, e.peak_time) == (pytest.approx(80.0), minute(5, 10, 59))
    assert (e.factor, e.priority, e.long_window, e.short_window) == (14.4, "P0", 3600, 300)
    # 170 burst minutes (8 bad each) and 4 quiet ones (0.05 each) of a 30-day budget of
    # 0.001 · 100 · 43,200 = 4,320 bad requests
    assert e.budget_consumed == pytest.approx((170 * 8 + 4 * 0.05) / 4320)
    assert not e.open_at_start and not e.open_at_end
    # every alert fired, the slower ones later and longer: the Workbook's reset behaviour
    first = {a: min(x.start for x in ev.episodes if x.alert == a) for a in
             ("page_fast", "page_slow", "ticket_fast", "ticket_slow")}
    last = {a: max(x.end for x in ev.episodes if x.alert == a) for a in first}
    assert first["page_fast"] < first["ticket_fast"]
    assert last["page_fast"] < last["page_slow"] < last["ticket_fast"] < last["ticket_slow"]
    peaks = {p.window: p.peak_burn for p in ev.peaks}
    assert peaks[3600] == pytest.approx(80.0) and peaks[300] == pytest.approx(80.0)
    assert peaks[6 * 3600] == pytest.approx((180 * 80 + 180 * 0.5) / 360)
    assert ev.notes == ()  # 3 days of history: every window evaluated everywhere


def test_noise_at_0_05_percent_errors_never_fires() -> None:
    times, good, total = flat_traffic(2, 5, 0.0005)
    rng = np.random.default_rng(7)
    good = total * (1 - 0.0005 * rng.uniform(0.5, 1.5, times.size))  # 0.025–0.075 % errors
    ev = evaluate_burn(SLO, ratio_series(times, good, total, STEP), day_start(5), day_start(6))
    assert ev.episodes == ()
    assert all(p.peak_burn is not None and p.peak_burn < 1.0 for p in ev.peaks)
    assert slo_burn_finding(5, ev) is None


def test_the_day_after_the_burst_is_quiet_but_its_tickets_still_burn() -> None:
    times, good, total = flat_traffic(2, 6, 0.0005)
    good = with_burst(times, good, total, minute(5, 10), minute(5, 13), 0.08)
    ev = evaluate_burn(SLO, ratio_series(times, good, total, STEP), day_start(6), day_start(7))
    assert {e.alert for e in ev.episodes} <= {"ticket_fast", "ticket_slow"}
    assert "page_fast" not in {e.alert for e in ev.episodes}


# --------------------------------------------------------------------------- coverage and edges


def test_windows_without_enough_history_are_not_evaluated_and_say_so() -> None:
    times, good, total = flat_traffic(5, 5, 0.0005)
    good = with_burst(times, good, total, minute(5, 0), minute(5, 23), 0.01)  # 10× all day
    ev = evaluate_burn(SLO, ratio_series(times, good, total, STEP), day_start(5), day_start(6))
    assert "ticket_slow" not in {e.alert for e in ev.episodes}  # 3d window: ≤ 1/3 covered
    assert "ticket_fast" in {e.alert for e in ev.episodes}
    three_days = next(p for p in ev.peaks if p.window == 3 * DAY)
    assert (three_days.peak_burn, three_days.evaluated, three_days.steps) == (None, 0, 1440)
    assert ("3d window: 1440 of 1440 steps not evaluated (1440 with data on less than 50% of "
            "the window)") in ev.notes
    one_day = next(p for p in ev.peaks if p.window == DAY)
    assert one_day.evaluated == 721  # half covered (720 of 1440 steps) from 11:59 on


def test_a_scrape_gap_is_excluded_not_counted_as_good() -> None:
    times, good, total = flat_traffic(4, 5, 0.0)
    good = with_burst(times, good, total, minute(5, 10), minute(5, 11), 0.05)  # 50×
    gap = (times >= minute(5, 10, 30)) & (times < minute(5, 12, 30))
    good[gap], total[gap] = np.nan, np.nan
    series = ratio_series(times, good, total, STEP)
    burn, coverage = window_burn(series, 3600, 0.001, 0.5)
    at = int(np.flatnonzero(times == minute(5, 10, 59))[0])
    assert coverage[at] == pytest.approx(30 / 60)  # 10:00–10:29 present, the rest a gap
    assert burn[at] == pytest.approx(50.0 * 30 / 30)  # only the 30 burst steps with data
    ev = evaluate_burn(SLO, series, day_start(5), day_start(6))
    assert any(n.startswith("5m window: 120 of 1440 steps not evaluated") for n in ev.notes)


def test_burn_is_traffic_weighted_not_a_mean_of_ratios() -> None:
    times = np.arange(60) * STEP
    total = np.where(np.arange(60) < 30, 1000.0, 10.0)  # 30 busy steps, 30 quiet ones
    good = np.where(np.arange(60) < 30, 1000.0, 0.0)  # the quiet ones fail completely
    burn, _ = window_burn(ratio_series(times, good, total, STEP), 3600, 0.001, 0.5)
    assert burn[-1] == pytest.approx(300 / 30_300 / 0.001)  # ~9.9×, not the 500× of the means


def test_no_traffic_is_not_evaluated() -> None:
    times, good, total = flat_traffic(2, 5, 0.0)
    total[:] = 0.0
    good[:] = 0.0
    ev = evaluate_burn(SLO, ratio_series(times, good, total, STEP), day_start(5), day_start(6))
    assert ev.episodes == () and all(p.peak_burn is None for p in ev.peaks)
    assert "1h window: 1440 of 1440 steps not evaluated (1440 without traffic)" in ev.notes


def test_an_incident_across_midnight_is_open_at_the_day_boundaries() -> None:
    times, good, total = flat_traffic(2, 5, 0.0)
    good = with_burst(times, good, total, minute(4, 23), minute(5, 1), 0.08)
    series = ratio_series(times, good, total, STEP)
    (day4,) = [e for e in evaluate_burn(SLO, series, day_start(4), day_start(5)).episodes
               if e.alert == "page_fast"]
    (day5,) = [e for e in evaluate_burn(SLO, series, day_start(5), day_start(6)).episodes
               if e.alert == "page_fast"]
    assert (day4.open_at_start, day4.open_at_end, day4.end) == (False, True, day_start(5))
    assert (day5.open_at_start, day5.start) == (True, day_start(5))
    assert not day5.open_at_end


def test_threshold_sli_counts_bad_minutes() -> None:
    times = day_start(5) + STEP * np.arange(1440)
    p99 = np.full(1440, 200.0)
    p99[600:660:5] = 300.0  # 12 of the hour's 60 minutes above 250: 20 % bad against 1 %
    p99[700] = np.nan
    latency = Slo("latency", 99.0, threshold=ThresholdSli("p99", max=250.0))
    series = threshold_series(times, p99, STEP, max=250.0)
    assert np.isnan(series.bad[700]) and np.isnan(series.total[700])
    ev = evaluate_burn(latency, series, day_start(5), day_start(6))
    peak = {p.window: p.peak_burn for p in ev.peaks}
    assert peak[3600] == pytest.approx(20.0)
    assert [e.alert for e in ev.episodes].count("page_fast") >= 1
    with pytest.raises(ValueError, match="exactly one"):
        threshold_series(times, p99, STEP)


def test_a_window_shorter_than_the_step_is_one_step_and_says_so() -> None:
    times, good, total = flat_traffic(2, 5, 0.0005)
    coarse = ratio_series(times[::10], good[::10], total[::10], 600.0)  # 10-minute steps
    ev = evaluate_burn(SLO, coarse, day_start(5), day_start(6))
    assert "5m window is shorter than the 10m step: evaluated over one step" in ev.notes
    assert next(p for p in ev.peaks if p.window == 300).peak_burn == pytest.approx(0.5)


def test_misaligned_input_is_refused() -> None:
    with pytest.raises(ValueError, match="aligned"):
        ratio_series(np.arange(3.0), np.arange(3.0), np.arange(4.0), STEP)


# --------------------------------------------------------------------------- the finding


def test_slo_burn_finding_says_window_burn_budget_start_and_end() -> None:
    ev = evaluate_burn(SLO, burst_day(), day_start(5), day_start(6))
    f = slo_burn_finding(5, ev)
    assert f is not None
    assert (f.id, f.kind, f.kpi, f.priority, f.severity) == (
        "slo:availability:burn", "slo_burn", "availability", "P0", "critical")
    assert f.value == pytest.approx(80.0)
    assert f.title == ("SLO availability burned its error budget at up to 80.0× on day 5 "
                       "(page_fast, page_slow, ticket_fast, ticket_slow)")
    assert ("page_fast (burn rate above 14.4× over both 1h and 5m) fired from 2026-11-07 10:10 "
            "UTC to 2026-11-07 13:04 UTC: peak 80.0× over 1h at 2026-11-07 10:59 UTC, 31.5% "
            "of the 30d error budget spent while it fired.") in f.detail
    assert f.detail.endswith("Priority P0: page_fast is a P0 alert.")
    # the same id every day, so one GitHub issue follows the SLO's burn
    day6 = evaluate_burn(SLO, burst_day()._replace(times=burst_day().times + DAY),
                         day_start(6), day_start(7))
    f6 = slo_burn_finding(6, day6)
    assert f6 is not None and f6.id == f.id


def test_findings_for_day_includes_the_burn_at_the_alerts_priority() -> None:
    slow_only = replace(SLO, burn_alerts=(BurnAlert("slow", timedelta(hours=6),
                                                    timedelta(minutes=30), 6.0, "P1"),))
    ev = evaluate_burn(slow_only, burst_day(), day_start(5), day_start(6))
    (f,) = findings_for_day(5, spec(), {}, burns={"availability": ev})
    assert (f.id, f.priority, f.severity) == ("slo:availability:burn", "P1", "high")
