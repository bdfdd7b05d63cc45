"""priority: absolute bands, findings per day, their priority, order and titles."""

from __future__ import annotations

import numpy as np
import pytest

from tars_ci.analysis.drift import compare
from tars_ci.analysis.findings import findings_for_day
from tars_ci.analysis.priority import band_priority, is_at_least, most_urgent
from tars_ci.analysis.slo import missing_day, ratio_day
from tars_ci.spec.model import Band, Priorities, SeverityMap
from tests.analysis.core_builders import day_comparisons, example_spec, kpi, missing, ok, spec

AVAILABILITY = kpi("availability", "higher")
ERROR_RATE = kpi("error_rate", "lower")
AVAILABILITY_BAND = Band("availability", P0=99.0, P1=99.5, P2=99.9)
ERROR_BAND = Band("error_rate", P0=5.0, P1=2.0, P2=1.0)


@pytest.mark.parametrize(("value", "level"), [
    (98.9, "P0"), (99.0, "P1"), (99.4, "P1"), (99.5, "P2"), (99.89, "P2"), (99.9, None),
    (99.95, None),
])
def test_band_priority_higher_is_better(value: float, level: str | None) -> None:
    assert band_priority(AVAILABILITY, value, AVAILABILITY_BAND) == level


@pytest.mark.parametrize(("value", "level"), [
    (5.1, "P0"), (5.0, "P1"), (2.01, "P1"), (2.0, "P2"), (1.01, "P2"), (1.0, None), (0.05, None),
])
def test_band_priority_lower_is_better(value: float, level: str | None) -> None:
    assert band_priority(ERROR_RATE, value, ERROR_BAND) == level


def test_band_priority_without_band_value_or_bound() -> None:
    assert band_priority(ERROR_RATE, 50.0, None) is None
    assert band_priority(ERROR_RATE, None, ERROR_BAND) is None
    only_p1 = Band("error_rate", P1=2.0)
    assert band_priority(ERROR_RATE, 9.0, only_p1) == "P1"
    assert band_priority(ERROR_RATE, 1.5, only_p1) is None


def test_is_at_least_and_most_urgent() -> None:
    assert is_at_least("P0", "P1") and is_at_least("P1", "P1") and is_at_least("P3", "P3")
    assert not is_at_least("P2", "P1") and not is_at_least("P3", "P0")
    assert most_urgent("P2", None, "P1") == "P1"
    assert most_urgent(None) == "P3"


# --------------------------------------------------------------------------- findings


def test_example_day_findings_titles_priorities_and_order() -> None:
    s = example_spec()
    comparisons = day_comparisons(s, {"p99_latency_ms": 165.0, "error_rate": 0.08,
                                      "cpu_percent": 52.2, "memory_percent": None})
    findings = findings_for_day(2, s, comparisons)
    assert [(f.id, f.kind, f.severity, f.priority) for f in findings] == [
        ("p99_latency_ms:degradation", "degradation", "high", "P1"),
        ("cpu_percent:degradation", "degradation", "medium", "P2"),  # +16%, no limit
        ("error_rate:degradation", "degradation", "medium", "P2"),  # +60%, capped
        ("memory_percent:no_data", "no_data", "medium", "P2"),  # not critical: as before
    ]
    p99 = findings[0]
    assert p99.title == "p99 latency +37.5% vs GA baseline (165.0 ms vs 120.0 ms) on day 2"
    assert (p99.day, p99.kpi, p99.value, p99.baseline) == (2, "p99_latency_ms", 165.0, 120.0)
    assert p99.drift_percent == pytest.approx(37.5)
    assert p99.detail.endswith("Priority P1: severity high maps to P1.")
    assert findings[2].title == "Error rate +60.0% vs GA baseline (0.08% vs 0.05%) on day 2"
    assert findings[3].title == "Memory utilisation: no data on day 2"
    assert "left out of the health score (neither lowering nor raising it)" in findings[3].detail


def test_quiet_day_has_no_findings() -> None:
    s = example_spec()
    assert findings_for_day(1, s, day_comparisons(s, {})) == ()


def test_p0_band_raises_a_low_drift_to_p0_critical() -> None:
    s = spec(ERROR_RATE, bands=(ERROR_BAND,))
    c = compare(ERROR_RATE, ok(5.4), ok(4.8), s.thresholds.drift)  # +12.5%: low → P3
    assert c.severity == "low"
    (f,) = findings_for_day(4, s, {"error_rate": c})
    assert (f.severity, f.priority) == ("critical", "P0")
    assert "Value 5.40% is in the P0 band (> 5%) (immediate-rollback class)." in f.detail
    assert f.detail.endswith("Priority P0: severity critical maps to P1, band P0.")


def test_band_alone_makes_a_finding() -> None:
    s = spec(AVAILABILITY, bands=(AVAILABILITY_BAND,))
    c = compare(AVAILABILITY, ok(99.7), ok(99.7), s.thresholds.drift)  # no drift, no limit
    (f,) = findings_for_day(3, s, {"availability": c})
    assert (f.kind, f.severity, f.priority) == ("degradation", "medium", "P2")
    assert f.title == "availability 99.70% is in the P2 band (< 99.9%) on day 3"


def test_improving_value_inside_a_band_is_still_found() -> None:
    s = spec(AVAILABILITY, bands=(AVAILABILITY_BAND,))
    c = compare(AVAILABILITY, ok(98.8), ok(98.5), s.thresholds.drift)  # better, still P0
    (f,) = findings_for_day(3, s, {"availability": c})
    assert (f.severity, f.priority) == ("critical", "P0")


