"""SLO compliance: every expected number is worked out by hand in the comments."""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import pytest

from tars_ci.analysis.slo import (
    Exhaustion,
    SloDay,
    assess_day,
    budget_fraction,
    exhaustion,
    missing_day,
    ratio_day,
    ratio_day_of,
    slo_report,
    threshold_day,
    window_days,
)
from tars_ci.reports.jsonio import dumps
from tars_ci.sources.interface import QueryFailed, Samples
from tars_ci.spec.model import RatioSli, Slo, ThresholdSli

NAN = float("nan")
AVAILABILITY = Slo("availability", 99.9, timedelta(days=30), ratio=RatioSli("g", "t"))
LATENCY = Slo("latency_p99", 99.0, timedelta(days=30),
              threshold=ThresholdSli("p99_latency_ms", max=250))


def day_with_bad(day: int, bad_per_mille: float, slo: Slo = AVAILABILITY,
                 total: float = 1000.0) -> SloDay:
    """A full day (1440 steps) where ``bad_per_mille`` of every ``total`` requests fail."""
    good = np.full(1440, total - bad_per_mille * total / 1000.0)
    return ratio_day(day, good, np.full(1440, total), slo=slo)


# --------------------------------------------------------------------------- ratio_day


def test_ratio_day_pools_steps_where_both_series_are_finite() -> None:
    # Steps 0, 1, 3 have both series: Σgood = 99.9 + 99.9 + 100 = 299.8, Σtotal = 300.
    # bad = 300 − 299.8 = 0.2; SLI = 1 − 0.2 / 300 = 99.9333 %; step 2 (good NaN) is left
    # out: coverage 3/4.
    day = ratio_day(2, np.array([99.9, 99.9, NAN, 100.0]), np.array([100.0] * 4))
    assert day.status == "ok"
    assert day.sli_percent == pytest.approx(99.93333333)
    assert (day.bad, day.total) == (pytest.approx(0.2), pytest.approx(300.0))
    assert day.coverage == 0.75
    assert day.reason == "1 of 4 steps missing"
    assert (day.compliant, day.burn_rate, day.budget_consumed_percent) == (None, None, None)


def test_burn_rate_one_spends_a_thirtieth_of_a_30_day_budget_per_day() -> None:
    # 99.9 % over 30 d: budget fraction 0.001. 1 bad in 1000 → bad fraction 0.001
    # → burn rate 0.001 / 0.001 = 1.0; the day uses 1/30 of the budget = 3.333 %.
    day = day_with_bad(1, 1.0)
    assert day.sli_percent == pytest.approx(99.9)
    assert day.burn_rate == pytest.approx(1.0)
    assert day.budget_consumed_percent == pytest.approx(100 / 30)
    assert day.compliant is True  # exactly on the objective is compliant
    assert day.coverage == 1.0 and day.reason == ""


def test_double_burn_is_not_compliant() -> None:
    # 2 bad per 1000 → bad 0.002 → burn 2.0 → 2/30 = 6.667 % of the budget in one day.
    day = day_with_bad(3, 2.0)
    assert day.burn_rate == pytest.approx(2.0)
    assert day.budget_consumed_percent == pytest.approx(6.6666667)
    assert day.compliant is False


def test_window_length_changes_the_budget() -> None:
    # 99 % over 28 d, 1 % bad: burn 1.0, the day uses 1/28 = 3.5714 % of the budget.
    slo = Slo("s", 99.0, timedelta(days=28), ratio=RatioSli("g", "t"))
    day = day_with_bad(1, 10.0, slo)
    assert window_days(slo.window) == 28.0
    assert budget_fraction(slo) == pytest.approx(0.01)
    assert day.burn_rate == pytest.approx(1.0)
    assert day.budget_consumed_percent == pytest.approx(3.5714286)


def test_ratio_day_without_any_complete_step_is_no_data() -> None:
    day = ratio_day(4, np.array([1.0, NAN]), np.array([NAN, 2.0]), slo=AVAILABILITY)
    assert day.status == "no_data"
    assert day.sli_percent is None and day.compliant is None
    assert day.budget_consumed_percent is None and day.burn_rate is None
    assert day.coverage == 0.0
    assert day.reason == "no step has both a good and a total rate"


def test_ratio_day_without_traffic_is_no_data_not_a_perfect_day() -> None:
    day = ratio_day(4, np.zeros(3), np.zeros(3), slo=AVAILABILITY)
    assert day.status == "no_data"
    assert day.compliant is None
    assert day.coverage == 1.0  # the data is there; it says nothing about good or bad
    assert "no traffic" in day.reason


