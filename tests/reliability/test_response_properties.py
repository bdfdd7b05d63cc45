"""Property-based tests: whatever Prometheus (or whatever answers in its place) sends back —
any status, content type, headers or body — a query ends in a typed result (Samples, NoData,
QueryFailed) or SourceUnavailable; never another exception, never a malformed result.

Through the real client stack: PrometheusSource → httpx → httpx.MockTransport (no sockets).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tars_ci.errors import SourceError
from tars_ci.sources.interface import NoData, Query, QueryFailed, Samples
from tars_ci.sources.prometheus import PrometheusSource
from tars_ci.spec.model import SourceSpec

PROPERTY = settings(max_examples=500, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
START = datetime(2026, 11, 2, tzinfo=timezone.utc)
END = START + timedelta(minutes=10)
STEP = timedelta(seconds=60)
Q = Query("kpi", "sum(rate(x[5m]))")
T0 = START.timestamp()

# --------------------------------------------------------------------------- strategies

NUMBERS = st.one_of(st.integers(), st.integers(min_value=10**300, max_value=10**400),
                    st.integers(max_value=-10**300, min_value=-10**400),
                    st.floats(allow_nan=False, allow_infinity=False))
JSON_SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, st.text(max_size=20))
JSON = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20)
SAMPLE_VALUES = st.one_of(st.sampled_from(["1", "0.5", "-2e3", "NaN", "+Inf", "-Inf", "Inf",
                                           "nan", "1e999", "", " 1", "0x10", "1_000"]),
                          JSON_SCALARS)
TIMESTAMPS = st.one_of(st.integers(-5, 15).map(lambda k: T0 + 60 * k),
                       st.sampled_from([T0, T0 + 0.5, float("nan"), 1e308,
                                        "1", str(T0), True]),
                       NUMBERS, JSON_SCALARS)
POINTS = st.lists(st.one_of(st.tuples(TIMESTAMPS, SAMPLE_VALUES).map(list),
                            st.lists(JSON_SCALARS, max_size=3), JSON_SCALARS), max_size=12)
LABELS = st.one_of(st.dictionaries(st.text(max_size=6), JSON_SCALARS, max_size=3), JSON)
SERIES = st.fixed_dictionaries({"metric": LABELS, "values": POINTS},
                               optional={"histograms": JSON, "value": JSON})
NEAR_VALID = st.fixed_dictionaries(
    {"status": st.sampled_from(["success", "error", "partial", 1, None])},
    optional={"data": st.one_of(st.fixed_dictionaries(
        {"resultType": st.sampled_from(["matrix", "vector", "scalar", "string", None, 3])},
        optional={"result": st.one_of(st.lists(SERIES, max_size=3), JSON)}), JSON),
        "warnings": st.one_of(st.lists(st.text(max_size=10), max_size=2), JSON),
        "errorType": JSON, "error": JSON})
STATUS = st.one_of(st.sampled_from([200, 204, 301, 302, 400, 401, 403, 404, 405, 407, 422,
                                    429, 500, 502, 503, 504]), st.integers(200, 599))
CONTENT_TYPES = st.sampled_from(["application/json", "application/json; charset=utf-8",
                                 "text/html", "text/plain", "application/octet-stream", ""])
RETRY_AFTER = st.one_of(st.none(), st.sampled_from(["0", "1", "61", "1e3", "-1", "soon",
                                                    "Wed, 21 Oct 2015 07:28:00 GMT",
                                                    "Fri, 31 Dec 9999 23:59:59 GMT", "9" * 400,
                                                    "0.5", " 2 "]), st.text(max_size=30))


def answer(status: int, content_type: str, body: bytes,
           retry_after: str | None) -> httpx.Response:
    headers: list[tuple[bytes, bytes]] = []
    if content_type:
        headers.append((b"Content-Type", content_type.encode()))
    if retry_after is not None:  # any bytes a server may send (header values are latin-1)
        headers.append((b"Retry-After", retry_after.encode("utf-8")))
    if 300 <= status < 400:
        headers.append((b"Location", b"http://sso.example/login?next=%2F"))
    return httpx.Response(status, headers=headers, content=body)


def source(responses: list[httpx.Response]) -> PrometheusSource:
    """A source whose every request gets the next response (the last one repeats)."""
    served: list[int] = []

    def handle(request: httpx.Request) -> httpx.Response:
        served.append(1)
        r = responses[min(len(served), len(responses)) - 1]
        return httpx.Response(r.status_code, headers=r.headers, content=r.content)

    # tls_verify off: building the default TLS context costs ~30 ms per source; http anyway
    settings_ = SourceSpec(url="http://prom.example:9090", step=STEP, retries=2,
                           tls_verify=False)
    return PrometheusSource(settings_, transport=httpx.MockTransport(handle),
                            sleep=lambda s: None,
                            clock=lambda: datetime(2026, 11, 22, tzinfo=timezone.utc))


def check_range(responses: list[httpx.Response]) -> None:
    """The range query ends in valid typed results or a SourceError; nothing else."""
    src = source(responses)
    try:
        results = src.range_query([Q], START, END, STEP)
    except SourceError as exc:
        assert str(exc).startswith("metrics source http://prom.example:9090 is unavailable: ")
        return
    finally:
        src.close()
    assert list(results) == [Q.name]
    result = results[Q.name]
    assert isinstance(result, (Samples, NoData, QueryFailed))
    if isinstance(result, Samples):
        ts, vs = np.asarray(result.timestamps), np.asarray(result.values)
        assert ts.dtype == np.float64 and vs.dtype == np.float64
        assert ts.shape == vs.shape and ts.size >= 1
        assert np.all(ts >= START.timestamp()) and np.all(ts < END.timestamp())
        assert np.all(np.diff(ts) > 0)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in result.labels.items())
    elif isinstance(result, NoData):
        assert result.reason
    else:
        assert result.message and result.query == Q.promql


def dump(data: Any) -> bytes:
    return json.dumps(data, allow_nan=True).encode()


# --------------------------------------------------------------------------- properties


@PROPERTY
@given(STATUS, CONTENT_TYPES, JSON, RETRY_AFTER)
def test_any_json_body_with_any_status(status: int, content_type: str, body: Any,
                                       retry_after: str | None) -> None:
    check_range([answer(status, content_type, dump(body), retry_after)])


@PROPERTY
@given(STATUS, CONTENT_TYPES, NEAR_VALID, RETRY_AFTER)
def test_bodies_shaped_like_the_api(status: int, content_type: str, body: Any,
                                    retry_after: str | None) -> None:
    check_range([answer(status, content_type, dump(body), retry_after)])


@PROPERTY
@given(STATUS, CONTENT_TYPES, st.binary(max_size=200), RETRY_AFTER)
def test_any_bytes(status: int, content_type: str, body: bytes,
                   retry_after: str | None) -> None:
    check_range([answer(status, content_type, body, retry_after)])


@PROPERTY
@given(st.lists(st.tuples(STATUS, CONTENT_TYPES, NEAR_VALID, RETRY_AFTER), min_size=1,
                max_size=3))
def test_a_sequence_of_answers_across_retries(
        script: list[tuple[int, str, Any, str | None]]) -> None:
    check_range([answer(s, c, dump(b), r) for s, c, b, r in script])


@PROPERTY
@given(STATUS, CONTENT_TYPES, st.one_of(NEAR_VALID, JSON), RETRY_AFTER)
def test_instant_queries_and_the_check(status: int, content_type: str, body: Any,
                                       retry_after: str | None) -> None:
    src = source([answer(status, content_type, dump(body), retry_after)])
    try:
        result = src.instant_query(Q, START)
        assert isinstance(result, (Samples, NoData, QueryFailed))
        src.check(START)
    except SourceError as exc:
        assert "is unavailable: " in str(exc)
    finally:
        src.close()


@PROPERTY
@given(st.lists(SERIES, max_size=3), st.one_of(st.none(), JSON))
def test_matrix_results_of_any_shape(result: list[Any], warnings: Any) -> None:
    """A well-formed envelope around any series: the parsing itself is exercised."""
    body: dict[str, Any] = {"status": "success",
                            "data": {"resultType": "matrix", "result": result}}
    if warnings is not None:
        body["warnings"] = warnings
    check_range([answer(200, "application/json", dump(body), None)])


def range_answer(body: dict[str, Any]) -> Any:
    src = source([answer(200, "application/json", dump(body), None)])
    try:
        return src.range_query([Q], START, END, STEP)[Q.name]
    finally:
        src.close()


def matrix(points: list[Any]) -> dict[str, Any]:
    return {"status": "success", "data": {"resultType": "matrix",
                                          "result": [{"metric": {}, "values": points}]}}


def test_a_timestamp_that_is_not_a_number_is_a_query_failure() -> None:
    result = range_answer(matrix([["abc", "1"]]))
    assert isinstance(result, QueryFailed) and "unexpected answer" in result.message


def test_a_timestamp_beyond_float_is_a_query_failure() -> None:
    result = range_answer(matrix([[10**400, "1"]]))
    assert isinstance(result, QueryFailed) and "unexpected answer" in result.message


def test_warnings_that_are_not_a_list_are_ignored() -> None:
    body = matrix([[START.timestamp(), "1"]])
    body["warnings"] = True
    result = range_answer(body)
    assert isinstance(result, Samples) and list(result.values) == [1.0]
