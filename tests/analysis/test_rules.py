"""rules: the spec compiled into rule records, and the records agreeing with the verdict.

The crossing properties check, value by value, that the bound a rendered alert compares with
(:meth:`DriftRule.crossing`, :meth:`DriftRule.rollback_crossing`) selects exactly the values
whose comparison (:func:`drift.compare`) reaches the severity, or makes the rollback tree's
``slo_drift`` rule fire.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tars_ci.analysis.drift import compare
from tars_ci.analysis.findings import findings_for_day
from tars_ci.analysis.rollback import SLO_DRIFT, DayState, recommend
from tars_ci.analysis.rules import (
    Crossing,
    DriftRule,
    band_level,
    band_rules,
    compile_rules,
    signal_of,
)
from tars_ci.errors import SpecError
from tars_ci.spec import levels, parse_spec
from tars_ci.spec.model import SEVERITIES, Band, DriftThresholds, Severity, SeverityMap
from tests.analysis.core_builders import CONFIG, example_spec, kpi, ok, spec

SPEC = example_spec()


def test_example_spec_compiles_every_rule() -> None:
    rules = compile_rules(SPEC)
    assert [(r.kpi.name, r.level, r.bound, r.severity, r.priority) for r in rules.bands] == [
        ("availability", "P0", 99.0, "critical", "P0"),
        ("availability", "P1", 99.5, "high", "P1"),
        ("availability", "P2", 99.9, "medium", "P2"),
        ("error_rate", "P0", 5.0, "critical", "P0"),
        ("error_rate", "P1", 2.0, "high", "P1"),
        ("error_rate", "P2", 1.0, "medium", "P2"),
    ]
    assert [r.kpi.name for r in rules.drifts] == [k.name for k in SPEC.kpis]
    assert all(r.baseline is None for r in rules.drifts)
    assert rules.drift_of("p99_latency_ms").steps() == (
        ("low", 10.0), ("medium", 15.0), ("high", 30.0), ("critical", 50.0))
    no_data = {(r.subject, r.kind): (r.priority, r.query_error) for r in rules.no_data}
    assert no_data[("availability", "kpi")] == ("P1", "P1")  # critical
    assert no_data[("cpu_percent", "kpi")] == ("P2", "P1")  # what medium maps to
    assert no_data[("latency_p99", "slo")] == ("P1", "P1")
    assert [(b.slo, b.alert, b.long, b.short, b.factor, b.priority) for b in rules.burns][:4] == [
        ("availability", "page_fast", timedelta(hours=1), timedelta(minutes=5), 14.4, "P0"),
        ("availability", "page_slow", timedelta(hours=6), timedelta(minutes=30), 6.0, "P1"),
        ("availability", "ticket_fast", timedelta(days=1), timedelta(hours=2), 3.0, "P2"),
        ("availability", "ticket_slow", timedelta(days=3), timedelta(hours=6), 1.0, "P3"),
    ]
    assert len(rules.burns) == 8
    page = rules.burns[0]
    assert page.budget == pytest.approx(0.001) and page.error_ratio == pytest.approx(0.0144)
    assert page.severity == "critical"
    assert rules.rollback.health_floor == 40 and rules.rollback.slo_drift_percent == 50
    assert rules.rollback.tolerances["p99_latency_ms"] == (10.0, "the notable drift step")


def test_ratio_kpis_resolve_to_their_slo_series() -> None:
    rules = compile_rules(SPEC)
    availability = SPEC.slos[0].ratio
    assert availability is not None
    assert rules.signals["availability"].numerator == availability.good
    assert rules.signals["error_rate"].complement is True
    assert rules.signals["error_rate"].scale == 100
    assert not rules.signals["cpu_percent"].is_ratio
    with pytest.raises(ValueError, match="not a ratio SLO"):
        signal_of(SPEC.kpi("availability"), ())


def test_baselines_fill_the_drift_rules() -> None:
    rules = compile_rules(SPEC, {"p99_latency_ms": 120.0, "availability": None})
    assert rules.drift_of("p99_latency_ms").baseline == 120.0
    assert rules.drift_of("availability").baseline is None
    assert rules.drift_of("availability").crossing("low") is None


def test_band_rules_judge_bounds_exclusively() -> None:
    rules = band_rules(kpi("error_rate"), Band("error_rate", P0=5.0, P2=1.0))
    assert [r.level for r in rules] == ["P0", "P2"]
    assert band_level(rules, 5.0) == rules[1] and band_level(rules, 5.01) == rules[0]
    assert band_level(rules, 1.0) is None and band_level(rules, None) is None
    assert rules[0].bound_text() == "> 5%"
    up = band_rules(kpi("a", "higher"), Band("a", P1=99.5))[0]
    assert not up.above and up.beyond(99.4) and not up.beyond(99.5)
    assert up.bound_text() == "< 99.5%"


def test_band_priority_follows_a_more_urgent_severity_map() -> None:
    rule = band_rules(kpi("x"), Band("x", P2=1.0), SeverityMap(medium="P1"))[0]
    assert rule.level == "P2" and rule.priority == "P1"


def test_a_severity_map_that_makes_worse_less_urgent_is_refused() -> None:
    text = CONFIG.read_text(encoding="utf-8").replace(
        "severity: {critical: P1, high: P1, medium: P2, low: P3}",
        "severity: {critical: P2, high: P1, medium: P2, low: P3}")
    with pytest.raises(SpecError, match="critical: P2 is less urgent than high's P1"):
        parse_spec(text, {}, "tars.yaml")


def test_crossings_of_the_documented_example() -> None:
    # 0.05% → error rate against a 1% limit: drift alone says critical from +50% (0.075%), but
    # the headroom caps keep it at medium until less than 75% of the headroom is left.
    rule = DriftRule(kpi("error_rate", limit=1.0), DriftThresholds(), SeverityMap(), 0.05)
    assert rule.crossing("low") == Crossing(pytest.approx(0.055), True, True)  # type: ignore[arg-type]
    assert rule.crossing("medium") == Crossing(pytest.approx(0.0575), True, True)  # type: ignore[arg-type]
    high = rule.crossing("high")
    assert high is not None and high.bound == pytest.approx(1.0 - 0.75 * 0.95)
    assert not high.inclusive and high.op == ">"
    critical = rule.crossing("critical")
    assert critical is not None and critical.bound == pytest.approx(1.0 - 0.5 * 0.95)
    up = DriftRule(kpi("a", "higher"), DriftThresholds(), SeverityMap(), 99.95)
    low = up.crossing("low")
    assert low is not None and not low.above and low.op == "<="
    assert low.bound == pytest.approx(99.95 * 0.9)


def _severity(rule: DriftRule, value: float) -> Severity | None:
    assert rule.baseline is not None
    return rule.compare(ok(value), ok(rule.baseline)).severity


def _near(value: float, bounds: list[float]) -> bool:
    return any(abs(value - b) <= 1e-6 * max(1.0, abs(b)) for b in bounds)


finite = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False)


@st.composite
def drift_rules(draw: st.DrawFn) -> DriftRule:
    steps = sorted(draw(st.lists(st.floats(min_value=0.0, max_value=200.0), min_size=4,
                                 max_size=4, unique=True)))
    cap_high = draw(st.floats(min_value=0.0, max_value=1.0))
    cap_medium = draw(st.floats(min_value=cap_high, max_value=1.0))
    th = DriftThresholds(*steps, headroom_cap_medium=cap_medium, headroom_cap_high=cap_high)
    base = draw(st.one_of(st.just(0.0), finite))
    limit = draw(st.one_of(st.none(), finite))
    better = draw(st.sampled_from(["lower", "higher"]))
    return DriftRule(kpi("k", better, limit=limit), th, SeverityMap(), base)


@settings(max_examples=400, deadline=None)
@given(drift_rules(), finite, st.sampled_from(SEVERITIES))
def test_a_crossing_selects_exactly_the_values_compare_judges_that_severe(
        rule: DriftRule, value: float, severity: Severity) -> None:
    crossing = rule.crossing(severity)
    bounds = [b for s in SEVERITIES for c in [rule.crossing(s)] if c is not None
              for b in [c.bound]]
    assume(not _near(value, bounds + [rule.baseline or 0.0, rule.kpi.limit or 0.0]))
    reached = crossing is not None and crossing.reached(value)
    assert reached == levels.severity_at_least(_severity(rule, value), severity)


@settings(max_examples=300, deadline=None)
@given(drift_rules(), finite, st.floats(min_value=0.0, max_value=300.0))
def test_the_rollback_crossing_is_where_slo_drift_fires(rule: DriftRule, value: float,
                                                       percent: float) -> None:
    crossing = rule.rollback_crossing(percent)
    base = rule.baseline or 0.0
    edge = base + percent * abs(base) / 100 * (1 if rule.kpi.better == "lower" else -1)
    bounds = [c.bound for c in (crossing, rule.crossing("high")) if c is not None]
    assume(not _near(value, [*bounds, edge, base, rule.kpi.limit or 0.0]))
    k = replace(rule.kpi, critical=True)
    s = spec(k)
    s = replace(s, thresholds=replace(s.thresholds, drift=rule.thresholds,
                                      rollback=replace(s.thresholds.rollback,
                                                       slo_drift_percent=percent)))
    c = compare(k, ok(value), ok(base), rule.thresholds)
    fired = SLO_DRIFT in recommend([DayState(1, None, {"k": c})], s).rules
    assert fired == (crossing is not None and crossing.reached(value))


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0.0, max_value=10.0), st.sampled_from(["lower", "higher"]))
def test_band_rules_and_findings_agree(value: float, better: str) -> None:
    k = kpi("x", better)
    band = Band("x", P0=5.0, P1=2.0, P2=1.0) if better == "lower" else Band(
        "x", P0=1.0, P1=2.0, P2=5.0)
    s = spec(k, bands=(band,))
    c = compare(k, ok(value), ok(value), s.thresholds.drift)  # no drift: the band decides
    found = findings_for_day(1, s, {"x": c})
    rule = band_level(compile_rules(s).bands_of("x"), value)
    if rule is None:
        assert found == ()
    else:
        assert [(f.priority, f.severity) for f in found] == [(rule.priority, rule.severity)]
