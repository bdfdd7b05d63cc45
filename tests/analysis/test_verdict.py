"""verdict.program_verdict: one answer for the week, and a sentence for every change."""

from __future__ import annotations

import pytest

from tars_ci.analysis.findings import Finding
from tars_ci.analysis.verdict import ProgramVerdict, VerdictDay, program_verdict, regressions


def finding(kpi: str, day: int, priority: str, kind: str = "degradation",
            drift: float | None = 37.5) -> Finding:
    return Finding(f"{kpi}:{kind}", day, kpi, kind, "high", priority,  # type: ignore[arg-type]
                   1.0, 1.0, drift, f"{kpi} {drift}% on day {day}", "")


def day(n: int, decision: str = "monitor", *findings: Finding, rules: tuple[str, ...] = (),
        reasons: tuple[str, ...] = (), band: str = "excellent",
        drift: dict[str, float | None] | None = None,
        signed: dict[str, float | None] | None = None) -> VerdictDay:
    """A day; ``drift`` is each KPI's bad drift, ``signed`` its drift (default: the bad)."""
    return VerdictDay(n, decision, findings, 95.0, band,  # type: ignore[arg-type]
                      drift or {"p99": 1.0}, rules, reasons, signed or {})


def test_a_quiet_week_is_monitor() -> None:
    v = program_verdict([day(d) for d in range(1, 8)])
    assert (v.verdict, v.rollback_days, v.bad_days, v.changes) == ("monitor", (), (), ())
    assert v.headline == ("monitor: no rollback recommended and no P0/P1 regression on any of "
                          "days 1–7")
    assert v.recovered_from is None and v.open_regressions == ()


def test_a_regression_that_cleared_says_so() -> None:
    p99 = finding("p99", 2, "P1")
    days = [day(1), day(2, "rollback", p99, rules=("slo_drift",),
                    reasons=("p99 latency (an SLO metric) drifted +55.0%",)),
            day(3, "rollback", finding("p99", 3, "P1"), rules=("slo_drift",),
                reasons=("p99 latency drifted +52.0%",), drift={"p99": 37.5}),
            *(day(d) for d in range(4, 8))]
    v = program_verdict(days)
    assert v.verdict == "recovered"
    assert v.headline == "rollback recommended on days 2–3; recovered from day 4"
    assert (v.rollback_days, v.bad_days, v.recovered_from) == ((2, 3), (2, 3), 4)
    assert v.reasons == ("day 3 recommended rollback: p99 latency drifted +52.0%",
                         "p99 37.5% on day 3 (P1) cleared; p99 +1.0% (worse) on day 7")
    assert [c.sentence for c in v.changes] == [
        "Day 2: monitor → rollback because slo_drift fired (p99 latency (an SLO metric) "
        "drifted +55.0%).",
        "Day 4: rollback → monitor because slo_drift no longer fired and 1 P0/P1 regression "
        "of day 3 cleared (p99 +1.0% (worse) on day 4, was +37.5% (worse)).",
    ]


def test_a_p1_regression_on_the_last_day_never_ends_as_monitor() -> None:
    """The issue's week: the decision tree said monitor on day 7 with p99 +33 % (P1)."""
    p99 = finding("p99", 7, "P1", drift=33.0)
    days = [day(5, "immediate_rollback", finding("availability", 5, "P0"),
                rules=("p0_band",), reasons=("Availability is 98.50% on day 5",),
                drift={"availability": 37.5, "p99": 1.0}),
            day(6, "monitor", finding("p99", 6, "P1", drift=33.0),
                drift={"availability": 0.02, "p99": 33.0}), day(7, "monitor", p99)]
    v = program_verdict(days)
    assert v.verdict == "rollback"
    assert v.open_regressions == ("p99:degradation",)
    assert v.headline == ("rollback: 1 P0/P1 regression still present on day 7 although its "
                          "decision tree says monitor")
    assert v.reasons == ("p99 33.0% on day 7 (P1) is still present on day 7",)
    (change,) = v.changes
    assert change.sentence == (
        "Day 6: immediate rollback → monitor because p0_band no longer fired and 1 P0/P1 "
        "regression of day 5 cleared (availability +0.02% (worse) on day 6, was +37.5% (worse)).")
    assert (change.started, change.stopped, change.cleared) == ((), ("p0_band",),
                                                                ("availability:degradation",))


def test_drifts_read_in_the_kpis_bad_direction() -> None:
    """An availability drop is "-1.0% (worse)", never "+1.0%"; a gain says "(better)"."""
    drop = finding("availability", 2, "P1", drift=-1.0)
    days = [day(1), VerdictDay(2, "monitor", (drop,), 60.0, "fair", {"availability": 1.0},
                               drift={"availability": -1.0}),
            VerdictDay(3, "monitor", (), 95.0, "excellent", {"availability": 0.0},
                       drift={"availability": 0.02})]
    v = program_verdict(days)
    assert v.verdict == "recovered"
    assert v.reasons == ("availability -1.0% on day 2 (P1) cleared; availability +0.02% "
                         "(better) on day 3",)
    rolled = VerdictDay(2, "rollback", (drop,), 60.0, "fair", {"availability": 1.0},
                        ("slo_drift",), ("availability dropped",), {"availability": -1.0})
    change = program_verdict([days[0], rolled, days[2]]).changes[-1]
    assert change.sentence == (
        "Day 3: rollback → monitor because slo_drift no longer fired and 1 P0/P1 regression "
        "of day 2 cleared (availability +0.02% (better) on day 3, was -1.0% (worse)).")


def test_a_p0_regression_on_the_last_day_is_immediate() -> None:
    v = program_verdict([day(7, "monitor", finding("err", 7, "P0", kind="slo_burn",
                                                   drift=None))])
    assert v.verdict == "immediate_rollback"


