"""rollback.recommend: the seeds' decision tree on the last day, with reasons and rule ids."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import pytest

from tars_ci.analysis.drift import compare
from tars_ci.analysis.rollback import DayState, recommend
from tars_ci.spec.model import Spec
from tests.analysis.core_builders import (
    day_comparisons,
    example_spec,
    kpi,
    missing,
    ok,
    spec,
)

SPEC = example_spec()  # health floor 40 for 2 days, 50% SLO drift, worsening from day 3 over 3


def state(day: int, values: Mapping[str, float | None] | None = None,
          health: float | None = 95.0, the_spec: Spec = SPEC) -> DayState:
    return DayState(day, health, day_comparisons(the_spec, values or {}))


# --------------------------------------------------------------------------- (a) P0 bands


def test_availability_below_99_is_immediate_rollback() -> None:
    r = recommend([state(1, {"availability": 98.9})], SPEC)
    assert (r.decision, r.rules) == ("immediate_rollback", ("p0_band",))
    assert r.reasons == (("Availability is 98.90% on day 1, beyond the P0 bound < 99% "
                         "(immediate-rollback class)"),)


def test_error_rate_above_5_fires_p0_and_slo_drift() -> None:
    r = recommend([state(2, {"error_rate": 5.5})], SPEC)
    assert (r.decision, r.rules) == ("immediate_rollback", ("p0_band", "slo_drift"))
    assert r.reasons[0] == ("Error rate is 5.50% on day 2, beyond the P0 bound > 5% "
                            "(immediate-rollback class)")
    assert r.reasons[1] == ("Error rate (an SLO metric) drifted +10900.0% vs GA baseline "
                            "(5.50% vs 0.05%) on day 2, beyond the 50% rollback threshold")


def test_values_exactly_on_the_p0_bound_are_not_immediate() -> None:
    r = recommend([state(1, {"availability": 99.0})], SPEC)  # P1 band, −0.95% drift
    assert r.decision == "monitor"
    assert ("Availability is 99.00%, in the P1 band (< 99.5%); immediate rollback at < 99%"
            in r.reasons)
    r = recommend([state(1, {"error_rate": 5.0})], SPEC)  # not > 5%, but +9900% drift
    assert (r.decision, r.rules) == ("rollback", ("slo_drift",))


# --------------------------------------------------------------------------- (b) health floor


def test_health_below_floor_two_days_running_is_rollback() -> None:
    r = recommend([state(1, health=35.0), state(2, health=39.9)], SPEC)
    assert (r.decision, r.rules) == ("rollback", ("health_floor",))
    assert r.reasons == ("health below 40 for 2 days running (35.0 on day 1, 39.9 on day 2)",)


def test_health_exactly_on_the_floor_is_not_below() -> None:
    r = recommend([state(1, health=35.0), state(2, health=40.0)], SPEC)
    assert (r.decision, r.rules, r.reasons) == ("monitor", (), ("no rollback rule fired",))


def test_one_day_below_floor_is_a_watch_item() -> None:
    r = recommend([state(1, health=80.0), state(2, health=30.0)], SPEC)
    assert r.decision == "monitor"
    assert r.reasons == ("no rollback rule fired",
                         "health below 40 (30.0 on day 2): 1 of 2 days needed for rollback")


def test_missing_day_neither_fires_nor_clears_the_health_rule() -> None:
    r = recommend([state(1, health=30.0), state(3, health=30.0)], SPEC)
    assert r.decision == "monitor"
    assert ("health is below 40 (30.0 on day 3) but the health of day 2 is missing or "
            "insufficient: health_floor cannot be confirmed") in r.reasons
    r = recommend([state(1, health=30.0), state(2, health=None)], SPEC)
    assert "health score of day 2 is missing: health_floor could not be evaluated" in r.reasons


def test_health_rule_names_kpis_left_out_of_the_score() -> None:
    r = recommend([state(1, health=30.0), state(2, {"memory_percent": None}, health=30.0)],
                  SPEC)
    assert r.decision == "rollback"
    assert r.reasons[0] == ("health below 40 for 2 days running (30.0 on day 1, 30.0 on day 2)"
                            "; on day 2 Memory utilisation had no data and was left out of the "
                            "score")


def test_an_insufficient_data_day_never_fires_the_health_floor() -> None:
    low = DayState(2, 10.0, day_comparisons(SPEC, {}), "insufficient_data")
    r = recommend([state(1, health=30.0), low], SPEC)
    assert r.decision == "monitor"
    assert ("health score of day 2 is no verdict (insufficient data): health_floor could not "
            "be evaluated") in r.reasons
    r = recommend([state(1, health=30.0)._replace(health_band="insufficient_data"),
                   state(2, health=30.0)], SPEC)
    assert r.decision == "monitor"
    assert ("health is below 40 (30.0 on day 2) but the health of day 1 is missing or "
            "insufficient: health_floor cannot be confirmed") in r.reasons


# --------------------------------------------------------------------------- (c) SLO drift


def test_critical_kpi_beyond_50_percent_drift_is_rollback() -> None:
    r = recommend([state(1, {"p99_latency_ms": 181.0})], SPEC)  # +50.8%, severity high (capped)
    assert (r.decision, r.rules) == ("rollback", ("slo_drift",))
    assert r.reasons == (("p99 latency (an SLO metric) drifted +50.8% vs GA baseline (181.0 ms vs "
                         "120.0 ms) on day 1, beyond the 50% rollback threshold"),)


def test_exactly_50_percent_is_not_beyond_and_is_watched() -> None:
    r = recommend([state(1, {"p99_latency_ms": 180.0})], SPEC)
    assert r.decision == "monitor"
    assert r.reasons == ("no rollback rule fired",
                         ("p99 latency +50.0% vs GA baseline (180.0 ms vs 120.0 ms, severity high); "
                         "rollback above 50%"))


def test_resource_kpi_drift_is_a_capacity_finding_not_a_rollback() -> None:
    r = recommend([state(1, {"cpu_percent": 81.0})], SPEC)  # +80%, critical, not an SLO metric
    assert r.decision == "monitor"
    assert ("CPU utilisation +80.0% vs GA baseline (severity critical): a capacity finding, "
            "not a rollback trigger") in r.reasons


def test_zero_baseline_critical_kpi() -> None:
    err = kpi("error_rate", critical=True, title="Error rate")
    s = spec(err)
    no_limit = DayState(1, 90.0, {"error_rate": compare(err, ok(0.2), ok(0.0),
                                                         s.thresholds.drift)})
    assert recommend([no_limit], s).decision == "rollback"  # no limit: severity critical
    limited = kpi("error_rate", critical=True, title="Error rate", limit=1.0)
    s2 = spec(limited)
    c = compare(limited, ok(0.2), ok(0.0), s2.thresholds.drift)  # 80% headroom left: medium
    assert recommend([DayState(1, 90.0, {"error_rate": c})], s2).decision == "monitor"
    r = recommend([no_limit], s)
    assert r.reasons[0] == ("Error rate (an SLO metric) rose from a zero GA baseline to 0.2% on "
                            "day 1 (severity critical)")


# --------------------------------------------------------------------------- (d) worsening


def worsening_days(*p99: float | None, start: int = 1) -> list[DayState]:
    return [state(start + i, {"p99_latency_ms": v}) for i, v in enumerate(p99)]


def test_worsening_critical_kpi_from_day_3_is_rollback() -> None:
    r = recommend(worsening_days(126.0, 140.4, 154.8), SPEC)  # +5%, +17%, +29%
    assert (r.decision, r.rules) == ("rollback", ("worsening",))
    assert r.reasons == (("p99 latency (an SLO metric) worsened 3 days running (days 1–3: +5.0% "
                         "→ +17.0% → +29.0%), each by more than 10 points a day (the notable "
                         "drift step), from day 3 on"),)


def test_rises_within_the_tolerance_are_noise_not_worsening() -> None:
    # the flip: a flat +33% drift whose noise "rose" three days running
    r = recommend(worsening_days(159.636, 159.672, 159.684), SPEC)  # +33.03 → +33.06 → +33.07
    assert (r.decision, r.rules) == ("monitor", ())
    assert ("p99 latency +33.0% → +33.1% → +33.1%: within the worsening tolerance of 10 points "
            "a day (the notable drift step), not a trend") in r.reasons
    r = recommend(worsening_days(126.0, 132.0, 138.0), SPEC)  # +5 points a day: below 10
    assert r.decision == "monitor"


def test_the_tolerance_is_a_spec_setting_per_kpi_and_globally() -> None:
    days = worsening_days(126.0, 132.0, 138.0)  # +5, +10, +15: rises of 5 points
    rules = replace(SPEC.thresholds.rollback, worsening_step=4.0)
    globally = replace(SPEC, thresholds=replace(SPEC.thresholds, rollback=rules))
    r = recommend(days, globally)
    assert r.rules == ("worsening",)
    assert "each by more than 4 points a day (thresholds.rollback.worsening_step)" in r.reasons[0]
    p99 = replace(SPEC.kpi("p99_latency_ms"), worsening_step=5.0)  # 5 is not more than 5
    per_kpi = replace(globally, kpis=tuple(p99 if k.name == p99.name else k
                                           for k in SPEC.kpis))
    r = recommend(days, per_kpi)
    assert r.rules == ()
    assert ("p99 latency +5.0% → +10.0% → +15.0%: within the worsening tolerance of 5 points "
            "a day (kpis.p99_latency_ms.worsening_step), not a trend") in r.reasons


def test_worsening_before_day_3_does_not_fire() -> None:
    r = recommend(worsening_days(126.0, 154.8), SPEC)
    assert r.decision == "monitor"


def test_flat_day_breaks_the_worsening_run() -> None:
    r = recommend(worsening_days(126.0, 154.8, 154.8), SPEC)
    assert r.decision == "monitor"
    r = recommend(worsening_days(120.0, 134.4, 148.8, start=2), SPEC)  # days 2–4: 0 → 12 → 24
    assert r.rules == ("worsening",)


def test_worsening_needs_a_notable_drift_today() -> None:
    r = recommend(worsening_days(80.0, 95.0, 131.0), SPEC)  # +9.2% today: below 10%
    assert r.decision == "monitor"


def test_partial_worsening_is_watched() -> None:
    r = recommend(worsening_days(160.0, 126.0, 140.4), SPEC)
    assert r.decision == "monitor"
    assert ("p99 latency worsening 2 of 3 days needed for rollback (+33.3% → +5.0% → +17.0%; "
            "each by more than 10 points a day (the notable drift step))") in r.reasons


def test_missing_day_in_the_worsening_window_is_stated() -> None:
    r = recommend(worsening_days(126.0, None, 138.0), SPEC)
    assert r.decision == "monitor"
    assert ("p99 latency is +15.0% on day 3 but has no drift for day 2: worsening over days "
            "1–3 cannot be confirmed") in r.reasons


def test_worsening_resource_kpi_is_not_a_trigger() -> None:
    days = [state(d, {"cpu_percent": v}) for d, v in ((1, 50.0), (2, 55.0), (3, 60.0))]
    assert recommend(days, SPEC).decision == "monitor"


# --------------------------------------------------------------------------- missing data


def test_missing_data_today_is_stated_and_does_not_pass_silently() -> None:
    r = recommend([state(1, {"error_rate": None})], SPEC)
    assert r.decision == "monitor"
    assert r.reasons == (
        "no rollback rule fired",
        ("Error rate has no data on day 1 (today's value missing; today: no data: nothing "
        "matched): p0_band, slo_drift could not be evaluated for it"))


def test_missing_data_does_not_hide_another_kpis_rollback() -> None:
    r = recommend([state(3, {"availability": 98.0, "error_rate": None})], SPEC)
    assert (r.decision, r.rules) == ("immediate_rollback", ("p0_band",))
    assert r.reasons[-1].startswith("Error rate has no data on day 3")
    assert r.reasons[-1].endswith("p0_band, slo_drift, worsening could not be evaluated for it")


def test_query_error_is_named_as_such() -> None:
    c = compare(SPEC.kpi("p99_latency_ms"), missing("p99_latency_ms", "error", "query failed: x"),
                ok(120.0), SPEC.thresholds.drift)
    comps = {**day_comparisons(SPEC, {}), "p99_latency_ms": c}
    r = recommend([DayState(1, 90.0, comps)], SPEC)
    assert r.reasons[1].startswith("p99 latency has query error on day 1")


def test_quiet_program_is_monitor() -> None:
    r = recommend([state(d) for d in range(1, 8)], SPEC)
    assert r == ("monitor", ("no rollback rule fired",), ())


def test_history_must_be_ascending_and_non_empty() -> None:
    with pytest.raises(ValueError, match="at least one day"):
        recommend([], SPEC)
    with pytest.raises(ValueError, match="strictly ascending"):
        recommend([state(2), state(1)], SPEC)
