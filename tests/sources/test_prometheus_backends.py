"""Backend settings of the Prometheus source, checked on the wire (httpx.MockTransport):
Thanos partial responses and dedup, Mimir tenants, VictoriaMetrics' point limit and cache,
step-aligned ranges, and partial answers counting as reduced coverage."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import numpy as np
import pytest

from tars_ci.errors import SourceUnavailable, SpecError
from tars_ci.pipeline.fetch import fetch, measure_day, slo_day
from tars_ci.sources.interface import Partial, Query, QueryFailed, Samples, window_grid
from tars_ci.sources.prometheus import PrometheusSource
from tars_ci.spec.loader import parse_spec
from tars_ci.spec.model import Secret
from tars_ci.timeline import day_window
from tests.sources.fake_prometheus import (
    URL,
    FakePrometheus,
    error,
    grid_answer,
    matrix,
    settings,
)

START = datetime(2026, 11, 2, tzinfo=timezone.utc)
STEP = timedelta(seconds=60)
Q = Query("availability", "100 * up")
TENANT = "team-payments|team-ledger"


def run(fake: FakePrometheus, end: datetime, start: datetime = START,
        **overrides: Any) -> Any:
    source = fake.source(**overrides)
    try:
        return source.range_query([Q], start, end, STEP)[Q.name]
    finally:
        source.close()


def warned(*warnings: str, partial: bool = False) -> Any:
    """An answer over the requested grid that carries ``warnings`` (and ``isPartial``)."""
    def answer(request: httpx.Request) -> httpx.Response:
        body = grid_answer(request).json()
        body["warnings"] = list(warnings)
        if partial:
            body["isPartial"] = True
        return httpx.Response(200, json=body)
    return answer


# --------------------------------------------------------------------------- Thanos


def test_thanos_asks_for_complete_deduplicated_answers_by_default() -> None:
    fake = FakePrometheus()
    result = run(fake, START + timedelta(minutes=10), backend="thanos")
    assert isinstance(result, Samples) and result.partial == ()
    one = httpx.Response(200, json={"status": "success", "data": {
        "resultType": "vector", "result": [{"metric": {}, "value": [START.timestamp(), "1"]}]}})
    instant = FakePrometheus(one)
    source = instant.source(backend="thanos")
    source.check(START)  # instant queries too
    source.close()
    for params in fake.params() + instant.params():
        assert params["partial_response"] == "false"
        assert params["dedup"] == "true"


def test_a_store_that_cannot_answer_fails_the_query_with_thanos_words() -> None:
    words = "receive series from store Addr: 10.0.0.7:10901: rpc error: code = Unavailable"
    fake = FakePrometheus(error(422, "execution", words))
    result = run(fake, START + timedelta(minutes=10), backend="thanos")
    assert isinstance(result, QueryFailed) and result.message == f"execution: {words}"


def test_thanos_settings_reach_every_request() -> None:
    fake = FakePrometheus()
    run(fake, START + timedelta(minutes=10), backend="thanos", partial_response=True,
        dedup=False)
    [params] = fake.params()
    assert (params["partial_response"], params["dedup"]) == ("true", "false")


def test_plain_prometheus_gets_no_backend_parameters() -> None:
    fake = FakePrometheus()
    run(fake, START + timedelta(minutes=10))
    assert set(fake.params()[0]) == {"query", "start", "end", "step"}


def test_a_thanos_warning_marks_its_stretch_partial_and_fetches_a_day_at_a_time() -> None:
    store_down = "receive series from Addr: 10.0.0.7:10901: rpc error: code = Unavailable"

    def answer(request: httpx.Request) -> httpx.Response:
        day = int((float(request.url.params["start"]) - START.timestamp()) // 86_400)
        return warned(store_down)(request) if day == 2 else grid_answer(request)

    fake = FakePrometheus(answer)
    result = run(fake, START + timedelta(days=4), backend="thanos", partial_response=True)
    # one request per day: a warning costs that day, not the whole window
    assert [(float(p["start"]), float(p["end"])) for p in fake.params()] == [
        (START.timestamp() + d * 86_400, START.timestamp() + d * 86_400 + 1439 * 60)
        for d in range(4)]
    assert isinstance(result, Samples) and len(result.values) == 4 * 1440
    day2 = START.timestamp() + 2 * 86_400
    assert result.partial == (Partial(day2, day2 + 86_400, store_down),)


def test_promql_annotations_are_not_missing_data() -> None:
    fake = FakePrometheus(warned('PromQL info: metric might not be a counter, name does not '
                                 'end in _total/_sum/_count/_bucket: "up" (1:7)'))
    result = run(fake, START + timedelta(minutes=10), backend="thanos")
    assert isinstance(result, Samples) and result.partial == ()


def test_partial_answers_count_as_not_covered_in_the_day_they_fall_in() -> None:
    spec = parse_spec(SPEC.replace("BACKEND", "backend: thanos\n  partial_response: true"),
                      {}, "tars.yaml")

    def answer(request: httpx.Request) -> httpx.Response:
        start = float(request.url.params["start"])
        if START.timestamp() + 86_400 <= start < START.timestamp() + 2 * 86_400:
            return warned("No StoreAPIs matched for this query")(request)
        return grid_answer(request)

    fake = FakePrometheus(answer)
    source = PrometheusSource(spec.source, transport=httpx.MockTransport(fake))
    data = fetch(spec, source, through_day=2)
    source.close()
    clean, partial = (measure_day(spec, data, day_window(spec.release.ga_time, d))
                      for d in (0, 1))
    for m in clean.values():
        assert m.coverage == 1.0 and m.reason == ""
    for m in partial.values():  # a plain KPI and a ratio KPI alike
        assert m.status == "ok" and m.value is not None
        assert m.coverage == 0.0
        assert m.reason == ("1440 of the day's 1440 steps come from answers the source marked "
                            "partial and count as not covered (No StoreAPIs matched for this "
                            "query)")
    slo = slo_day(spec, data, day_window(spec.release.ga_time, 1))["availability"]
    assert slo.coverage == 0.0 and "marked partial" in slo.reason


# --------------------------------------------------------------------------- Mimir


def test_mimir_sends_the_tenant_on_every_request_and_never_shows_it(
        logs: pytest.LogCaptureFixture) -> None:
    echo = httpx.Response(503, text=f"tenant {TENANT} is over its limit")
    fake = FakePrometheus(echo, grid_answer)
    result = run(fake, START + timedelta(minutes=10), backend="mimir", tenant=Secret(TENANT))
    assert isinstance(result, Samples)
    assert [r.headers["X-Scope-OrgID"] for r in fake.requests] == [TENANT, TENANT]
    assert logs.records and all(TENANT not in r.getMessage() for r in logs.records)
    assert "tenant *** is over its limit" in logs.text

    fake = FakePrometheus(httpx.Response(401, text=f"no access for {TENANT}"))
    with pytest.raises(SourceUnavailable) as info:
        run(fake, START + timedelta(minutes=10), backend="mimir", tenant=Secret(TENANT))
    assert TENANT not in str(info.value) and "***" in str(info.value)


def test_mimir_ranges_are_step_aligned_and_days_still_cut_exactly() -> None:
    ga = datetime(2026, 11, 2, 9, 30, 17, tzinfo=timezone.utc)  # not on the minute
    spec = parse_spec(SPEC.replace("BACKEND", "backend: mimir\n  tenant: team-payments")
                      .replace("2026-11-02T00:00:00Z", "2026-11-02T09:30:17Z"), {}, "tars.yaml")
    assert spec.source.aligned
    fake = FakePrometheus()
    source = PrometheusSource(spec.source, transport=httpx.MockTransport(fake))
    data = fetch(spec, source, through_day=2)
    source.close()
    for p in fake.params():
        assert float(p["start"]) % 60 == 0 and float(p["end"]) % 60 == 0
        assert float(p["start"]) >= ga.timestamp()
    assert data.grid[0] == ga.timestamp() + 43 and np.all(data.grid % 60 == 0)
    for d in range(3):
        window = day_window(ga, d)
        m = measure_day(spec, data, window)["availability"]
        assert m.samples == 1440 and m.coverage == 1.0  # every aligned minute of the day
        inside = data.grid[(data.grid >= window.start.timestamp())
                           & (data.grid < window.end.timestamp())]
        assert len(inside) == 1440


def test_aligned_grid_is_the_multiples_of_the_step_inside_the_window() -> None:
    start = datetime(2026, 11, 2, 9, 30, 17, tzinfo=timezone.utc)
    grid = window_grid(start, start + timedelta(minutes=3), STEP, aligned=True)
    base = (start.timestamp() // 60 + 1) * 60
    assert grid.tolist() == [base, base + 60, base + 120]
    on = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
    assert window_grid(on, on + timedelta(minutes=2), STEP, aligned=True).tolist() == \
        window_grid(on, on + timedelta(minutes=2), STEP).tolist()


# --------------------------------------------------------------------------- VictoriaMetrics


def test_victoriametrics_takes_30000_points_per_request() -> None:
    end = START + timedelta(minutes=40_000)
    vm, prom = FakePrometheus(), FakePrometheus()
    vm_result = run(vm, end, backend="victoriametrics")
    prom_result = run(prom, end)
    assert len(vm.requests) == 2 and len(prom.requests) == 4
    assert [round((float(p["end"]) - float(p["start"])) / 60) + 1 for p in vm.params()] == [
        30_000, 10_000]
    assert isinstance(vm_result, Samples) and isinstance(prom_result, Samples)
    np.testing.assert_array_equal(vm_result.timestamps, prom_result.timestamps)
    assert len(run(FakePrometheus(), end, backend="victoriametrics", max_points=5_000)
               .values) == 40_000


def test_victoriametrics_cache_is_bypassed_only_where_it_would_shift_the_window() -> None:
    odd = datetime(2026, 11, 2, 9, 30, 17, tzinfo=timezone.utc)
    aligned = FakePrometheus()
    run(aligned, odd + timedelta(minutes=10), start=odd, backend="victoriametrics")
    assert "nocache" not in aligned.params()[0]  # aligned by default: the cache is right
    unaligned = FakePrometheus()
    result = run(unaligned, odd + timedelta(minutes=10), start=odd, backend="victoriametrics",
                 align=False)
    assert unaligned.params()[0]["nocache"] == "1"
    assert isinstance(result, Samples) and result.timestamps[0] == odd.timestamp()
    on_minute = FakePrometheus()
    run(on_minute, START + timedelta(minutes=10), backend="victoriametrics", align=False)
    assert "nocache" not in on_minute.params()[0]


def test_victoriametrics_is_partial_flag_marks_the_answer_partial() -> None:
    result = run(FakePrometheus(warned(partial=True)), START + timedelta(minutes=10),
                 backend="victoriametrics")
    assert isinstance(result, Samples)
    assert [p.warning for p in result.partial] == [
        "the server marked the answer partial (isPartial)"]


def test_an_answer_without_warnings_is_complete() -> None:
    result = run(FakePrometheus(matrix(({}, [(START.timestamp(), "1")]))),
                 START + timedelta(minutes=1), backend="thanos", partial_response=True)
    assert isinstance(result, Samples) and result.partial == ()


# --------------------------------------------------------------------------- the spec


SPEC = """\
version: 1
release:
  name: payments v1
  ga_time: "2026-11-02T00:00:00Z"
  days: 2