def test_a_rollback_decision_on_the_last_day_stands() -> None:
    days = [day(6), day(7, "rollback", rules=("worsening",),
                        reasons=("p99 latency worsened 3 days running",))]
    v = program_verdict(days)
    assert v.verdict == "rollback"
    assert v.headline == "rollback: rollback recommended on day 7, still on day 7"
    assert v.reasons[0] == "day 7 recommends rollback: p99 latency worsened 3 days running"
    assert v.changes[0].sentence == ("Day 7: monitor → rollback because worsening fired (p99 "
                                     "latency worsened 3 days running).")


def test_p2_findings_are_not_regressions_for_the_verdict() -> None:
    quiet = day(1, "monitor", finding("cpu", 1, "P2"), finding("mem", 1, "P2", kind="no_data"))
    assert regressions(quiet) == ()
    assert program_verdict([quiet]).verdict == "monitor"


def test_a_last_day_that_could_not_be_judged_is_insufficient_data_not_monitor() -> None:
    for kind in ("no_data", "query_error"):
        blind = day(2, "monitor", finding("availability", 2, "P1", kind=kind))
        assert regressions(blind) == ()
        v = program_verdict([day(1), blind])
        assert v.verdict == "insufficient_data", kind
        assert v.headline == "insufficient data: day 2 lacks the data for a verdict"
        assert v.reasons == ("availability 37.5% on day 2 (P1)",)  # the finding's title


def test_insufficient_data_on_the_last_day_is_no_verdict_of_health() -> None:
    days = [day(2, "rollback", rules=("slo_drift",), reasons=("x",)), day(3),
            day(4, band="insufficient_data")]
    v = program_verdict(days)
    assert v.verdict == "insufficient_data"
    assert v.headline == ("insufficient data: day 4 lacks the data for a verdict; rollback "
                          "recommended on day 2")


def test_gaps_and_escalation_are_explained() -> None:
    days = [day(1, "rollback", rules=("slo_drift",), reasons=("a",)),
            day(3, "immediate_rollback", rules=("p0_band", "slo_drift"), reasons=("b",)),
            day(4, "monitor"), day(6, "rollback", rules=("health_floor",), reasons=("c",))]
    v = program_verdict(days)
    assert [c.sentence for c in v.changes] == [
        "Day 3 (after day 1; the days between are not recorded): rollback → immediate "
        "rollback because p0_band fired (b).",
        "Day 4: immediate rollback → monitor because p0_band and slo_drift no longer fired.",
        "Day 6 (after day 4; the days between are not recorded): monitor → rollback because "
        "health_floor fired (c).",
    ]
    assert v.verdict == "rollback"
    assert v.headline == "rollback: rollback recommended on days 1, 3 and 6, still on day 6"


def test_days_must_be_ascending_and_present() -> None:
    with pytest.raises(ValueError, match="at least one"):
        program_verdict([])
    with pytest.raises(ValueError, match="strictly ascending"):
        program_verdict([day(2), day(1)])


def test_verdict_is_plain_data() -> None:
    v = program_verdict([day(1)])
    assert isinstance(v, ProgramVerdict) and v._asdict()["verdict"] == "monitor"


def test_a_cleared_regression_reads_in_its_bad_direction_and_an_slo_by_its_alerts() -> None:
    """Availability (higher is better) fell 1.4 %: it reads "-1.4% (worse)", its recovery
    "(better)"; the SLO named like the KPI is judged by its burn-rate alerts, not by the KPI's
    drift."""
    availability = finding("availability", 5, "P0", drift=-1.4)
    burn = Finding("slo:availability:burn", 5, "availability", "slo_burn", "critical", "P0",
                   80.8, None, None, "SLO availability burned its error budget at up to "
                   "80.8× on day 5 (page_fast)", "")
    days = [day(4), day(5, "immediate_rollback", availability, burn, rules=("p0_band",),
                    reasons=("Availability is 98.58% on day 5",),
                    drift={"availability": 1.4}, signed={"availability": -1.4}),
            day(6, drift={"availability": 0.0}, signed={"availability": 0.02}),
            day(7, drift={"availability": 0.0}, signed={"availability": 0.02})]
    v = program_verdict(days)
    assert v.headline == "rollback recommended on day 5; recovered from day 6"
    assert [c.sentence for c in v.changes] == [
        "Day 5: monitor → immediate rollback because p0_band fired (Availability is 98.58% on "
        "day 5).",
        "Day 6: immediate rollback → monitor because p0_band no longer fired and 2 P0/P1 "
        "regressions of day 5 cleared (availability +0.02% (better) on day 6, was -1.4% "
        "(worse); "
        "SLO availability: no burn-rate alert on day 6, was up to 80.8×).",
    ]
    assert v.reasons == (
        "day 5 recommended immediate rollback: Availability is 98.58% on day 5",
        "availability -1.4% on day 5 (P0) cleared; availability +0.02% (better) on day 7",
        "SLO availability burned its error budget at up to 80.8× on day 5 (page_fast) (P0) "
        "cleared; no burn-rate alert on day 7",
    )


def test_a_burn_that_still_tickets_on_the_last_day_says_so() -> None:
    page = Finding("slo:availability:burn", 2, "availability", "slo_burn", "critical", "P0",
                   80.8, None, None, "SLO availability burned at 80.8× on day 2", "")
    ticket = page._replace(day=3, priority="P3", severity="low", value=1.2,
                           title="SLO availability burned at 1.2× on day 3")
    v = program_verdict([day(2, "monitor", page), day(3, "monitor", ticket)])
    assert v.verdict == "recovered"
    assert v.reasons == ("SLO availability burned at 80.8× on day 2 (P0) cleared; a P3 "
                         "burn-rate alert still fired on day 3",)
