"""Stage evaluation over a fake source: queries, rows, and the promote/hold/rollback verdict."""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pytest

from tars_ci.errors import SourceUnavailable
from tars_ci.gates import document, evaluate_stage, exit_code, run_gate, stage_queries, table
from tars_ci.gates.verdict import Verdict
from tars_ci.sources.interface import NoData, QueryFailed
from tars_ci.sources.prometheus import PrometheusSource
from tars_ci.spec.model import GateCriterion, GateMetric, GateStage, SourceSpec
from tests.gates.builders import (
    END,
    STEP,
    WINDOW,
    FakeSource,
    crit,
    gates,
    metric,
    series,
    stage,
)

# 40 values around 100 in a scrambled (not trending) order: 17 is coprime with 40
BASE = 100.0 + 10.0 * (((np.arange(40) * 17) % 40) - 19.5) / 19.5
START = END - WINDOW


def flat(value: float, n: int = 40) -> np.ndarray:
    return np.full(n, value)


def judge(g_metrics: list[GateMetric], criteria: dict[str, GateCriterion],
          results: dict[str, Any], min_requests: int = 0, **kw: Any) -> Verdict:
    g = gates(g_metrics, [GateStage("canary-10", 10, tuple(criteria.values()),
                                    min_requests=min_requests)], **kw)
    return evaluate_stage(g, g.stages[0], {k: series(v) if isinstance(v, np.ndarray) else v
                                           for k, v in results.items()}, START, END)


def rows(v: Verdict) -> dict[str, Any]:
    return {r.id: r for r in v.criteria}


# --------------------------------------------------------------------------- queries


def test_each_metric_is_queried_for_both_tracks_with_its_selector_and_window() -> None:
    m = metric("restarts", query='sum(increase(r{ns="x",{{selector}}}[{{window}}]))')
    g = gates([m, metric("lat")], [stage(restarts=crit("restarts", "<= 0"),
                                         lat=crit("lat", "< 100", 10))])
    queries = stage_queries(g, g.stages[0], WINDOW)
    assert [(q.name, q.promql) for q in queries] == [
        ("restarts@canary", 'sum(increase(r{ns="x",track="canary"}[600s]))'),
        ("restarts@stable", 'sum(increase(r{ns="x",track="stable"}[600s]))'),
        ("lat@canary", 'q_lat{track="canary"}'),
        ("lat@stable", 'q_lat{track="stable"}'),
    ]


def test_run_gate_queries_the_window_ending_at_now_at_the_gate_step() -> None:
    g = gates([metric("lat")], [stage(lat=crit("lat", "< 100"))])
    source = FakeSource({"lat@canary": series(flat(50.0)), "lat@stable": series(flat(50.0))})
    verdict = run_gate(g, "canary-10", source, END)
    [(queries, start, end, step)] = source.calls
    # the grid (END − WINDOW, END]: its last point is the gate's time itself
    assert (start, end, step) == (END - WINDOW + STEP, END + STEP, STEP)
    assert [q.name for q in queries] == ["lat@canary", "lat@stable"]
    assert (verdict.decision, verdict.start, verdict.end) == ("promote", START, END)
    assert run_gate(g, "canary-10", source, END, WINDOW * 2).start == END - 2 * WINDOW


def test_run_gate_lets_an_unavailable_source_through_and_knows_its_stages() -> None:
    g = gates([metric("lat")], [stage(lat=crit("lat", "< 100"))])
    with pytest.raises(SourceUnavailable):
        run_gate(g, "canary-10", FakeSource({}, down="connection refused"), END)
    with pytest.raises(KeyError):
        run_gate(g, "canary-99", FakeSource({}), END)


# --------------------------------------------------------------------------- thresholds


def test_all_criteria_pass_promotes() -> None:
    v = judge([metric("avail", "higher", unit="percent"), metric("lat")],
              {"avail": crit("avail", ">= 99.5"), "lat": crit("lat", "< 110")},
              {"avail@canary": flat(99.9), "avail@stable": flat(99.95),
               "lat@canary": flat(90.0), "lat@stable": flat(88.0)})
    assert (v.decision, exit_code(v), v.failed, v.missing) == ("promote", 0, False, False)
    assert v.reasons == ("all 4 criteria of canary-10 pass",)
    assert [r.id for r in v.criteria] == ["avail:threshold", "avail:threshold:recent",
                                          "lat:threshold", "lat:threshold:recent"]
    avail = v.criteria[0]
    assert (avail.id, avail.status, avail.value, avail.stable, avail.threshold) == (
        "avail:threshold", "pass", 99.9, 99.95, ">= 99.5")
    assert (avail.part, avail.coverage, avail.canary_samples) == ("window", 1.0, 40)
    assert avail.reason == "canary over the window: 99.90%, >= 99.5"
    recent = v.criteria[1]
    assert (recent.part, recent.value, recent.canary_samples) == ("recent", 99.9, 8)


