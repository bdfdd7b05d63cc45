"""drift.compare: signed drift, bad-direction severity, headroom caps, zero baseline."""

from __future__ import annotations

import pytest

from tars_ci.analysis.drift import (
    at_least,
    compare,
    format_drift,
    format_drift_word,
    max_severity,
    severity_for,
    status_for,
)
from tars_ci.spec.model import DriftThresholds
from tests.analysis.core_builders import kpi, missing, ok

TH = DriftThresholds()  # seeds: 10 / 15 / 30 / 50, headroom caps 0.75 / 0.5


# --------------------------------------------------------------------------- worked examples


def test_error_rate_plus_60_percent_far_from_its_limit_is_medium() -> None:
    c = compare(kpi("error_rate", "lower", limit=1.0), ok(0.08), ok(0.05), TH)
    assert c.drift_percent == pytest.approx(60.0)
    assert c.bad_drift_percent == pytest.approx(60.0)
    assert c.headroom_remaining == pytest.approx(0.92 / 0.95)  # 0.968 ≥ 0.75
    assert (c.severity, c.status) == ("medium", "warning")
    assert c.reason == ("0.08% vs baseline 0.05%: +60.0% (worse); drift alone gives critical; "
                        "96.8% of the headroom to the limit 1% remains, so severity medium")


def test_p99_plus_37_5_percent_is_high_and_fails() -> None:
    c = compare(kpi("p99", "lower", unit="ms", limit=250), ok(165), ok(120), TH)
    assert c.drift_percent == pytest.approx(37.5)
    assert c.headroom_remaining == pytest.approx(85 / 130)  # 0.654: cap at high
    assert (c.severity, c.status) == ("high", "fail")
    assert c.reason.startswith("165.0 ms vs baseline 120.0 ms: +37.5% (worse); severity high")


def test_cpu_without_limit_plus_15_7_percent_is_medium() -> None:
    c = compare(kpi("cpu", "lower"), ok(52.3), ok(45.2), TH)
    assert c.drift_percent == pytest.approx(7.1 / 45.2 * 100)  # 15.708
    assert (c.severity, c.status, c.headroom_remaining) == ("medium", "warning", None)


# --------------------------------------------------------------------------- direction


def test_improvement_lower_is_better_is_never_a_degradation() -> None:
    c = compare(kpi("error_rate", "lower", limit=1.0), ok(0.05), ok(0.08), TH)
    assert c.drift_percent == pytest.approx(-37.5)
    assert (c.bad_drift_percent, c.severity, c.status) == (0.0, None, "pass")
    assert "(better)" in c.reason


def test_improvement_higher_is_better_is_never_a_degradation() -> None:
    c = compare(kpi("rps", "higher"), ok(300), ok(200), TH)
    assert (c.drift_percent, c.bad_drift_percent, c.severity, c.status) == (50.0, 0.0, None,
                                                                            "pass")


def test_drop_of_a_higher_is_better_kpi_is_bad_drift() -> None:
    c = compare(kpi("rps", "higher"), ok(140), ok(200), TH)
    assert (c.drift_percent, c.bad_drift_percent) == (-30.0, 30.0)
    assert (c.severity, c.status) == ("high", "fail")


def test_negative_baseline_uses_its_magnitude() -> None:
    c = compare(kpi("delta", "lower"), ok(-5), ok(-10), TH)  # rose by 5 from -10: +50%
    assert (c.drift_percent, c.bad_drift_percent, c.severity) == (50.0, 50.0, "critical")


def test_unchanged_value_passes() -> None:
    c = compare(kpi(), ok(3.0), ok(3.0), TH)
    assert (c.drift_percent, c.bad_drift_percent, c.severity, c.status) == (0.0, 0.0, None,
                                                                            "pass")
    assert "(unchanged)" in c.reason


# --------------------------------------------------------------------------- boundaries