def test_good_above_total_is_clipped_to_a_perfect_day() -> None:
    # Rate extrapolation: Σgood 101 > Σtotal 100 → SLI 100 %, burn 0, nothing consumed.
    day = ratio_day(1, np.array([101.0]), np.array([100.0]), slo=AVAILABILITY)
    assert day.sli_percent == 100.0
    assert day.burn_rate == 0.0 and day.budget_consumed_percent == 0.0


def test_ratio_day_refuses_misaligned_series() -> None:
    with pytest.raises(ValueError, match="aligned"):
        ratio_day(1, np.ones(3), np.ones(4))


# --------------------------------------------------------------------------- threshold_day


def test_threshold_day_counts_finite_samples_within_max() -> None:
    # Finite: 100, 200, 260, 250, 300 (5 of 6); ≤ 250: 100, 200, 250 → 3/5 = 60 %.
    day = threshold_day(5, np.array([100.0, 200.0, 260.0, NAN, 250.0, 300.0]), max=250)
    assert day.sli_percent == pytest.approx(60.0)
    assert (day.bad, day.total) == (2.0, 5.0)
    assert day.coverage == pytest.approx(5 / 6)
    assert day.reason == "1 of 6 samples missing"


def test_threshold_day_with_min() -> None:
    # Finite: 99.5, 99.9, 100 (3 of 4); ≥ 99.9: two of them → 66.667 %.
    day = threshold_day(1, np.array([99.5, 99.9, 100.0, NAN]), min=99.9)
    assert day.sli_percent == pytest.approx(66.6666667)
    assert day.coverage == 0.75


def test_threshold_day_judged_against_a_99_percent_slo() -> None:
    # 72 of 1440 samples above 250 ms → 95 % good; bad 0.05 / budget 0.01 → burn 5.0;
    # 5 / 30 · 100 = 16.667 % of the budget in one day.
    values = np.full(1440, 120.0)
    values[:72] = 400.0
    day = threshold_day(1, values, max=250, slo=LATENCY)
    assert day.sli_percent == pytest.approx(95.0)
    assert day.burn_rate == pytest.approx(5.0)
    assert day.budget_consumed_percent == pytest.approx(16.6666667)
    assert day.compliant is False


def test_threshold_day_needs_exactly_one_bound() -> None:
    with pytest.raises(ValueError):
        threshold_day(1, np.ones(2))
    with pytest.raises(ValueError):
        threshold_day(1, np.ones(2), max=1.0, min=0.0)


def test_threshold_day_without_finite_samples_is_no_data() -> None:
    day = threshold_day(1, np.array([NAN, np.inf]), max=250, slo=LATENCY)
    assert (day.status, day.sli_percent, day.compliant, day.coverage) == (
        "no_data", None, None, 0.0)
    assert threshold_day(1, np.array([]), max=250).status == "no_data"


# --------------------------------------------------------------------------- days


def test_missing_day_keeps_error_apart_from_no_data() -> None:
    day = missing_day(3, "query failed: timeout", status="error")
    assert (day.status, day.sli_percent, day.budget_consumed_percent) == ("error", None, None)
    with pytest.raises(ValueError):
        missing_day(3, "x", status="ok")


def test_assess_day_judges_an_unjudged_day_and_is_idempotent() -> None:
    raw = ratio_day(1, np.array([998.0]), np.array([1000.0]))
    judged = assess_day(AVAILABILITY, raw)
    assert judged.burn_rate == pytest.approx(2.0)
    assert assess_day(AVAILABILITY, judged) == judged


def test_assess_day_refuses_an_ok_day_without_weight() -> None:
    corrupt = SloDay(1, 99.0, None, None, None, 1.0, "ok", 0.0, 0.0)
    day = assess_day(AVAILABILITY, corrupt)
    assert day.status == "error" and day.burn_rate is None


# --------------------------------------------------------------------------- slo_report


def test_seven_days_at_burn_rate_one() -> None:
    # Each day: 3.333 % consumed; after 7 days 23.333 %, 76.667 % left, which lasts
    # 76.667 / 3.333 = 23 more days at that pace.
    report = slo_report(AVAILABILITY, [day_with_bad(d, 1.0) for d in range(1, 8)])
    assert report.sli_percent == pytest.approx(99.9)
    assert report.budget_consumed_percent == pytest.approx(23.3333333)
    assert report.budget_remaining_percent == pytest.approx(76.6666667)
    assert report.burn_rate == pytest.approx(1.0)
    assert report.days_to_exhaustion == pytest.approx(23.0)
    assert report.compliant is True
    assert report.days_with_data == 7 and report.coverage == 1.0
    assert report.window_days == 30.0 and report.objective == 99.9
    assert report.burn_down[0] == (0, 100.0)
    assert [d for d, _ in report.burn_down] == list(range(8))
    assert report.burn_down[1][1] == pytest.approx(96.6666667)
    assert report.burn_down[7][1] == pytest.approx(76.6666667)
    assert report.notes == ()


