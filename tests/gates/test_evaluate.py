"""Stage evaluation over a fake source: queries, rows, and the promote/hold/rollback verdict."""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pytest

from tars_ci.errors import SourceUnavailable
from tars_ci.gates import document, evaluate_stage, exit_code, run_gate, stage_queries
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
          results: dict[str, Any]) -> Verdict:
    g = gates(g_metrics, [GateStage("canary-10", 10, tuple(criteria.values()))])
    return evaluate_stage(g, g.stages[0], {k: series(v) if isinstance(v, np.ndarray) else v
                                           for k, v in results.items()}, START, END)


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
    assert (start, end, step) == (END - WINDOW, END, STEP)
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
    assert v.reasons == ("all 2 criteria of canary-10 pass",)
    avail = v.criteria[0]
    assert (avail.id, avail.status, avail.value, avail.stable, avail.threshold) == (
        "avail:threshold", "pass", 99.9, 99.95, ">= 99.5")
    assert avail.reason == "canary 99.90% >= 99.5"


def test_the_threshold_is_judged_on_the_metrics_aggregate() -> None:
    samples = np.array([50.0] * 39 + [130.0])  # mean 52, max 130
    mean = judge([metric("lat")], {"lat": crit("lat", "< 110")}, {"lat@canary": samples})
    peak = judge([metric("lat", aggregate="max")], {"lat": crit("lat", "< 110")},
                 {"lat@canary": samples})
    assert (mean.criteria[0].value, mean.decision) == (52.0, "promote")
    assert (peak.criteria[0].value, peak.decision) == (130.0, "hold")


def test_a_failing_critical_threshold_holds_with_its_reason() -> None:
    v = judge([metric("lat")], {"lat": crit("lat", "< 100")},
              {"lat@canary": flat(104.0), "lat@stable": flat(80.0)})
    assert (v.decision, exit_code(v), v.failed) == ("hold", 1, True)
    assert v.reasons == ("lat:threshold: canary lat 104.0 ms is not < 100 (stable 80.00 ms)",)


def test_past_the_rollback_bound_rolls_back() -> None:
    err = metric("error_rate", unit="percent", rollback_if=">= 5")
    v = judge([err], {"error_rate": crit("error_rate", "< 1")},
              {"error_rate@canary": flat(6.0), "error_rate@stable": flat(0.1)})
    assert (v.decision, exit_code(v)) == ("rollback", 1)
    assert v.reasons == (("error_rate:threshold: canary error_rate 6.00% is not < 1 (stable "
                         "0.1%); canary 6.00% is past the rollback bound (>= 5)"),)
    # inside the bound it is a hold
    v = judge([err], {"error_rate": crit("error_rate", "< 1")},
              {"error_rate@canary": flat(3.0), "error_rate@stable": flat(0.1)})
    assert v.decision == "hold"


def test_a_failing_non_critical_metric_is_a_warning_not_a_hold() -> None:
    v = judge([metric("lat"), metric("mem", unit="GB", critical=False)],
              {"lat": crit("lat", "< 100"), "mem": crit("mem", "< 2.5")},
              {"lat@canary": flat(80.0), "mem@canary": flat(2.7)})
    assert (v.decision, exit_code(v)) == ("promote", 0)
    assert v.warnings == ("mem:threshold (non-critical): canary mem 2.70 GB is not < 2.5",)


# --------------------------------------------------------------------------- missing data


def test_no_canary_series_is_never_a_promotion() -> None:
    v = judge([metric("lat")], {"lat": crit("lat", "< 100", 10)},
              {"lat@canary": NoData("no series matched"), "lat@stable": BASE})
    assert (v.decision, exit_code(v), v.failed, v.missing) == ("hold", 3, False, True)
    assert [(r.id, r.status) for r in v.criteria] == [("lat:threshold", "no_data"),
                                                      ("lat:drift", "no_data")]
    assert v.reasons[0] == "lat:threshold: canary: no data: no series matched"


def test_a_failed_query_is_an_error_and_holds_on_exit_3() -> None:
    v = judge([metric("lat")], {"lat": crit("lat", "< 100", 10)},
              {"lat@canary": QueryFailed("q_lat", "parse error"), "lat@stable": BASE})
    assert [r.status for r in v.criteria] == ["error", "error"]
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
    assert [r.split(":")[0] for r in v.reasons] == ["lat", "mem"]  # failures before gaps


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
    assert (v.decision, exit_code(v)) == ("hold", 1)


def test_an_outlier_that_moves_the_mean_is_not_a_real_shift() -> None:
    canary = BASE.copy()
    canary[7] = 2000.0  # one scrape of a cold cache: the mean jumps ~48 %, the ranks barely move
    row = judge([metric("lat")], {"lat": crit("lat", drift=10)},
                {"lat@canary": canary, "lat@stable": BASE}).criteria[0]
    assert row.status == "pass"
    assert row.drift_percent is not None and row.drift_percent > 40
    assert row.reason.startswith(f"drift +{row.drift_percent:.1f}% reaches 10% but is not a "
                                 "real shift: not significant")


def test_a_significant_shift_below_the_bound_passes() -> None:
    row = judge([metric("lat")], {"lat": crit("lat", drift=10)},
                {"lat@canary": BASE * 1.07, "lat@stable": BASE}).criteria[0]
    assert row.status == "pass"
    assert row.reason.startswith("drift +7.0%, allowed < 10% (significant (p=")
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
    assert (no_stable.status, no_stable.reason) == ("no_data",
                                                    "stable: no data: the query was not run")
    assert (few.status, few.reason) == (
        "no_data", "canary: only 9 finite samples, the comparison needs at least 10")


def test_drift_against_a_zero_stable_value() -> None:
    zeros = np.zeros(40)
    same = judge([metric("r")], {"r": crit("r", drift=5)},
                 {"r@canary": zeros, "r@stable": zeros}).criteria[0]
    up = judge([metric("r")], {"r": crit("r", drift=5)},
               {"r@canary": np.full(40, 2.0), "r@stable": zeros}).criteria[0]
    assert (same.status, same.drift_percent) == ("pass", 0.0)
    assert (up.status, up.drift_percent) == ("fail", None)
    assert "against a stable value of zero" in up.reason


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
    assert sorted(doc["criteria"]) == ["lat:drift", "lat:threshold"]
    row = doc["criteria"]["lat:threshold"]
    assert (row["status"], row["value"], row["threshold"], row["critical"]) == (
        "fail", pytest.approx(130.0), "< 100", True)
    assert len(doc["reasons"]) == 2


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
        values = [[END.timestamp() - 15 * (40 - i), "80"] for i in range(40)]
        return httpx.Response(200, json={"status": "success", "data": {
            "resultType": "matrix", "result": [{"metric": {}, "values": values}]}})

    v = prometheus_gate(handler)
    assert [r.status for r in v.criteria] == ["error", "error"]
    assert (v.decision, exit_code(v)) == ("hold", 3)
    assert "parse error at char 7" in v.reasons[0]
    assert v.criteria[0].stable == 80.0


def test_prometheus_down_raises_source_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="upstream unavailable")

    with pytest.raises(SourceUnavailable):
        prometheus_gate(handler)