def test_the_threshold_is_judged_on_the_metrics_aggregate() -> None:
    samples = np.array([50.0] * 39 + [130.0])  # mean 52, max 130
    mean = judge([metric("lat")], {"lat": crit("lat", "< 110")}, {"lat@canary": samples})
    peak = judge([metric("lat", aggregate="max")], {"lat": crit("lat", "< 110")},
                 {"lat@canary": samples})
    assert (mean.criteria[0].value, mean.decision) == (52.0, "promote")
    assert rows(mean)["lat:threshold:recent"].value == 50.0  # one scrape is a glitch
    assert (peak.criteria[0].value, peak.decision) == (130.0, "hold")


def test_a_fresh_step_held_over_two_samples_fails_the_recent_part() -> None:
    fresh = np.array([50.0] * 38 + [130.0, 130.0])  # mean 54: the window alone would pass
    v = judge([metric("lat")], {"lat": crit("lat", "< 110")}, {"lat@canary": fresh})
    assert v.decision == "hold"
    assert [(r.id, r.status, r.value) for r in v.criteria] == [
        ("lat:threshold", "pass", 54.0), ("lat:threshold:recent", "fail", 130.0)]
    # higher is better: the worst level held is the higher of each pair, at its lowest
    dip = np.array([99.9] * 36 + [98.0, 97.0, 99.9, 99.9])
    v = judge([metric("avail", "higher", unit="percent")], {"a": crit("avail", ">= 99.5")},
              {"avail@canary": dip})
    assert rows(v)["avail:threshold:recent"].value == 98.0


def test_a_failing_critical_threshold_holds_with_its_reason() -> None:
    v = judge([metric("lat")], {"lat": crit("lat", "< 100")},
              {"lat@canary": flat(104.0), "lat@stable": flat(80.0)})
    assert (v.decision, exit_code(v), v.failed) == ("hold", 1, True)
    assert v.reasons == (
        "lat:threshold: canary lat over the window is 104.0 ms, not < 100; stable 80.00 ms",
        "lat:threshold:recent: canary lat in the last 2m (the worst level held over two "
        "samples) is 104.0 ms, not < 100; stable 80.00 ms")


def test_past_the_rollback_bound_rolls_back() -> None:
    err = metric("error_rate", unit="percent", rollback_if=">= 5")
    v = judge([err], {"error_rate": crit("error_rate", "< 1")},
              {"error_rate@canary": flat(6.0), "error_rate@stable": flat(0.1)})
    assert (v.decision, exit_code(v)) == ("rollback", 1)
    assert v.reasons[0] == ("error_rate:threshold: canary error_rate over the window is 6.00%, "
                            "not < 1; stable 0.1%; canary 6.00% is past the rollback bound "
                            "(>= 5)")
    # inside the bound it is a hold
    v = judge([err], {"error_rate": crit("error_rate", "< 1")},
              {"error_rate@canary": flat(3.0), "error_rate@stable": flat(0.1)})
    assert v.decision == "hold"


def test_a_failing_non_critical_metric_is_a_warning_not_a_hold() -> None:
    v = judge([metric("lat"), metric("mem", unit="GB", critical=False)],
              {"lat": crit("lat", "< 100"), "mem": crit("mem", "< 2.5")},
              {"lat@canary": flat(80.0), "mem@canary": flat(2.7)})
    assert (v.decision, exit_code(v)) == ("promote", 0)
    assert v.warnings[0] == ("mem:threshold (non-critical): canary mem over the window is "
                             "2.70 GB, not < 2.5")


# --------------------------------------------------------------------------- missing data


def test_no_canary_series_is_never_a_promotion() -> None:
    v = judge([metric("lat")], {"lat": crit("lat", "< 100", 10)},
              {"lat@canary": NoData("no series matched"), "lat@stable": BASE})
    assert (v.decision, exit_code(v), v.failed, v.missing) == ("hold", 3, False, True)
    assert {r.status for r in v.criteria} == {"no_data"}
    assert [r.id for r in v.criteria] == ["lat:threshold", "lat:threshold:recent",
                                          "lat:drift", "lat:drift:recent"]
    # the message names the selector and the query that came back empty
    assert v.reasons[0] == ('lat:threshold: canary (track="canary"): no data: no series '
                            'matched; query: q_lat{track="canary"}')