def test_pooled_sli_weighs_traffic_but_budget_weighs_days() -> None:
    # Objective 99 %. Day 1: 990 good of 1000 (1 % bad, burn 1.0, 3.333 %).
    # Day 2: 3000 of 3000 (burn 0). Pooled SLI = 3990 / 4000 = 99.75 %; consumed 3.333 %;
    # mean burn 0.5; 96.667 % left at 1.667 %/day → 58 days.
    slo = Slo("s", 99.0, timedelta(days=30), ratio=RatioSli("g", "t"))
    days = [ratio_day(1, np.array([990.0]), np.array([1000.0])),
            ratio_day(2, np.array([3000.0]), np.array([3000.0]))]
    report = slo_report(slo, days)
    assert report.sli_percent == pytest.approx(99.75)
    assert report.budget_consumed_percent == pytest.approx(3.3333333)
    assert report.burn_rate == pytest.approx(0.5)
    assert report.days_to_exhaustion == pytest.approx(58.0)
    assert [d.compliant for d in report.by_day] == [True, True]


def test_missing_day_is_reported_never_compliant_and_never_zero() -> None:
    # Days 1 and 3 burn at 1.0; day 2 is absent from the history.
    report = slo_report(AVAILABILITY, [day_with_bad(3, 1.0), day_with_bad(1, 1.0)],
                        program_days=3)
    assert [d.day for d in report.by_day] == [1, 2, 3]
    assert report.by_day[1].status == "no_data"
    assert report.by_day[1].budget_consumed_percent is None
    assert report.compliant is None  # the observed days comply, but day 2 is unknown
    assert report.days_with_data == 2
    assert report.coverage == pytest.approx(2 / 3)
    assert report.budget_consumed_percent == pytest.approx(2 * 100 / 30)
    assert report.burn_down[2] == (2, None)
    assert report.burn_down[3][1] == pytest.approx(100 - 2 * 100 / 30)
    assert len(report.notes) == 1 and report.notes[0].startswith("day 2: no data")


def test_a_violating_day_fails_compliance_even_with_missing_days() -> None:
    report = slo_report(AVAILABILITY, [day_with_bad(1, 5.0), missing_day(2, "down")])
    assert report.compliant is False


def test_report_without_any_data() -> None:
    report = slo_report(LATENCY, [missing_day(1, "no samples")], program_days=2)
    assert report.sli_percent is None and report.compliant is None
    assert report.budget_consumed_percent is None and report.budget_remaining_percent is None
    assert report.burn_rate is None and report.days_to_exhaustion is None
    assert report.days_with_data == 0 and report.coverage == 0.0
    assert report.burn_down == ((0, 100.0), (1, None), (2, None))
    assert len(report.notes) == 2


def test_report_of_no_days() -> None:
    report = slo_report(LATENCY, [])
    assert report.by_day == () and report.notes == ("no days to report",)


def test_no_consumption_never_exhausts() -> None:
    report = slo_report(AVAILABILITY, [day_with_bad(1, 0.0), day_with_bad(2, 0.0)])
    assert report.budget_remaining_percent == 100.0
    assert report.days_to_exhaustion is None
    assert report.compliant is True


def test_overspent_budget_goes_negative_and_is_exhausted() -> None:
    # 1 % bad against 99.9 %: burn 10, a third of the budget a day; 7 days → 233.333 %.
    report = slo_report(AVAILABILITY, [day_with_bad(d, 10.0) for d in range(1, 8)])
    assert report.budget_consumed_percent == pytest.approx(233.3333333)
    assert report.budget_remaining_percent == pytest.approx(-133.3333333)
    assert report.days_to_exhaustion == 0.0
    assert report.burn_rate == pytest.approx(10.0)
    assert report.compliant is False


def test_one_day_only() -> None:
    # Burn 2.0: 6.667 % used, 93.333 % left → 14 more days.
    report = slo_report(AVAILABILITY, [day_with_bad(1, 2.0)])
    assert report.days_to_exhaustion == pytest.approx(14.0)
    assert report.compliant is False


def test_report_judges_unjudged_days() -> None:
    raw = [ratio_day(1, np.array([999.0]), np.array([1000.0]))]
    assert raw[0].burn_rate is None
    assert slo_report(AVAILABILITY, raw).by_day[0].burn_rate == pytest.approx(1.0)


