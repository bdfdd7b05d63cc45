"""mitigation.mitigation_plan: ordered, de-duplicated steps from the day's findings."""

from __future__ import annotations

import pytest

from tars_ci.analysis.drift import compare
from tars_ci.analysis.findings import Finding, findings_for_day
from tars_ci.analysis.kinds import kpi_kind
from tars_ci.analysis.mitigation import MitigationStep, mitigation_plan
from tars_ci.spec.model import Kpi
from tests.analysis.core_builders import day_comparisons, example_spec, kpi, ok, spec

SPEC = example_spec()


def test_example_day_plan() -> None:
    findings = findings_for_day(2, SPEC, day_comparisons(SPEC, {
        "p99_latency_ms": 165.0, "error_rate": 0.08, "memory_percent": None,
        "cost_storage_usd_per_hour": 2.5}))
    plan = mitigation_plan(findings, SPEC)
    assert [(s.priority, s.kpi, s.action) for s in plan] == [
        ("P1", "p99_latency_ms",
         ("Trace tail requests (p99 exemplars); look for lock contention, GC pauses and slow "
         "dependencies")),
        ("P1", "p99_latency_ms", "Check connection-pool saturation and retry storms"),
        # storage +25% medium, error rate +60% capped medium, memory no data (medium): by KPI
        ("P2", "cost_storage_usd_per_hour",
         ("Break Storage cost down by component, instance type and region against the GA "
          "day; check the replica counts, retention and egress the release changed")),
        ("P2", "error_rate",
         "Break errors down by route and status; check dependency health and timeouts"),
        ("P2", "error_rate", "Review error logs for new exception types since GA"),
        ("P2", "memory_percent",
         ("Check the exporter/scrape target and the KPI query for Memory utilisation: missing "
         "data hides the release's real state")),
    ]
    assert plan[0].reason == "p99 latency +37.5% vs GA baseline (165.0 ms vs 120.0 ms) on day 2"


@pytest.mark.parametrize(("kpi_", "kind", "words"), [
    (kpi("cost_x", cost=True, unit="usd_per_hour"), "cost", "by component, instance type"),
    (kpi("memory_percent", title="Memory utilisation"), "memory", "heap profiles"),
    (kpi("rss", unit="bytes"), "memory", "by instance"),
    (kpi("cpu_percent"), "cpu", "Profile CPU"),
    (kpi("p99", unit="ms"), "latency", "by endpoint"),
    (kpi("error_rate"), "error", "by route and status code"),
    (kpi("availability", better="higher"), "availability", "failing instances or routes"),
    (kpi("queue_depth", unit="messages"), "other", "what the release changed"),
])
def test_a_kpi_without_mitigations_gets_a_step_that_fits_its_kind(kpi_: Kpi, kind: str,
                                                                   words: str) -> None:
    assert kpi_kind(kpi_) == kind
    s = spec(kpi_)
    finding = findings_for_day(1, s, {kpi_.name: compare(
        kpi_, ok(160 if kpi_.better == "lower" else 40), ok(100), s.thresholds.drift)})
    (step,) = mitigation_plan(finding, s)
    assert words in step.action
    if kind in ("cost", "memory", "cpu", "latency"):  # no request routes for these
        assert "route" not in step.action


def test_severity_orders_steps_within_a_priority() -> None:
    a = kpi("a", mitigations=("fix a",))
    z = kpi("z", mitigations=("fix z",))
    s = spec(a, z)
    th = s.thresholds.drift
    findings = findings_for_day(1, s, {"a": compare(a, ok(140), ok(100), th),  # high P1
                                       "z": compare(z, ok(200), ok(100), th)})  # critical P1
    assert [(st.priority, st.action) for st in mitigation_plan(findings, s)] == [
        ("P1", "fix z"), ("P1", "fix a")]


def test_shared_action_is_kept_once_at_its_most_urgent_place() -> None:
    shared = "Roll back the config flag"
    a = kpi("a", mitigations=(shared, "tune a"))
    b = kpi("b", mitigations=(shared,))
    s = spec(a, b)
    th = s.thresholds.drift
    findings = findings_for_day(1, s, {"a": compare(a, ok(112), ok(100), th),  # low P3
                                       "b": compare(b, ok(160), ok(100), th)})  # critical P1
    assert mitigation_plan(findings, s) == (
        MitigationStep("P1", "b", shared, "b +60.0% vs GA baseline (160.0% vs 100.0%) on day 1"),
        MitigationStep("P3", "a", "tune a", "a +12.0% vs GA baseline (112.0% vs 100.0%) on day 1"),
    )


def test_no_data_gets_the_data_path_step_not_the_kpi_mitigations() -> None:
    findings = findings_for_day(1, SPEC, day_comparisons(SPEC, {"availability": None}))
    (step,) = mitigation_plan(findings, SPEC)
    assert step == MitigationStep(
        "P1", "availability",  # a critical KPI: no_data_critical
        "Check the exporter/scrape target and the KPI query for Availability: missing data "
        "hides the release's real state",
        "Availability: no data on day 1")


def test_query_error_gets_the_fix_the_query_step() -> None:
    failed = Finding("error_rate:query_error", 2, "error_rate", "query_error", "medium", "P1",
                     None, None, None, "Error rate: query error on day 2", "")
    (step,) = mitigation_plan([failed], SPEC)
    assert step.action.startswith("Fix the query of Error rate: the metrics source refused it")


def test_slo_burn_finding_gets_the_error_budget_step() -> None:
    burn = Finding("slo:availability:burn", 3, "availability", "slo_burn", "high", "P1", None,
                   None, None, "SLO availability burning 14x", "")
    (step,) = mitigation_plan([burn], SPEC)
    assert step.action.startswith("Review the error-budget burn of Availability")
    other = burn._replace(id="slo:latency_p99:burn", kpi="latency_p99")  # not a KPI name
    assert mitigation_plan([other], SPEC)[0].action.startswith(
        "Review the error-budget burn of latency_p99")


def test_no_findings_no_steps() -> None:
    assert mitigation_plan([], SPEC) == ()
