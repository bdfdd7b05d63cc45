"""The Prometheus source when the server misbehaves (httpx.MockTransport, no sockets)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tars_ci.errors import SourceUnavailable
from tars_ci.sources.interface import Query, QueryFailed, Samples
from tars_ci.sources.prometheus import PrometheusSource
from tars_ci.spec.model import Auth, Header, Secret
from tests.sources.fake_prometheus import (
    URL,
    FakePrometheus,
    error,
    grid_answer,
    settings,
)

START = datetime(2026, 11, 2, tzinfo=timezone.utc)
END = START + timedelta(minutes=10)
STEP = timedelta(seconds=60)
Q = Query("availability", "100 * up")


def run(fake: FakePrometheus, sleeps: list[float] | None = None, **overrides: object) -> object:
    source = fake.source(sleeps, **overrides)
    try:
        return source.range_query([Q], START, END, STEP)[Q.name]
    finally:
        source.close()


def test_timeout_is_retried_with_backoff_then_answers() -> None:
    fake = FakePrometheus(httpx.ReadTimeout("slow"), httpx.ReadTimeout("slow"), grid_answer)
    sleeps: list[float] = []
    result = run(fake, sleeps)
    assert isinstance(result, Samples) and len(result.values) == 10
    assert sleeps == [0.5, 1.0]
    assert len(fake.requests) == 3


def test_timeouts_exhaust_retries_into_source_unavailable_naming_the_url() -> None:
    fake = FakePrometheus(httpx.ReadTimeout("slow"))
    sleeps: list[float] = []
    with pytest.raises(SourceUnavailable) as info:
        run(fake, sleeps, timeout=timedelta(seconds=7))
    assert info.value.url == URL
    assert str(info.value) == (f"metrics source {URL} is unavailable: no answer within 7s "
                               "(gave up after 4 attempts)")
    assert sleeps == [0.5, 1.0, 2.0]
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)


def test_connect_error_is_translated_once_with_its_cause() -> None:
    fake = FakePrometheus(httpx.ConnectError("[Errno 111] Connection refused"))
    with pytest.raises(SourceUnavailable) as info:
        run(fake, retries=1)
    assert info.value.reason == ("cannot connect ([Errno 111] Connection refused) "
                                 "(gave up after 2 attempts)")
    assert isinstance(info.value.__cause__, httpx.ConnectError)


def test_500_is_retried_then_answers() -> None:
    fake = FakePrometheus(error(500, "internal", "boom"), grid_answer)
    sleeps: list[float] = []
    assert isinstance(run(fake, sleeps), Samples)
    assert sleeps == [0.5]


def test_persistent_500_carries_prometheus_message() -> None:
    fake = FakePrometheus(error(503, "unavailable", "TSDB not ready"))
    with pytest.raises(SourceUnavailable) as info:
        run(fake, retries=2)
    assert info.value.reason == "HTTP 503: TSDB not ready (gave up after 3 attempts)"
    assert len(fake.requests) == 3


def test_429_honours_retry_after_seconds() -> None:
    limited = httpx.Response(429, headers={"Retry-After": "7"}, text="slow down")
    fake = FakePrometheus(limited, grid_answer)
    sleeps: list[float] = []
    assert isinstance(run(fake, sleeps), Samples)
    assert sleeps == [7.0]


def test_429_honours_retry_after_http_date_against_the_injected_clock() -> None:
    limited = httpx.Response(429, headers={"Retry-After": "Wed, 02 Dec 2026 00:00:12 GMT"})
    fake = FakePrometheus(limited, grid_answer)
    sleeps: list[float] = []
    source = PrometheusSource(settings(), transport=httpx.MockTransport(fake),
                              sleep=sleeps.append,
                              clock=lambda: datetime(2026, 12, 2, tzinfo=timezone.utc))
    assert isinstance(source.range_query([Q], START, END, STEP)[Q.name], Samples)
    assert sleeps == [12.0]


def test_retry_after_shorter_than_backoff_keeps_the_backoff() -> None:
    fake = FakePrometheus(httpx.Response(429, headers={"Retry-After": "0"}), grid_answer)
    sleeps: list[float] = []
    run(fake, sleeps)
    assert sleeps == [0.5]


def test_retry_after_beyond_a_minute_gives_up_at_once() -> None:
    fake = FakePrometheus(httpx.Response(429, headers={"Retry-After": "3600"},
                                         json={"status": "error", "error": "rate limited"}))
    sleeps: list[float] = []
    with pytest.raises(SourceUnavailable, match="asks to retry after 3600s"):
        run(fake, sleeps)
    assert sleeps == [] and len(fake.requests) == 1


def test_malformed_json_is_source_unavailable_without_retry() -> None:
    fake = FakePrometheus(httpx.Response(200, headers={"Content-Type": "application/json"},
                                         content=b'{"status": "success", "data": {'))
    with pytest.raises(SourceUnavailable, match="malformed JSON") as info:
        run(fake)
    assert len(fake.requests) == 1
    assert isinstance(info.value.__cause__, ValueError)


HTML = ("<!DOCTYPE html><html><head><title>Sign in - Corp SSO</title></head>"
        "<body>login</body></html>")


def test_html_page_instead_of_the_api_names_the_page() -> None:
    fake = FakePrometheus(httpx.Response(200, headers={"Content-Type": "text/html"}, text=HTML))
    with pytest.raises(SourceUnavailable) as info:
        run(fake)
    assert "HTML page ('Sign in - Corp SSO')" in info.value.reason
    assert "not the Prometheus API" in info.value.reason


def test_html_502_from_a_proxy_is_retried_then_reported() -> None:
    page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    fake = FakePrometheus(httpx.Response(502, headers={"Content-Type": "text/html"}, text=page))
    with pytest.raises(SourceUnavailable) as info:
        run(fake, retries=1)
    assert info.value.reason == "HTTP 502: 502 Bad Gateway (gave up after 2 attempts)"


def test_promql_error_is_a_query_failure_not_an_exception() -> None:
    fake = FakePrometheus(error(400, "bad_data",
                                'invalid parameter "query": 1:5: parse error: unexpected'))
    result = run(fake)
    assert result == QueryFailed("100 * up", 'bad_data: invalid parameter "query": 1:5: '
                                             "parse error: unexpected")
    assert len(fake.requests) == 1


def test_execution_error_422_is_a_query_failure() -> None:
    fake = FakePrometheus(error(422, "execution", "found duplicate series for the match group"))
    assert run(fake) == QueryFailed("100 * up", "execution: found duplicate series for the "
                                                "match group")


def test_other_4xx_without_api_json_is_a_query_failure_with_the_page_title() -> None:
    page = "<html><head><title>413 Request Entity Too Large</title></head></html>"
    fake = FakePrometheus(httpx.Response(413, text=page))
    assert run(fake) == QueryFailed("100 * up", "HTTP 413: 413 Request Entity Too Large")


def test_401_stops_the_run_and_never_shows_the_token(logs: pytest.LogCaptureFixture) -> None:
    fake = FakePrometheus(error(500, "internal", "boom"),
                          httpx.Response(401, text="unauthorized"))
    auth = Auth(type="bearer", token=Secret("s3cr3t-token"))
    with pytest.raises(SourceUnavailable) as info:
        run(fake, auth=auth)
    assert info.value.reason == "HTTP 401 Unauthorized: unauthorized (check source.auth)"
    assert fake.requests[0].headers["Authorization"] == "Bearer s3cr3t-token"
    assert "retry 1/3" in logs.text  # the 500 was logged …
    assert "s3cr3t" not in str(info.value) and "s3cr3t" not in logs.text  # … without it


def test_404_points_at_the_url() -> None:
    fake = FakePrometheus(httpx.Response(404, text="404 page not found"))
    with pytest.raises(SourceUnavailable, match=r"HTTP 404 Not Found: 404 page not found "
                                                r"\(check source.url"):
        run(fake)


def test_a_redirect_to_a_login_page_is_not_followed() -> None:
    fake = FakePrometheus(httpx.Response(
        302, headers={"Location": "https://sso.example/login?token=abc#x"}))
    with pytest.raises(SourceUnavailable) as info:
        run(fake)
    assert info.value.reason == ("HTTP 302 redirects to https://sso.example/login: is "
                                 "source.url the Prometheus base URL, or is a login page in "
                                 "the way?")
    assert len(fake.requests) == 1


def test_basic_auth_and_extra_headers_are_sent() -> None:
    fake = FakePrometheus()
    run(fake, auth=Auth(type="basic", username="ci", password=Secret("pw")),
        headers=(Header("X-Scope-OrgID", Secret("tenant-1")),))
    headers = fake.requests[0].headers
    assert headers["Authorization"] == "Basic Y2k6cHc="  # base64("ci:pw")
    assert headers["X-Scope-OrgID"] == "tenant-1"
    assert headers["User-Agent"].startswith("tars-ci/")


def test_userinfo_in_the_url_never_reaches_messages_or_logs(
        logs: pytest.LogCaptureFixture) -> None:
    fake = FakePrometheus(error(500, "internal", "boom"))
    with pytest.raises(SourceUnavailable) as info:
        run(fake, url="http://ci:hunter2@prom.example:9090/prometheus/", retries=1)
    assert info.value.url == "http://prom.example:9090/prometheus"
    assert "hunter2" not in str(info.value) and "hunter2" not in logs.text
    assert "retry 1/1 in 0.5s" in logs.text
    assert fake.requests[0].url.path == "/prometheus/api/v1/query_range"


def test_missing_ca_file_is_reported_at_construction() -> None:
    with pytest.raises(SourceUnavailable, match="cannot load ca_file /nonexistent/ca.pem"):
        PrometheusSource(settings(ca_file="/nonexistent/ca.pem"))


def test_tls_verification_can_be_turned_off() -> None:
    source = PrometheusSource(settings(url="https://prom.example", tls_verify=False))
    source.close()


def test_one_unreachable_chunk_fails_the_whole_call() -> None:
    def flaky(request: httpx.Request) -> httpx.Response:
        if "error_rate" in request.url.params["query"]:
            raise httpx.ConnectError("refused")
        return grid_answer(request)

    fake = FakePrometheus(flaky)
    source = fake.source(retries=0)
    with pytest.raises(SourceUnavailable):
        source.range_query([Q, Query("error_rate", "error_rate"), Query("x", "x")],
                           START, END, STEP)
