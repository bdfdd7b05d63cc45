"""Day-7 regression analysis: trends classified by rules whose numbers are worked by hand.

Seed thresholds: notable 10 %, so the trend and volatility floor F is 5 %. Days x = 1..7,
x̄ = 4, Σ(x − 4)² = 28, so the least-squares slope is Σ(x − 4)·y / 28.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tars_ci.analysis.drift import Comparison, compare
from tars_ci.analysis.kinds import potential_causes
from tars_ci.analysis.kpis import Measurement
from tars_ci.analysis.regression import (
    RegressionReport,
    Trend,
    regression_report,
    trend,
    trend_of,
    unexpected_drifts,
)
from tars_ci.reports.jsonio import dumps
from tars_ci.spec.model import DriftThresholds, Kpi

TH = DriftThresholds()
CPU = Kpi("cpu_percent", "q", unit="percent", better="lower", title="CPU utilisation")
MEMORY = Kpi("memory_percent", "q", unit="percent", better="lower")
P99 = Kpi("p99_latency_ms", "q", unit="ms", better="lower")
P95 = Kpi("p95_latency_ms", "q", unit="ms", better="lower")
ERRORS = Kpi("error_rate", "q", unit="percent", better="lower", limit=1.0)
ORDERS = Kpi("orders_per_second", "q", unit="rps", better="higher")
COST = Kpi("cost_compute_usd_per_hour", "q", unit="usd_per_hour", better="lower", cost=True)


def fit(kpi: Kpi, baseline: float | None, values: Sequence[float | None]) -> Trend:
    """The trend of days 1..len(values)."""
    return trend(kpi, baseline, dict(enumerate(values, start=1)), TH, len(values))


def scaled(baseline: float, drifts: list[float]) -> list[float | None]:
    """Values at the given % drifts from ``baseline``."""
    return [baseline * (1 + p / 100) for p in drifts]


CPU_DAYS: list[float | None] = [46.2, 47.4, 48.5, 49.6, 50.7, 51.5, 52.3]
MEMORY_DAYS = scaled(60.0, [12, -15, 18, -10, 16, -17, 14])
FLAT_DAYS: list[float | None] = [202.0, 198.0, 201.0, 199.0, 202.0, 198.0, 201.0]  # +1 −1 +.5 −.5 +1 −1 +.5 %
SPIKE_DAYS: list[float | None] = [202.0, 274.0, 198.0, 204.0, 196.0, 202.0, 198.0]  # +1 +37 −1 +2 −2 +1 −1 %
ERROR_DAYS: list[float | None] = [0.05, 0.05, 0.05, 0.08, 0.055, 0.055, 0.055]


def test_cpu_rising_linearly_is_increasing() -> None:
    # Σ(x−4)·v = −3·46.2 − 2·47.4 − 48.5 + 50.7 + 2·51.5 + 3·52.3 = 28.7 → 1.025 /day
    # = 1.025 / 45.2 = 2.2677 %/day; change over days 1..7: 6 · 2.2677 = 13.6 % ≥ 5 %.
    # Residuals (v̄ = 49.4571): −.182 −.007 .068 .143 .218 −.007 −.232 → RMS 0.1510
    # = 0.334 % of 45.2 < 5 %: not volatile. Worst day 7: 7.1 / 45.2 = 15.71 % → medium.
    t = fit(CPU, 45.2, CPU_DAYS)
    assert t.direction == "increasing"
    assert t.slope_percent_per_day == pytest.approx(2.2676991)
    assert t.volatility_percent == pytest.approx(0.3341083)
    assert (t.worst_day, t.severity, t.regression) == (7, "medium", True)
    assert t.worst_bad_drift_percent == pytest.approx(15.7079646)
    assert t.final_bad_drift_percent == pytest.approx(15.7079646)
    assert t.spike_day is None and t.days_with_data == 7
    assert t.values_by_day == tuple(zip(range(1, 8), CPU_DAYS))
    assert "fitted change +13.6% over days 1–7" in t.reason


def test_memory_swinging_18_percent_is_volatile() -> None:
    # y = 12 −15 18 −10 16 −17 14: Σ(x−4)·y = −36 + 30 − 18 + 16 − 34 + 42 = 0 → slope 0.
    # ȳ = 18/7; Σ(y−ȳ)² = 1534 − 324/7 = 1487.71 → RMS √(1487.71/7) = 14.578 % ≥ 5 % and
    # ≥ |change| / 2 = 0 → volatile. No spike: the other days swing as far (σ ≈ 14).
    t = fit(MEMORY, 60.0, MEMORY_DAYS)
    assert t.direction == "volatile"
    assert t.slope_percent_per_day == pytest.approx(0.0, abs=1e-9)
    assert t.volatility_percent == pytest.approx(14.5784297)
    assert t.spike_day is None
    assert (t.worst_day, t.severity, t.regression) == (3, "medium", True)  # +18 %
    assert t.worst_bad_drift_percent == pytest.approx(18.0)
    assert t.final_bad_drift_percent == pytest.approx(14.0)


def test_one_percent_noise_is_stable() -> None:
    # Σ(x−4)·y = −3 + 2 − .5 + 0 + 1 − 2 + 1.5 = −1 → −1/28 = −0.0357 %/day; all < 5 %.
    t = fit(P99, 200.0, FLAT_DAYS)
    assert t.direction == "stable"
    assert t.slope_percent_per_day == pytest.approx(-1 / 28)
    assert t.volatility_percent == pytest.approx(0.8175374)
    assert (t.severity, t.regression) == (None, False)
    assert (t.worst_day, t.worst_bad_drift_percent) == (1, pytest.approx(1.0))  # tie → day 1


def test_a_single_spike_is_not_a_trend() -> None:
    # Without day 2: x = 1 3 4 5 6 7, y = 1 −1 2 −2 1 −1, x̄ = 13/3, ȳ = 0;
    # Σxy = 1 − 3 + 8 − 10 + 6 − 7 = −5; Sxx = 136 − 6·(13/3)² = 70/3 → slope −0.2143 %/day,
    # change −1.29 %: stable. The line at day 2 is 0.5, so day 2 is 36.5 points off: a spike.
    # Its +37 % still makes day 2 the worst day, severity high, and a regression.
    t = fit(P99, 200.0, SPIKE_DAYS)
    assert t.direction == "stable"
    assert t.spike_day == 2
    assert t.slope_percent_per_day == pytest.approx(-5 / (70 / 3))
    assert (t.worst_day, t.severity, t.regression) == (2, "high", True)
    assert t.worst_bad_drift_percent == pytest.approx(37.0)
    assert t.reason.startswith("day 2 (+37.0%) is a one-day spike, +36.5 points off")


def test_error_rate_step_after_a_spike_is_increasing_but_only_medium() -> None:
    # Drifts 0 0 0 +60 +10 +10 +10 %. Without day 4: Σ(x−4)·y = 10 + 20 + 30 = 60, Sxx = 28
    # → 2.1429 %/day, change 12.86 % ≥ 5 %; ȳ = 5, residuals 1.43 −.71 −2.86 2.86 .71 −1.43
    # → RMS 1.89 % (day 4 is 55 points off that line: a spike) → increasing: the error rate
    # ends a step (+10 %) above GA. Day 4 is +60 % (critical by drift), but 0.08 keeps
    # (1 − 0.08) / (1 − 0.05) = 96.8 % of the headroom to the 1 % limit: medium.
    t = fit(ERRORS, 0.05, ERROR_DAYS)
    assert t.direction == "increasing"
    assert t.spike_day == 4
    assert t.slope_percent_per_day == pytest.approx(60 / 28)
    assert t.volatility_percent == pytest.approx(1.8898224)
    assert (t.worst_day, t.severity, t.regression) == (4, "medium", True)
    assert t.worst_bad_drift_percent == pytest.approx(60.0)
    assert t.final_bad_drift_percent == pytest.approx(10.0)


def test_trend_against_noise_decides_between_increasing_and_volatile() -> None:
    # Noise ±8 (8 −8 8 −8 8 −8 8) is orthogonal to x − 4, so it does not move the slope;
    # its residuals 48/7 and −64/7 give RMS √((4·48² + 3·64²) / 343) = 7.918 %.
    noise = [8, -8, 8, -8, 8, -8, 8]
    steep = fit(P95, 100.0, scaled(100.0, [4 * x + e for x, e in zip(range(1, 8), noise)]))
    assert steep.volatility_percent == pytest.approx((21504 / 343) ** 0.5)
    assert steep.slope_percent_per_day == pytest.approx(4.0)
    assert steep.direction == "increasing"  # change 24 % > 2 · 7.9
    gentle = fit(P95, 100.0, scaled(100.0, [x + e for x, e in zip(range(1, 8), noise)]))
    assert gentle.direction == "volatile"  # change 6 % < 2 · 7.9, spread ≥ 5 %


def test_a_step_change_is_a_trend_not_a_spike() -> None:
    # 0 0 0 20 20 20 20: slope 120/28 = 4.286, change 25.7 %; residuals RMS 4.95 % < 5 %.
    # Leaving day 4 out, it is 10 points off a line whose RMS is 3.78: < 3σ, no spike.
    t = fit(P95, 100.0, scaled(100.0, [0, 0, 0, 20, 20, 20, 20]))
    assert t.direction == "increasing" and t.spike_day is None
    assert t.slope_percent_per_day == pytest.approx(120 / 28)
    assert t.volatility_percent == pytest.approx(4.9487166)


def test_higher_is_better_kpi_falling_is_a_regression() -> None:
    t = fit(ORDERS, 100.0, [98.0, 95.0, 93.0, 90.0, 88.0, 85.0, 83.0])
    # Σ(x−4)·y = 3·2 + 2·5 + 7 − 12 − 2·15 − 3·17 = −70 → −2.5 %/day; worst day 7, −17 %.
    assert t.direction == "decreasing"
    assert t.slope_percent_per_day == pytest.approx(-2.5)
    assert (t.worst_day, t.severity, t.regression) == (7, "medium", True)


def test_improvement_is_no_regression_and_has_no_worst_day() -> None:
    t = fit(P95, 100.0, [95.0, 90.0, 85.0, 80.0])
    assert t.direction == "decreasing" and not t.regression
    assert (t.worst_day, t.worst_bad_drift_percent, t.severity) == (None, 0.0, None)


def test_too_few_days_is_unknown_but_severity_still_counts() -> None:
    t = fit(CPU, 50.0, [None, 60.0, None, None, None, 52.0, None])
    assert t.direction == "unknown" and t.days_with_data == 2
    assert t.slope_percent_per_day is None and t.volatility_percent is None
    assert (t.worst_day, t.severity, t.regression) == (2, "medium", True)  # +20 %
    assert t.final_bad_drift_percent == pytest.approx(4.0)  # day 6 is the last with data
    assert "2 day(s) with data; a trend needs 3" in t.reason


def test_one_day_only() -> None:
    t = fit(CPU, 50.0, [55.0])
    assert t.direction == "unknown" and t.values_by_day == ((1, 55.0),)
    assert (t.worst_day, t.severity, t.worst_bad_drift_percent) == (1, "low",
                                                                    pytest.approx(10.0))


def test_spike_detection_needs_five_days() -> None:
    # Four days, one of them +37 %: not left out; the line through all four is volatile.
    t = fit(P99, 200.0, [202.0, 274.0, 198.0, 204.0])
    assert t.spike_day is None and t.direction == "volatile"


def test_no_data_and_no_baseline() -> None:
    empty = fit(CPU, 45.0, [None, float("nan")])
    assert (empty.direction, empty.days_with_data, empty.regression) == ("unknown", 0, False)
    assert empty.values_by_day == ((1, None), (2, None))
    assert empty.reason == "no day has data"
    blind = fit(CPU, None, CPU_DAYS)
    assert (blind.direction, blind.severity, blind.reason) == ("unknown", None, "no GA baseline")


def test_zero_baseline() -> None:
    # 0 → anything worse has no drift number but is critical (as in drift.compare); 0.8
    # keeps only (1 − 0.8) / (1 − 0) = 20 % of its headroom to the 1 % limit: no cap.
    t = fit(ERRORS, 0.0, [0.0, 0.0, 0.8])
    assert t.direction == "unknown" and t.reason.startswith("baseline is zero")
    assert (t.worst_day, t.severity, t.regression) == (3, "critical", True)
    assert t.worst_bad_drift_percent is None  # the worst day's: a zero baseline has none
    # 0.5 keeps 50 % of the headroom (≥ headroom_cap_high): capped at high.
    assert fit(ERRORS, 0.0, [0.0, 0.0, 0.5]).severity == "high"
    zeros = fit(ERRORS, 0.0, [0.0, 0.0, 0.0])
    assert (zeros.direction, zeros.regression, zeros.worst_day) == ("stable", False, None)


# --------------------------------------------------------------------------- report


def report() -> tuple[list[Kpi], RegressionReport]:
    kpis = [CPU, MEMORY, P99, ERRORS, P95, ORDERS]
    baselines: dict[str, float | None] = {"cpu_percent": 45.2, "memory_percent": 60.0, "p99_latency_ms": 200.0,
                 "error_rate": 0.05, "p95_latency_ms": 100.0, "orders_per_second": 100.0}
    rows: dict[str, Sequence[float | None]] = {
        "cpu_percent": CPU_DAYS, "memory_percent": MEMORY_DAYS, "p99_latency_ms": SPIKE_DAYS,
        "error_rate": ERROR_DAYS, "p95_latency_ms": [95.0, 90.0, 85.0, 80.0]}  # days 5..7 absent
    values = {k: dict(enumerate(row, start=1)) for k, row in rows.items()}
    return kpis, regression_report(kpis, baselines, values, TH, 7)


def test_report_ranks_regressions_by_severity_then_worst_drift() -> None:
    # high: p99 spike (37 %); medium: error rate (60 %, capped), memory (18 %), CPU (15.7 %).
    _, r = report()
    assert r.days == 7
    assert [t.kpi for t in r.trends] == ["cpu_percent", "memory_percent", "p99_latency_ms",
                                         "error_rate", "p95_latency_ms", "orders_per_second"]
    assert [t.kpi for t in r.regressions] == ["p99_latency_ms", "error_rate",
                                              "memory_percent", "cpu_percent"]
    assert r.improved_kpis == ("p95_latency_ms",)
    assert r.unknown_kpis == ("orders_per_second",)  # no values at all
    assert r.stable_kpis == ()
    assert r.trends[4].values_by_day[4:] == ((5, None), (6, None), (7, None))


def test_stable_kpis() -> None:
    r = regression_report([P99], {"p99_latency_ms": 200.0},
                          {"p99_latency_ms": dict(enumerate(FLAT_DAYS, start=1))}, TH, 7)
    assert r.stable_kpis == ("p99_latency_ms",) and r.regressions == ()


def test_days_outside_the_program_are_refused() -> None:
    with pytest.raises(ValueError, match="within 1..7"):
        regression_report([CPU], {"cpu_percent": 45.0}, {"cpu_percent": {8: 1.0}}, TH, 7)
    with pytest.raises(ValueError):
        trend(CPU, 45.0, {0: 45.0}, TH, 7)  # day 0 is the baseline, not a program day


def test_trend_reads_days_by_number() -> None:
    # Days 2, 4, 6 only: 50 → 55, 60, 65 = +10, +20, +30 %: Σ(x − 4)·y = −20 + 60 = 40,
    # Sxx = 8 → 5 %/day exactly on the line: increasing; day 6 worst (+30 %, high).
    t = trend(CPU, 50.0, {6: 65.0, 2: 55.0, 4: 60.0}, TH, 7)
    assert t.values_by_day == ((1, None), (2, 55.0), (3, None), (4, 60.0), (5, None),
                               (6, 65.0), (7, None))
    assert t.slope_percent_per_day == pytest.approx(5.0)
    assert t.volatility_percent == pytest.approx(0.0, abs=1e-9)
    assert (t.direction, t.worst_day, t.severity) == ("increasing", 6, "high")
    assert t.final_bad_drift_percent == pytest.approx(30.0)


def test_report_is_json_writable() -> None:
    _, r = report()
    assert "NaN" not in dumps(r)


# --------------------------------------------------------------------------- unexpected drifts


def test_unexpected_drifts_are_the_10_to_30_percent_band() -> None:
    # Error rate: worst 60 % but final +10 % (in band); memory 18 %; CPU 15.7 %.
    # p99: worst 37 % and final −1 % (0 bad): not in band. p95 improved: no bad drift.
    kpis, r = report()
    drifts = unexpected_drifts(r, kpis, TH)
    assert [u.kpi for u in drifts] == ["error_rate", "memory_percent", "cpu_percent"]
    error, _, cpu = drifts
    assert error.final_bad_drift_percent == pytest.approx(10.0)
    assert error.direction == "increasing" and error.worst_day == 4
    assert cpu.title == "CPU utilisation"
    assert cpu.slope_percent_per_day == pytest.approx(2.2676991)
    assert "hot code paths" in cpu.potential_causes
    assert "exception" in error.potential_causes


def test_drift_at_high_is_out_of_the_band() -> None:
    r = regression_report([CPU], {"cpu_percent": 100.0}, {"cpu_percent": {1: 130.0, 2: 130.0}},
                          TH, 2)
    assert unexpected_drifts(r, [CPU], TH) == ()


@pytest.mark.parametrize(("kpi", "words"), [
    (COST, "autoscaling"),  # the cost flag wins over "compute"
    (ERRORS, "exception"),
    (P99, "lock contention"),
    (Kpi("availability", "q", unit="percent", better="higher"), "crash loops"),
    (Kpi("targets_up_percent", "q", unit="percent", better="higher"), "readiness"),
    (CPU, "hot code paths"),
    (MEMORY, "leak"),
    (Kpi("queue_depth", "q", unit="messages", better="lower"), "traffic mix"),
])
def test_potential_causes_follow_the_kpi_kind(kpi: Kpi, words: str) -> None:
    assert words in potential_causes(kpi)


def test_trend_of_recorded_comparisons_is_the_trend_of_their_values() -> None:
    base = Measurement("cpu_percent", "ok", 45.2, 1.0, 1, "")
    comps = {d: compare(CPU, Measurement("cpu_percent", "ok", v, 1.0, 1, ""), base, TH)
             for d, v in enumerate(CPU_DAYS, start=1) if v is not None}
    assert trend_of(CPU, 45.2, comps, TH, 7) == fit(CPU, 45.2, CPU_DAYS)


def test_trend_of_keeps_the_recorded_severities_and_skips_days_without_a_value() -> None:
    """Thresholds changed after day 3: day 2 was recorded medium at +12 % (notable 5,
    medium 10), day 6 low at +14 % under the seeds. The worst day is the recorded medium one,
    as the findings of those days say, not the larger drift judged by today's thresholds."""
    strict = DriftThresholds(notable=5, medium=10, high=30, critical=50)
    base = Measurement("memory_percent", "ok", 50.0, 1.0, 1, "")
    drifts = {1: 2.0, 2: 12.0, 3: 3.0, 4: 1.0, 5: 2.0, 6: 14.0, 7: 2.0}
    comps = {d: compare(MEMORY, Measurement("memory_percent", "ok", 50 * (1 + p / 100), 1.0,
                                            1, ""), base, strict if d <= 3 else TH)
             for d, p in drifts.items()}
    comps[4] = Comparison("memory_percent", "error", None, 50.0, None, None, None, None, 0.0,
                          "query failed")
    t = trend_of(MEMORY, 50.0, comps, TH, 7)
    assert (t.worst_day, t.severity) == (2, "medium")
    assert t.worst_bad_drift_percent == pytest.approx(12.0)
    assert t.days_with_data == 6 and dict(t.values_by_day)[4] is None
    assert fit(MEMORY, 50.0, [50 * (1 + drifts[d] / 100) for d in range(1, 8)]).worst_day == 6