source:
  url: http://prom.example:9090
  BACKEND
kpis:
  availability: {query: "100 * up", unit: percent, better: higher, critical: true}
  error_ratio:
    unit: percent
    better: lower
    ratio: {numerator: "sum(rate(errors[5m]))", denominator: "sum(rate(requests[5m]))"}
slos:
  availability:
    objective: 99.0
    threshold: {kpi: availability, min: 0}
"""


@pytest.mark.parametrize(("setting", "line", "message"), [
    ("backend: prometheus\n  tenant: team-a", 9,
     "source.tenant: is a Mimir/Cortex setting (backend mimir), not for backend prometheus"),
    ("backend: victoriametrics\n  dedup: false", 9,
     "source.dedup: is a Thanos setting (backend thanos), not for backend victoriametrics"),
    ("backend: mimir\n  tenant: \"team a|b\"", 9,
     "source.tenant: each tenant ID (several joined with `|`) must be 1-150 of the "
     "characters"),
    ("backend: mimir\n  tenant: a|a", 9, "source.tenant: names a tenant twice"),
    ("backend: thanos\n  max_points: 1", 9, "source.max_points:"),
    ("backend: cortex", 8, "source.backend:"),
])
def test_backend_settings_are_checked_with_their_yaml_path_and_line(
        setting: str, line: int, message: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(SPEC.replace("BACKEND", setting), {}, "tars.yaml")
    [problem] = info.value.problems
    assert f"tars.yaml:{line}: {message}" in str(problem)


def test_a_tenant_from_the_environment_is_never_echoed_in_an_error() -> None:
    secret = "acme corp"  # a space: not a valid tenant ID
    with pytest.raises(SpecError) as info:
        parse_spec(SPEC.replace("BACKEND", "backend: mimir\n  tenant: ${MIMIR_TENANT}"),
                   {"MIMIR_TENANT": secret}, "tars.yaml")
    assert secret not in str(info.value)
    assert "tars.yaml:9: source.tenant:" in str(info.value)


def test_tenant_and_an_explicit_tenant_header_conflict() -> None:
    with pytest.raises(SpecError, match="sets X-Scope-OrgID and so does source.tenant"):
        parse_spec(SPEC.replace("BACKEND", "backend: mimir\n  tenant: a\n"
                                           "  headers: {X-Scope-OrgID: b}"), {}, "tars.yaml")


def test_backend_defaults() -> None:
    assert not settings().aligned and settings().points_per_request == 11_000
    assert settings(backend="victoriametrics").points_per_request == 30_000
    assert all(settings(backend=b).aligned for b in ("thanos", "mimir", "victoriametrics"))
    assert not settings(backend="mimir", align=False).aligned
    assert settings(backend="thanos", partial_response=True).day_chunks
    assert not settings(backend="thanos").day_chunks
    assert URL.startswith("http://")