@pytest.mark.parametrize(("value", "severity", "status"), [
    (109.99, None, "pass"), (110, "low", "warning"), (114.99, "low", "warning"),
    (115, "medium", "warning"), (129.99, "medium", "warning"), (130, "high", "fail"),
    (149.99, "high", "fail"), (150, "critical", "fail"), (400, "critical", "fail"),
])
def test_severity_bands_include_their_lower_bound(value: float, severity: str | None,
                                                  status: str) -> None:
    c = compare(kpi(), ok(value), ok(100), TH)
    assert (c.severity, c.status) == (severity, status)


def test_float_noise_does_not_move_a_value_off_its_boundary() -> None:
    # (0.055 − 0.05) / 0.05 · 100 is 9.999999999999995 in floats: still a 10% drift.
    c = compare(kpi(), ok(0.055), ok(0.05), TH)
    assert c.severity == "low"


def test_custom_thresholds_are_used() -> None:
    th = DriftThresholds(notable=5, medium=8, high=20, critical=25)
    assert compare(kpi(), ok(106), ok(100), th).severity == "low"
    assert compare(kpi(), ok(125), ok(100), th).severity == "critical"


# --------------------------------------------------------------------------- headroom


def test_headroom_exactly_at_the_medium_cap_caps_at_medium() -> None:
    # limit 1, baseline 0.2 → 0.4: remaining 0.6 / 0.8 = 0.75 (0.7499999999999999 in floats)
    c = compare(kpi(limit=1.0), ok(0.4), ok(0.2), TH)
    assert c.headroom_remaining == pytest.approx(0.75)
    assert (c.drift_percent, c.severity) == (100.0, "medium")


def test_headroom_exactly_at_the_high_cap_caps_at_high() -> None:
    c = compare(kpi(limit=100.0), ok(60), ok(20), TH)  # remaining 40 / 80 = 0.5
    assert (c.headroom_remaining, c.drift_percent, c.severity) == (0.5, 200.0, "high")


def test_below_the_high_cap_the_drift_severity_stands() -> None:
    c = compare(kpi(limit=100.0), ok(61), ok(20), TH)  # remaining 39 / 80 = 0.4875
    assert c.headroom_remaining == pytest.approx(0.4875)
    assert c.severity == "critical"


def test_caps_never_raise_a_severity() -> None:
    c = compare(kpi(limit=100.0), ok(22), ok(20), TH)  # +10% low, remaining 78 / 80
    assert c.severity == "low"


def test_value_beyond_the_limit_is_at_least_high() -> None:
    c = compare(kpi("p99", unit="ms", limit=250), ok(255), ok(240), TH)  # +6.25%: no drift sev
    assert (c.severity, c.status) == ("high", "fail")
    assert c.headroom_remaining == pytest.approx(-5 / 10)
    assert "255.0 ms is beyond the limit 250 ms, so severity high" in c.reason


def test_higher_is_better_headroom_mirrors() -> None:
    avail = kpi("availability", "higher", limit=99.9)
    c = compare(avail, ok(99.92), ok(99.95), TH)  # remaining (99.92 − 99.9) / (99.95 − 99.9)
    assert c.headroom_remaining == pytest.approx(0.4)
    assert (c.severity, c.status) == (None, "pass")  # −0.03% drift
    below = compare(avail, ok(99.85), ok(99.95), TH)
    assert (below.severity, below.status) == ("high", "fail")
    assert below.drift_percent == pytest.approx(-0.1 / 99.95 * 100)


def test_value_exactly_on_the_limit_is_not_beyond_it() -> None:
    c = compare(kpi("p99", unit="ms", limit=250), ok(250), ok(240), TH)
    assert (c.headroom_remaining, c.severity) == (0.0, None)


def test_baseline_already_beyond_the_limit_gets_no_cap() -> None:
    c = compare(kpi(limit=1.0), ok(2.4), ok(1.5), TH)  # +60%
    assert (c.severity, c.headroom_remaining) == ("critical", None)
    better = compare(kpi(limit=1.0), ok(1.2), ok(1.5), TH)  # improved, still beyond
    assert (better.severity, better.status) == (None, "pass")
    assert "baseline already at or beyond the limit 1%" in better.reason


# --------------------------------------------------------------------------- zero baseline


def test_zero_to_zero_is_no_drift() -> None:
    c = compare(kpi(), ok(0.0), ok(0.0), TH)
    assert (c.drift_percent, c.bad_drift_percent, c.severity, c.status) == (0.0, 0.0, None,
                                                                            "pass")