def test_a_failed_query_is_an_error_and_holds_on_exit_3() -> None:
    v = judge([metric("lat")], {"lat": crit("lat", "< 100", 10)},
              {"lat@canary": QueryFailed("q_lat", "parse error"), "lat@stable": BASE})
    assert {r.status for r in v.criteria} == {"error"}
    assert (v.decision, exit_code(v)) == ("hold", 3)
    assert "query failed: parse error" in v.reasons[0]


def test_non_finite_samples_only_is_no_data() -> None:
    v = judge([metric("lat")], {"lat": crit("lat", "< 100")},
              {"lat@canary": np.full(40, np.nan)})
    assert (v.criteria[0].status, exit_code(v)) == ("no_data", 3)


def test_a_failure_with_missing_data_elsewhere_holds_on_the_failure() -> None:
    v = judge([metric("lat"), metric("mem", unit="GB")],
              {"lat": crit("lat", "< 100"), "mem": crit("mem", "< 2.5")},
              {"lat@canary": flat(120.0)})
    assert (v.decision, exit_code(v), v.failed, v.missing) == ("hold", 1, True, True)
    assert [r.split(":")[0] for r in v.reasons] == ["lat", "lat", "mem", "mem"]  # failures
    assert v.reasons[0].startswith("lat:threshold: canary lat over the window")  # before gaps


def test_a_rollback_wins_over_missing_data() -> None:
    v = judge([metric("err", unit="percent", rollback_if=">= 5"), metric("mem", unit="GB")],
              {"err": crit("err", "< 1"), "mem": crit("mem", "< 2.5")},
              {"err@canary": flat(6.0)})
    assert (v.decision, exit_code(v)) == ("rollback", 1)


# --------------------------------------------------------------------------- drift


def test_a_real_shift_beyond_the_drift_bound_fails() -> None:
    v = judge([metric("lat")], {"lat": crit("lat", drift=5)},
              {"lat@canary": BASE * 1.3, "lat@stable": BASE})
    row = v.criteria[0]
    assert (row.id, row.status, row.threshold) == ("lat:drift", "fail", "drift < 5%")
    assert row.drift_percent == pytest.approx(30.0)
    assert row.effect_percent == pytest.approx(30.0, abs=1.0)
    assert row.p_value is not None and row.p_value < 1e-6
    assert row.reason.startswith("canary lat drifts +30.0% from stable (allowed < 5%), and the "
                                 "shift is real: canary higher than stable")
    recent = v.criteria[1]
    assert (recent.id, recent.status, recent.part) == ("lat:drift:recent", "fail", "recent")
    assert (recent.canary_samples, recent.stable_samples) == (8, 40)
    assert (v.decision, exit_code(v)) == ("hold", 1)


def test_an_outlier_that_moves_the_mean_is_not_a_real_shift() -> None:
    canary = BASE.copy()
    canary[7] = 2000.0  # one scrape of a cold cache: the mean jumps ~48 %, the ranks barely move
    row = judge([metric("lat")], {"lat": crit("lat", drift=10)},
                {"lat@canary": canary, "lat@stable": BASE}).criteria[0]
    assert row.status == "pass"
    assert row.drift_percent is not None and row.drift_percent > 40
    assert row.reason.startswith(f"drifts +{row.drift_percent:.1f}% from stable, 10% or more, "
                                 "but it is not a real shift: not significant")


def test_a_significant_shift_below_the_bound_passes() -> None:
    row = judge([metric("lat")], {"lat": crit("lat", drift=10)},
                {"lat@canary": BASE * 1.07, "lat@stable": BASE}).criteria[0]
    assert row.status == "pass"
    assert row.reason.startswith("drifts +7.0% from stable, allowed < 10% (significant (p=")
    assert "below the 10% effect floor" in row.reason


def test_drift_is_judged_in_the_metrics_bad_direction() -> None:
    better = judge([metric("lat")], {"lat": crit("lat", drift=5)},
                   {"lat@canary": BASE * 0.7, "lat@stable": BASE}).criteria[0]
    worse = judge([metric("avail", "higher")], {"avail": crit("avail", drift=5)},
                  {"avail@canary": BASE * 0.7, "avail@stable": BASE}).criteria[0]
    assert (better.status, better.drift_percent) == ("pass", pytest.approx(-30.0))
    assert (worse.status, worse.drift_percent) == ("fail", pytest.approx(-30.0))