def test_band_never_lowers_a_drift_priority() -> None:
    s = spec(ERROR_RATE, bands=(ERROR_BAND,))
    c = compare(ERROR_RATE, ok(1.5), ok(0.5), s.thresholds.drift)  # +200% critical, band P2
    (f,) = findings_for_day(1, s, {"error_rate": c})
    assert (f.severity, f.priority) == ("critical", "P1")


def test_zero_baseline_title() -> None:
    s = spec(ERROR_RATE)
    c = compare(ERROR_RATE, ok(0.3), ok(0.0), s.thresholds.drift)
    (f,) = findings_for_day(5, s, {"error_rate": c})
    assert f.title == "error_rate rose to 0.3% from a zero GA baseline on day 5"
    assert (f.severity, f.priority, f.drift_percent) == ("critical", "P1", None)


def test_query_error_is_its_own_finding_and_missing_comparison_is_no_data() -> None:
    s = spec(ERROR_RATE, AVAILABILITY)
    failed = compare(ERROR_RATE, ok(1.0)._replace(status="error", value=None,
                                                  reason="query failed: boom (query: q)"),
                     ok(1.0), s.thresholds.drift)
    findings = findings_for_day(6, s, {"error_rate": failed})
    assert [(f.id, f.kind, f.severity, f.priority, f.title) for f in findings] == [
        ("error_rate:query_error", "query_error", "medium", "P1",
         "error_rate: query error on day 6"),
        ("availability:no_data", "no_data", "medium", "P2", "availability: no data on day 6"),
    ]
    assert "query failed: boom (query: q)" in findings[0].detail  # the server's message
    assert findings[0].baseline == 1.0
    assert findings[1].detail.startswith("No comparison was computed for this KPI.")


def test_a_critical_kpi_without_data_is_p1_and_the_priorities_are_the_specs() -> None:
    crit = kpi("availability", "higher", critical=True)
    plain = kpi("cpu", "lower")
    s = spec(crit, plain)
    found = {f.id: f.priority for f in findings_for_day(2, s, {})}
    assert found == {"availability:no_data": "P1", "cpu:no_data": "P2"}
    custom = spec(crit, plain, priorities=Priorities(no_data_critical="P0", no_data="P3",
                                                     query_error="P2"))
    found = {f.id: f.priority for f in findings_for_day(2, custom, {})}
    assert found == {"availability:no_data": "P0", "cpu:no_data": "P3"}
    failed = compare(crit, missing("availability", "error", "query failed: 503"),
                     ok(99.9, "availability"), s.thresholds.drift)
    (f, _) = findings_for_day(2, custom, {"availability": failed})
    assert (f.id, f.priority) == ("availability:query_error", "P2")


def test_slo_without_sli_is_no_data_and_a_failed_sli_query_is_query_error() -> None:
    s = spec(ERROR_RATE)
    c = compare(ERROR_RATE, ok(1.0), ok(1.0), s.thresholds.drift)
    slos = {"availability": missing_day(3, "query failed: bad_data: parse error", "error"),
            "latency": missing_day(3, "no traffic: the total rate is 0 on all 1440 steps"),
            "fine": ratio_day(3, np.array([99.0, 99.0]), np.array([100.0, 100.0]))}
    found = findings_for_day(3, s, {"error_rate": c}, slos=slos)
    assert [(f.id, f.kind, f.priority, f.kpi) for f in found] == [
        ("slo:availability:query_error", "query_error", "P1", "availability"),
        ("slo:latency:no_data", "no_data", "P1", "latency")]
    assert found[0].detail.startswith("Query failed: bad_data: parse error.")
    assert found[1].title == "SLO latency: no data on day 3"


def test_severity_map_is_the_specs() -> None:
    s = spec(ERROR_RATE, priorities=Priorities(severity=SeverityMap(medium="P1")))
    c = compare(ERROR_RATE, ok(1.2), ok(1.0), s.thresholds.drift)  # +20%: medium
    (f,) = findings_for_day(1, s, {"error_rate": c})
    assert f.priority == "P1"
    nodata = findings_for_day(1, s, {})
    assert nodata[0].priority == "P1"  # non-critical no_data: medium, through the same map


def test_order_is_priority_then_severity_then_kpi() -> None:
    a, b, c, d = (kpi(n) for n in ("a", "b", "c", "d"))
    s = spec(a, b, c, d)
    th = s.thresholds.drift
    comparisons = {
        "a": compare(a, ok(112), ok(100), th),  # low P3
        "b": compare(b, ok(140), ok(100), th),  # high P1
        "c": compare(c, ok(200), ok(100), th),  # critical P1
        "d": compare(d, ok(140), ok(100), th),  # high P1
    }
    order = [(f.kpi, f.severity, f.priority) for f in findings_for_day(1, s, comparisons)]
    assert order == [("c", "critical", "P1"), ("b", "high", "P1"), ("d", "high", "P1"),
                     ("a", "low", "P3")]


def test_unknown_kpi_is_refused() -> None:
    s = spec(ERROR_RATE)
    c = compare(ERROR_RATE, ok(1.0), ok(1.0), s.thresholds.drift)
    with pytest.raises(ValueError, match="not in the spec: latency"):
        findings_for_day(1, s, {"error_rate": c, "latency": c._replace(kpi="latency")})


def test_finding_ids_are_stable_across_days() -> None:
    s = example_spec()
    day2 = findings_for_day(2, s, day_comparisons(s, {"p99_latency_ms": 165.0}))
    day3 = findings_for_day(3, s, day_comparisons(s, {"p99_latency_ms": 170.0}))
    assert [f.id for f in day2] == [f.id for f in day3] == ["p99_latency_ms:degradation"]