def test_zero_baseline_bad_direction_is_critical_without_a_drift_number() -> None:
    c = compare(kpi(), ok(0.3), ok(0.0), TH)
    assert (c.drift_percent, c.bad_drift_percent) == (None, None)
    assert (c.severity, c.status) == ("critical", "fail")
    assert c.reason.startswith("baseline is zero; 0.3% is worse")


def test_zero_baseline_then_headroom_caps_apply() -> None:
    capped_medium = compare(kpi(limit=1.0), ok(0.1), ok(0.0), TH)  # remaining 0.9
    assert (capped_medium.severity, capped_medium.status) == ("medium", "warning")
    capped_high = compare(kpi(limit=1.0), ok(0.3), ok(0.0), TH)  # remaining 0.7
    assert (capped_high.severity, capped_high.headroom_remaining) == ("high", pytest.approx(0.7))


def test_zero_baseline_good_direction_has_no_severity() -> None:
    c = compare(kpi("rps", "higher"), ok(5.0), ok(0.0), TH)
    assert (c.drift_percent, c.severity, c.status) == (None, None, "pass")
    assert "is better" in c.reason


# --------------------------------------------------------------------------- missing data


def test_no_data_today_is_no_data_never_pass() -> None:
    c = compare(kpi(), missing(reason="no data: nothing matched"), ok(1.0, coverage=1.0), TH)
    assert (c.status, c.value, c.baseline, c.drift_percent, c.severity) == (
        "no_data", None, 1.0, None, None)
    assert c.coverage == 0.0
    assert c.reason == "today's value missing; today: no data: nothing matched"


def test_failed_baseline_is_an_error() -> None:
    c = compare(kpi(), ok(2.0, coverage=0.5), missing(status="error", reason="query failed: x"),
                TH)
    assert (c.status, c.value, c.baseline, c.coverage) == ("error", 2.0, None, 0.5)
    assert c.reason == "the GA baseline missing; GA baseline: query failed: x"


def test_error_wins_over_no_data() -> None:
    c = compare(kpi(), missing(status="error", reason="query failed: y"), missing(), TH)
    assert c.status == "error"
    assert c.reason.startswith("today's value and the GA baseline missing")


def test_dropped_samples_note_is_carried_into_the_reason() -> None:
    today = ok(1.0)._replace(reason="dropped 2 non-finite samples (NaN/±Inf) of 10")
    c = compare(kpi(), today, ok(1.0), TH)
    assert c.reason.endswith("; today: dropped 2 non-finite samples (NaN/±Inf) of 10")


# --------------------------------------------------------------------------- helpers


def test_helpers() -> None:
    assert severity_for(9.99, TH) is None
    assert severity_for(50.0, TH) == "critical"
    assert [status_for(s) for s in (None, "low", "medium", "high", "critical")] == [
        "pass", "warning", "warning", "fail", "fail"]
    assert max_severity("low", "high") == "high"
    assert max_severity(None, "low") == "low"
    assert max_severity("medium", None) == "medium"
    assert at_least(0.7499999999999999, 0.75) and not at_least(0.7499, 0.75)
    assert [format_drift(d) for d in (37.5, -0.45, 0.0, None)] == [
        "+37.5%", "-0.45%", "+0.00%", "n/a"]


@pytest.mark.parametrize(("drift", "better", "text"), [
    (12.0, "lower", "+12.0% (worse)"),
    (-1.0, "higher", "-1.0% (worse)"),  # an availability drop, never "+1.0%"
    (-4.0, "lower", "-4.0% (better)"),
    (0.5, "higher", "+0.50% (better)"),
    (-0.0038, "higher", "-0.0038% (worse)"),  # never a bare "-0.00%"
    (0.0, "lower", "0.00% (unchanged)"),
    (None, "lower", "n/a"),
])
def test_format_drift_word_reads_in_the_bad_direction(drift: float | None, better: str,
                                                      text: str) -> None:
    assert format_drift_word(drift, better) == text  # type: ignore[arg-type]