def test_drift_without_stable_data_or_enough_samples_is_no_data() -> None:
    no_stable = judge([metric("lat")], {"lat": crit("lat", drift=5)},
                      {"lat@canary": BASE}).criteria[0]
    few = judge([metric("lat")], {"lat": crit("lat", drift=5)},
                {"lat@canary": BASE[:9], "lat@stable": BASE}).criteria[0]
    assert (no_stable.status, no_stable.reason) == (
        "no_data", 'stable (track="stable"): no data: the query was not run; query: '
                   'q_lat{track="stable"}')
    assert few.status == "no_data"
    assert few.reason == ("insufficient data: canary has 9 of 40 points in the window, the gate "
                          "needs at least 36")
    enough = judge([metric("lat")], {"lat": crit("lat", drift=5)},
                   {"lat@canary": BASE[:38], "lat@stable": BASE}, min_coverage=0.5,
                   min_samples=39).criteria[0]
    assert (enough.status, enough.reason) == (
        "no_data", "canary: only 38 finite samples, the comparison needs at least 39")


def test_drift_against_a_zero_stable_value() -> None:
    zeros = np.zeros(40)
    same = judge([metric("r")], {"r": crit("r", drift=5)},
                 {"r@canary": zeros, "r@stable": zeros}).criteria[0]
    up = judge([metric("r")], {"r": crit("r", drift=5)},
               {"r@canary": np.full(40, 2.0), "r@stable": zeros}).criteria[0]
    assert (same.status, same.drift_percent) == ("pass", 0.0)
    assert (up.status, up.drift_percent) == ("fail", None)
    assert up.reason.startswith("canary r drifts to 2 from a stable value of zero (allowed")


# --------------------------------------------------------------------------- the document


def test_the_json_document_carries_decision_reasons_and_every_row() -> None:
    v = judge([metric("lat")], {"lat": crit("lat", "< 100", 5)},
              {"lat@canary": BASE * 1.3, "lat@stable": BASE})
    doc = document(v, "checkout-api v2.4.0", "checkout-api-v2-4-0")
    assert doc["release"] == {"name": "checkout-api v2.4.0", "slug": "checkout-api-v2-4-0"}
    assert doc["stage"] == {"name": "canary-10", "traffic_percent": 10}
    assert doc["window"] == {"start": "2026-11-02T10:20:00Z", "end": "2026-11-02T10:30:00Z",
                             "step_seconds": 15.0}
    assert (doc["decision"], doc["exit_code"]) == ("hold", 1)
    assert sorted(doc["criteria"]) == ["lat:drift", "lat:drift:recent", "lat:threshold",
                                       "lat:threshold:recent"]
    row = doc["criteria"]["lat:threshold"]
    assert (row["status"], row["value"], row["threshold"], row["critical"], row["part"]) == (
        "fail", pytest.approx(130.0), "< 100", True, "window")
    assert (row["coverage"], row["series"], row["scale"]) == (1.0, "", "")
    assert len(doc["reasons"]) == 4


# --------------------------------------------------------------------------- over HTTP


def prometheus_gate(handler: Any) -> Verdict:
    g = gates([metric("lat")], [stage(lat=crit("lat", "< 100", 10))])
    source = PrometheusSource(SourceSpec(url="http://prom:9090", retries=0),
                              transport=httpx.MockTransport(handler), sleep=lambda _: None)
    try:
        return run_gate(g, "canary-10", source, END)
    finally:
        source.close()


def test_prometheus_refusing_a_query_is_an_error_row_not_a_pass() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if 'track="canary"' in request.url.params["query"]:
            return httpx.Response(400, json={"status": "error", "errorType": "bad_data",
                                             "error": "parse error at char 7"})
        values = [[END.timestamp() - 15 * (39 - i), "80"] for i in range(40)]
        return httpx.Response(200, json={"status": "success", "data": {
            "resultType": "matrix", "result": [{"metric": {}, "values": values}]}})

    v = prometheus_gate(handler)
    assert {r.status for r in v.criteria} == {"error"}
    assert (v.decision, exit_code(v)) == ("hold", 3)
    assert "parse error at char 7" in v.reasons[0]
    assert v.criteria[0].stable == 80.0


