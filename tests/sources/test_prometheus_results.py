"""Result typing, chunking and stitching of the Prometheus source (httpx.MockTransport)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import httpx
import numpy as np
import pytest

from tars_ci.sources.interface import NoData, Query, QueryFailed, QueryResult, Samples
from tars_ci.sources.prometheus import MAX_POINTS
from tars_ci.sources.prometheus.source import Chunk, plan_chunks
from tars_ci.sources.replay import ReplaySource
from tars_ci.spec.model import SourceSpec
from tests.sources.fake_prometheus import FakePrometheus, grid_answer, matrix

START = datetime(2026, 11, 2, tzinfo=timezone.utc)
T0 = START.timestamp()
STEP = timedelta(seconds=60)
Q = Query("cpu_percent", "100 * avg(cpu)")


def one(fake: FakePrometheus, end: datetime, start: datetime = START) -> QueryResult:
    source = fake.source()
    try:
        return source.range_query([Q], start, end, STEP)[Q.name]
    finally:
        source.close()


def test_plan_chunks_tiles_the_grid_exactly() -> None:
    assert plan_chunks(0.0, 11_000, 60.0) == [Chunk(0.0, 10_999 * 60.0, 11_000)]
    assert plan_chunks(0.0, 11_001, 60.0) == [Chunk(0.0, 10_999 * 60.0, 11_000),
                                              Chunk(11_000 * 60.0, 11_000 * 60.0, 1)]
    assert plan_chunks(0.0, 22_000, 60.0) == [Chunk(0.0, 10_999 * 60.0, 11_000),
                                              Chunk(11_000 * 60.0, 21_999 * 60.0, 11_000)]
    assert plan_chunks(0.0, 0, 60.0) == []


@pytest.mark.parametrize(("points", "requests"), [(11_000, 1), (11_001, 2), (22_000, 2),
                                                   (22_001, 3)])
def test_chunks_at_the_11000_point_boundary_stitch_without_gaps_or_duplicates(
        points: int, requests: int) -> None:
    fake = FakePrometheus(grid_answer)
    result = one(fake, START + points * STEP)
    assert isinstance(result, Samples)
    expected = T0 + 60.0 * np.arange(points)
    np.testing.assert_array_equal(result.timestamps, expected)
    np.testing.assert_array_equal(result.values, expected / 60)
    assert len(fake.requests) == requests
    sent = fake.params()
    for p in sent:
        n = round((float(p["end"]) - float(p["start"])) / 60) + 1
        assert n <= MAX_POINTS
        assert p["step"] == "60"
    assert float(sent[0]["start"]) == T0
    assert float(max(sent, key=lambda p: float(p["end"]))["end"]) == T0 + 60 * (points - 1)


def test_window_end_is_exclusive() -> None:
    fake = FakePrometheus(grid_answer)
    result = one(fake, START + timedelta(minutes=3))
    assert isinstance(result, Samples)
    assert result.timestamps.tolist() == [T0, T0 + 60, T0 + 120]
    assert fake.params()[0]["end"] == str(int(T0 + 120))


def test_overlapping_chunk_edges_from_the_server_are_deduplicated() -> None:
    def overlapping(request: httpx.Request) -> httpx.Response:
        start = float(request.url.params["start"])
        end = float(request.url.params["end"])
        points = np.arange(start - 60, end + 61, 60)  # one extra point on both sides
        return matrix(({}, ((t, str(t)) for t in points)))

    fake = FakePrometheus(overlapping)
    result = one(fake, START + (MAX_POINTS + 5) * STEP)
    assert isinstance(result, Samples)
    np.testing.assert_array_equal(result.timestamps, T0 + 60.0 * np.arange(MAX_POINTS + 5))


def test_empty_result_is_no_data_with_the_window() -> None:
    fake = FakePrometheus(matrix())
    assert one(fake, START + timedelta(days=1)) == NoData(
        "no series matched between 2026-11-02T00:00:00Z and 2026-11-03T00:00:00Z at "
        "http://prom.example:9090")


def test_several_series_are_an_error_naming_the_query_and_the_series() -> None:
    fake = FakePrometheus(matrix(
        ({"instance": "a:80"}, [(T0, "1")]), ({"instance": "b:80"}, [(T0, "2")]),
        ({"instance": "c:80"}, [(T0, "3")]), ({"instance": "d:80"}, [(T0, "4")])))
    result = one(fake, START + STEP)
    assert result == QueryFailed(
        "100 * avg(cpu)",
        'returned 4 series where one was expected ({instance="a:80"}, {instance="b:80"}, '
        '{instance="c:80"} and 1 more); aggregate it to one series in PromQL: sum(...) for '
        "a total, max(...) for a per-pod or per-instance limit (memory, restarts), avg(...) for "
        "a typical value")


def test_series_that_change_labels_between_chunks_are_several_series() -> None:
    def by_chunk(request: httpx.Request) -> httpx.Response:
        first = float(request.url.params["start"]) == T0
        return matrix(({"pod": "old" if first else "new"}, [(float(request.url.params["start"]),
                                                              "1")]))

    result = one(FakePrometheus(by_chunk), START + (MAX_POINTS + 1) * STEP)
    assert isinstance(result, QueryFailed)
    assert result.message.startswith('returned 2 series where one was expected ({pod="old"}, '
                                     '{pod="new"})')


def test_nan_and_infinities_are_kept_as_floats() -> None:
    points = [(T0, "1.5"), (T0 + 60, "NaN"), (T0 + 120, "+Inf"), (T0 + 180, "-Inf"),
              (T0 + 240, "2e-3")]
    result = one(FakePrometheus(matrix(({"job": "x"}, points))), START + 5 * STEP)
    assert isinstance(result, Samples)
    assert result.labels == {"job": "x"}
    v = result.values.tolist()
    assert v[0] == 1.5 and math.isnan(v[1]) and v[2] == math.inf and v[3] == -math.inf
    assert v[4] == 0.002


def test_a_value_that_is_not_a_number_is_a_query_failure() -> None:
    result = one(FakePrometheus(matrix(({}, [(T0, "lots")]))), START + STEP)
    assert result == QueryFailed("100 * avg(cpu)",
                                 "unexpected answer: sample value 'lots' is not a number")


def test_a_vector_where_a_matrix_belongs_is_a_query_failure() -> None:
    answer = httpx.Response(200, json={"status": "success",
                                       "data": {"resultType": "vector", "result": []}})
    result = one(FakePrometheus(answer), START + STEP)
    assert result == QueryFailed("100 * avg(cpu)", "unexpected answer: expected a matrix "
                                                   "result, got resultType 'vector'")


def test_native_histograms_are_refused_with_advice() -> None:
    answer = httpx.Response(200, json={"status": "success", "data": {
        "resultType": "matrix", "result": [{"metric": {}, "histograms": [[T0, {}]]}]}})
    result = one(FakePrometheus(answer), START + STEP)
    assert isinstance(result, QueryFailed)
    assert "native histogram samples are not supported" in result.message


def test_a_failed_chunk_fails_the_query_but_not_the_others() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.params["query"] == "bad(":
            return httpx.Response(400, json={"status": "error", "errorType": "bad_data",
                                             "error": "parse error"})
        return grid_answer(request)

    source = FakePrometheus(answer).source()
    results = source.range_query([Q, Query("broken", "bad(")], START, START + 3 * STEP, STEP)
    assert results["broken"] == QueryFailed("bad(", "bad_data: parse error")
    assert isinstance(results["cpu_percent"], Samples)


def test_concurrency_is_bounded_and_used() -> None:
    fake = FakePrometheus(grid_answer, delay=0.05)
    source = fake.source(concurrency=2)
    queries = [Query(f"q{i}", f"q{i}") for i in range(6)]
    results = source.range_query(queries, START, START + 2 * STEP, STEP)
    assert all(isinstance(r, Samples) for r in results.values())
    assert fake.most_in_flight == 2
    assert len(fake.requests) == 6


def test_empty_window_asks_nothing() -> None:
    fake = FakePrometheus()
    assert one(fake, START) == NoData("empty window 2026-11-02T00:00:00Z to "
                                      "2026-11-02T00:00:00Z")
    assert fake.requests == []


def test_instant_query_and_check() -> None:
    answer = httpx.Response(200, json={"status": "success", "data": {
        "resultType": "vector", "result": [{"metric": {}, "value": [T0, "1"]}]}})
    fake = FakePrometheus(answer)
    source = fake.source()
    result = source.instant_query(Query("one", "vector(1)"), START)
    assert isinstance(result, Samples) and result.values.tolist() == [1.0]
    source.check(START)
    assert fake.requests[-1].url.path == "/api/v1/query"
    assert fake.params()[-1] == {"query": "vector(1)", "time": str(int(T0))}


def test_same_results_as_the_replay_source_for_the_same_window() -> None:
    """Both sources see [start, end) the same way, so a recording replays identically."""
    from tars_ci.sources.prometheus.recording import record

    fake = FakePrometheus(grid_answer)
    source = fake.source()
    end = START + timedelta(hours=2)
    rec = record(source, [Q], START, end, STEP)
    replay = ReplaySource(rec.series)
    window = (START + timedelta(minutes=30), START + timedelta(minutes=90))
    live = source.range_query([Q], *window, STEP)[Q.name]
    again = replay.range_query([Q], *window, STEP)[Q.name]
    assert isinstance(live, Samples) and isinstance(again, Samples)
    np.testing.assert_array_equal(live.timestamps, again.timestamps)
    np.testing.assert_array_equal(live.values, again.values)


def test_constructor_takes_settings_only_by_default() -> None:
    from tars_ci.sources import open_source
    from tars_ci.sources.prometheus import PrometheusSource

    source = open_source(SourceSpec(url="http://127.0.0.1:9"), spec_dir=__import__("pathlib")
                         .Path("."))
    assert isinstance(source, PrometheusSource)
    source.close()