def test_report_refuses_duplicate_days_and_the_ga_day() -> None:
    with pytest.raises(ValueError):
        slo_report(AVAILABILITY, [day_with_bad(1, 1.0), day_with_bad(1, 2.0)])
    with pytest.raises(ValueError):
        slo_report(AVAILABILITY, [day_with_bad(0, 1.0)])


def test_day_survives_the_json_round_trip_with_its_burn_rate() -> None:
    # Σtotal = 1440 · 857.5123 ≈ 1.2348e6 and bad = 1440 · 0.1732 = 249.408: stored as bad,
    # both keep 6 significant digits, so the burn rate (≈ 0.202) comes back within 1e-5.
    day = ratio_day(1, np.full(1440, 857.3391), np.full(1440, 857.5123), slo=AVAILABILITY)
    back = SloDay(**json.loads(dumps(day)))
    assert back.bad == pytest.approx(249.408, rel=1e-6)
    assert assess_day(AVAILABILITY, back).burn_rate == pytest.approx(day.burn_rate, rel=1e-5)
    assert day.burn_rate == pytest.approx(249.408 / (1440 * 857.5123) / 0.001)


def test_report_is_json_writable_with_missing_days() -> None:
    report = slo_report(AVAILABILITY, [day_with_bad(1, 1.0)], program_days=2)
    text = dumps(report)
    assert '"days_to_exhaustion": 29.0' in text  # 96.667 / 3.333
    assert "NaN" not in text


def test_ratio_day_of_results_keeps_a_failed_query_as_error_with_its_message() -> None:
    grid = np.arange(4, dtype=np.float64) * 60.0
    total = Samples(grid, np.full(4, 100.0), {})
    failed = QueryFailed("sum(rate(ok[5m])", "bad_data: parse error")
    day = ratio_day_of(3, failed, total, grid, 60.0)
    assert (day.status, day.sli_percent) == ("error", None)
    assert day.reason == "good query failed: bad_data: parse error (query: sum(rate(ok[5m]))"
    good = Samples(grid, np.full(4, 99.0), {})
    assert ratio_day_of(3, good, total, grid, 60.0).sli_percent == pytest.approx(99.0)


# --------------------------------------------------------------------------- exhaustion


def test_exhaustion_at_the_last_days_pace_beside_the_weeks() -> None:
    # 6 days at 1× (3.333 % each = 20 %) and day 7 at 9× (30 %): 50 % left, which lasts
    # 50 / 30 = 1.667 days at day 7's pace and 50 / (50 / 7) = 7.0 days at the average's.
    days = [day_with_bad(d, 1.0) for d in range(1, 7)] + [day_with_bad(7, 9.0)]
    report = slo_report(AVAILABILITY, days)
    e = exhaustion(report)
    assert e.remaining_percent == pytest.approx(50.0)
    assert (e.last_day, e.last_day_burn_rate) == (7, pytest.approx(9.0))
    assert e.last_day_consumed_percent == pytest.approx(30.0)
    assert e.days_at_last_day == pytest.approx(5 / 3)
    assert e.average_burn_rate == pytest.approx(15 / 7)
    assert e.days_at_average == pytest.approx(7.0) == report.days_to_exhaustion


def test_an_incident_on_one_day_is_not_the_last_days_pace() -> None:
    # the incident on day 4; day 7 is quiet again: the budget lasts long at day 7's pace
    days = [day_with_bad(d, 20.0 if d == 4 else 0.5) for d in range(1, 8)]
    e = exhaustion(slo_report(AVAILABILITY, days))
    assert e.last_day == 7 and e.last_day_burn_rate == pytest.approx(0.5)
    assert e.days_at_last_day is not None and e.days_at_average is not None
    assert e.days_at_last_day > 4 * e.days_at_average


def test_exhaustion_when_not_burning_overspent_or_without_data() -> None:
    quiet = exhaustion(slo_report(AVAILABILITY, [day_with_bad(d, 0.0) for d in range(1, 8)]))
    assert (quiet.days_at_last_day, quiet.days_at_average) == (None, None)
    spent = exhaustion(slo_report(AVAILABILITY, [day_with_bad(d, 6.0) for d in range(1, 8)]))
    assert spent.remaining_percent is not None and spent.remaining_percent < 0
    assert (spent.days_at_last_day, spent.days_at_average) == (0.0, 0.0)
    # the last day without data: the pace is the last day that has one
    gap = [day_with_bad(d, 1.0) for d in range(1, 7)] + [missing_day(7, "no data")]
    assert exhaustion(slo_report(AVAILABILITY, gap)).last_day == 6
    none = exhaustion(slo_report(AVAILABILITY, [missing_day(1, "no data")]))
    assert none == Exhaustion(None, None, None, None, None, None, None, None)