def test_prometheus_down_raises_source_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="upstream unavailable")

    with pytest.raises(SourceUnavailable):
        prometheus_gate(handler)


# --------------------------------------------------------------------------- evidence


def test_a_track_with_too_little_of_the_window_is_insufficient_data() -> None:
    late = np.full(40, np.nan)
    late[-12:] = 50.0  # 3 of the 10 minutes
    v = judge([metric("lat")], {"lat": crit("lat", "< 100", 10)},
              {"lat@canary": late, "lat@stable": BASE})
    assert (v.decision, exit_code(v)) == ("hold", 3)
    by_id = rows(v)
    assert by_id["lat:threshold"].status == "no_data"
    assert by_id["lat:threshold"].reason == ("insufficient data: canary has 12 of 40 points in "
                                             "the window, the gate needs at least 36")
    assert by_id["lat:threshold"].coverage == 0.3
    assert by_id["lat:drift"].status == "no_data"
    # a canary that stopped reporting two minutes ago: the window is enough, the recent not
    stopped = np.full(40, 50.0)
    stopped[-7:] = np.nan
    v = judge([metric("lat")], {"lat": crit("lat", "< 100")}, {"lat@canary": stopped},
              min_coverage=0.8)
    assert [(r.id, r.status) for r in v.criteria] == [("lat:threshold", "pass"),
                                                      ("lat:threshold:recent", "no_data")]
    assert v.criteria[1].reason == ("insufficient data: canary has 1 of 8 points in the last "
                                    "2m, the gate needs at least 4")


TRAFFIC = 'sum(rate(http_requests_total{job="api",{{selector}}}[1m]))'


def test_too_few_requests_hold_whatever_the_points_say() -> None:
    lat = {"lat@canary": flat(80.0), "lat@stable": flat(80.0)}
    # 14 requests in 10 minutes, spread over every point: the points alone look complete
    few = judge([metric("lat")], {"lat": crit("lat", "< 100")},
                {**lat, "_traffic@canary": flat(14 / 600), "_traffic@stable": flat(200.0)},
                min_requests=1000, traffic=TRAFFIC)
    assert (few.decision, exit_code(few), few.failed, few.missing) == ("hold", 3, False, True)
    row = few.criteria[0]
    assert (row.id, row.kind, row.status, row.value, row.stable, row.threshold) == (
        "requests", "requests", "no_data", 14.0, 120000.0, ">= 1,000")
    assert few.reasons == ("requests: insufficient traffic: 14 canary requests in the window "
                           "(0.0117% of both tracks; the stage sends 10%); canary-10 needs at "
                           "least 1,000",)
    enough = judge([metric("lat")], {"lat": crit("lat", "< 100")},
                   {**lat, "_traffic@canary": flat(20.0), "_traffic@stable": flat(180.0)},
                   min_requests=1000, traffic=TRAFFIC)
    assert (enough.decision, enough.criteria[0].status) == ("promote", "pass")
    assert enough.criteria[0].reason == ("12,000 canary requests in the window (10% of both "
                                         "tracks; the stage sends 10%)")


def test_no_traffic_series_or_a_failed_traffic_query_holds() -> None:
    lat = {"lat@canary": flat(80.0), "lat@stable": flat(80.0)}
    none = judge([metric("lat")], {"lat": crit("lat", "< 100")},
                 {**lat, "_traffic@canary": NoData("no series matched")},
                 min_requests=1000, traffic=TRAFFIC)
    assert (none.decision, none.criteria[0].status, none.criteria[0].value) == (
        "hold", "no_data", 0.0)
    assert none.reasons[0] == (
        'requests: insufficient traffic: no canary requests in the window (no series matched; '
        'query: sum(rate(http_requests_total{job="api",track="canary"}[1m]))); canary-10 '
        'needs at least 1,000')
    failed = judge([metric("lat")], {"lat": crit("lat", "< 100")},
                   {**lat, "_traffic@canary": QueryFailed("q", "bad_data: parse error")},
                   min_requests=1000, traffic=TRAFFIC)
    assert (failed.decision, exit_code(failed), failed.criteria[0].status) == (
        "hold", 3, "error")


