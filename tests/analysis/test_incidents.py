"""incidents.incidents: findings of one cause on one day become one incident."""

from __future__ import annotations

from tars_ci.analysis.findings import Finding
from tars_ci.analysis.incidents import Incident, cause, incidents
from tars_ci.spec.model import Kpi, KpiRatio
from tests.analysis.core_builders import example_spec, kpi, spec

SPEC = example_spec()


def finding(name: str, day: int, priority: str, *, kind: str = "degradation",
            severity: str = "high") -> Finding:
    fid = f"slo:{name}:burn" if kind == "slo_burn" else f"{name}:{kind}"
    return Finding(fid, day, name, kind, severity, priority,  # type: ignore[arg-type]
                   1.0, 1.0, 10.0, f"{name} on day {day}", "")


def ids(found: tuple[Incident, ...]) -> list[tuple[str, ...]]:
    return [i.ids for i in found]


def test_availability_error_rate_and_the_slo_burn_of_the_same_requests_are_one_incident() -> None:
    found = incidents([finding("error_rate", 5, "P1"),
                       finding("availability", 5, "P0", severity="critical"),
                       finding("availability", 5, "P0", kind="slo_burn", severity="critical")],
                      SPEC)
    (one,) = found
    assert one.id == "availability:degradation"  # the lead: most urgent, then by KPI
    assert one.ids == ("availability:degradation", "slo:availability:burn",
                       "error_rate:degradation")
    assert one.kpis == ("availability", "error_rate")
    assert (one.priority, one.severity, one.day, one.kind) == ("P0", "critical", 5,
                                                               "degradation")


def test_quantiles_of_one_histogram_and_their_threshold_slo_are_one_incident() -> None:
    found = incidents([finding("p95_latency_ms", 3, "P2", severity="medium"),
                       finding("p99_latency_ms", 3, "P1"),
                       finding("latency_p99", 3, "P2", kind="slo_burn", severity="medium")],
                      SPEC)
    assert ids(found) == [("p99_latency_ms:degradation", "slo:latency_p99:burn",
                           "p95_latency_ms:degradation")]
    assert found[0].priority == "P1"


def test_another_day_another_cause_or_another_kind_is_another_incident() -> None:
    found = incidents([
        finding("availability", 4, "P1"), finding("error_rate", 5, "P1"),  # other days
        finding("cpu_percent", 5, "P2", severity="medium"),
        finding("memory_percent", 5, "P2", severity="medium"),  # other series
        finding("cost_compute_usd_per_hour", 7, "P2", severity="medium"),
        finding("cost_network_usd_per_hour", 7, "P2", severity="medium"),  # other label
        finding("p99_latency_ms", 5, "P1", kind="no_data", severity="medium"),  # other kind
        finding("p95_latency_ms", 5, "P2", severity="medium"),
    ], SPEC)
    assert ids(found) == [
        ("availability:degradation",), ("error_rate:degradation",),
        ("p99_latency_ms:no_data",), ("cpu_percent:degradation",),
        ("memory_percent:degradation",), ("p95_latency_ms:degradation",),
        ("cost_compute_usd_per_hour:degradation",), ("cost_network_usd_per_hour:degradation",)]


def test_missing_data_of_one_source_is_one_incident() -> None:
    found = incidents([finding("availability", 6, "P1", kind="no_data", severity="medium"),
                       finding("error_rate", 6, "P1", kind="no_data", severity="medium")],
                      SPEC)
    assert ids(found) == [("availability:no_data", "error_rate:no_data")]


def test_explicit_ratios_over_one_denominator_share_a_cause() -> None:
    total = 'sum(rate(http_requests_total{job="a"}[5m]))'
    ok = Kpi("ok_share", unit="percent", better="higher", ratio=KpiRatio(
        numerator='sum(rate(http_requests_total{job="a",code!~"5.."}[5m]))',
        denominator=total))
    bad = Kpi("bad_share", unit="percent", better="lower", ratio=KpiRatio(
        numerator='sum(rate(http_requests_total{job="a",code=~"5.."}[5m]))',
        denominator="sum(rate(http_requests_total{job=\"a\"}[5m]))  "))
    s = spec(ok, bad, kpi("other"))
    assert cause(s, finding("ok_share", 1, "P1")) == cause(s, finding("bad_share", 1, "P1"))
    assert cause(s, finding("other", 1, "P1")) != cause(s, finding("ok_share", 1, "P1"))
    # a KPI or SLO no longer in the spec is its own cause
    assert cause(s, finding("gone", 1, "P1")) == "kpi:gone"
    assert cause(s, finding("gone", 1, "P1", kind="slo_burn")) == "slo:gone"


def test_no_findings_no_incidents() -> None:
    assert incidents([], SPEC) == ()