def test_the_traffic_query_runs_for_both_tracks_when_the_stage_counts_requests() -> None:
    g = gates([metric("lat")], [stage(min_requests=500, lat=crit("lat", "< 100"))],
              traffic=TRAFFIC)
    names = [q.name for q in stage_queries(g, g.stages[0], WINDOW)]
    assert names == ["lat@canary", "lat@stable", "_traffic@canary", "_traffic@stable"]
    g = gates([metric("lat")], [stage(lat=crit("lat", "< 100"))], traffic=TRAFFIC)
    assert [q.name for q in stage_queries(g, g.stages[0], WINDOW)] == ["lat@canary",
                                                                        "lat@stable"]


# --------------------------------------------------------------------------- units, series


MEMORY = metric("memory", unit="bytes", by="pod", aggregate="max",
                query='max by (pod) (mem{ns="x",{{selector}}})')


def test_a_per_pod_metric_is_judged_on_its_worst_pod_and_names_it() -> None:
    g = gates([MEMORY], [stage(memory=crit("memory", "< 2.5 GB"))])
    [canary, _] = stage_queries(g, g.stages[0], WINDOW)
    assert canary.promql == 'max(max by (pod) (mem{ns="x",track="canary"}))'
    source = FakeSource({
        "memory@canary": series(np.full(40, 2.61e9)), "memory@stable": series(flat(1.3e9)),
        "_worst:memory": series([2.61e9], labels={"pod": "api-canary-1"})})
    v = run_gate(g, "canary-10", source, END)
    [_, (naming, start, end, _)] = source.calls
    assert [(q.name, q.promql) for q in naming] == [(
        "_worst:memory", 'topk(1, max_over_time((max by (pod) (mem{ns="x",track="canary"}))'
                         '[600s:15s]))')]
    assert (start, end) == (END, END + STEP)  # one point: the gate's time
    row = v.criteria[0]
    assert (row.status, row.value, row.threshold, row.series, row.scale) == (
        "fail", 2.61e9, "< 2.5 GB", "pod api-canary-1", "GB")
    assert row.reason == ("canary memory over the window is 2.61 GB (2,610,000,000 bytes) on "
                          "pod api-canary-1, not < 2.5 GB; stable 1.30 GB; GB = 10⁹ bytes")
    assert table(v).splitlines()[1].split()[2:4] == ["2.61", "GB"]


def test_gib_is_not_gb() -> None:
    g_value = 2.6e9  # 2.6 GB but only 2.42 GiB
    gib = judge([MEMORY], {"m": crit("memory", "< 2.5 GiB")}, {"memory@canary": flat(g_value)})
    gb = judge([MEMORY], {"m": crit("memory", "< 2.5 GB")}, {"memory@canary": flat(g_value)})
    assert (gib.decision, gb.decision) == ("promote", "hold")
    assert gib.criteria[0].reason == "canary over the window: 2.42 GiB (2,600,000,000 bytes), < 2.5 GiB"


def test_counts_are_whole_numbers() -> None:
    restarts = metric("restarts", unit="restarts", aggregate="last", rollback_if=">= 3")
    one = judge([restarts], {"r": crit("restarts", "<= 0")},
                {"restarts@canary": flat(1.04), "restarts@stable": flat(0.0)})
    assert (one.decision, one.criteria[0].value) == ("hold", 1.0)
    assert one.criteria[0].reason == ("canary restarts over the window is 1 restart, not <= 0; "
                                      "stable 0 restarts")
    assert [r.id for r in one.criteria] == ["restarts:threshold"]  # last: no recent row
    loop = judge([restarts], {"r": crit("restarts", "<= 0")}, {"restarts@canary": flat(2.9)})
    assert (loop.decision, loop.criteria[0].value) == ("rollback", 3.0)
    assert "canary 3 restarts is past the rollback bound (>= 3)" in loop.reasons[0]
    assert table(loop).splitlines()[1].split()[2:4] == ["3", "restarts"]


def test_several_series_advise_max_or_by_pod() -> None:
    message = ('returned 3 series where one was expected ({pod="a"}, {pod="b"}, {pod="c"}); '
               "aggregate it to one series in PromQL: sum(...) for a total, max(...) for a "
               "per-pod or per-instance limit (memory, restarts), avg(...) for a typical value")
    v = judge([metric("mem", unit="bytes")], {"m": crit("mem", "< 2.5 GB")},
              {"mem@canary": QueryFailed("mem", message)})
    assert (v.decision, exit_code(v)) == ("hold", 3)
    assert "max(...) for a per-pod or per-instance limit" in v.reasons[0]
    assert v.reasons[0].endswith("set `by: pod`: the worst pod is judged and named")
