"""One POST with bounded retries: httpx.MockTransport for the decisions, a real receiver on
127.0.0.1 for the faults (timeouts, 429 with Retry-After, 500/502/503, a reset connection)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tars_ci.publishers.notify.sender import Delivery, Policy, Sender, redactor_for, url_problem
from tests.harness.receiver import Receiver

URL = "https://hooks.slack.com/services/T000/B000/abcdefSECRET123"
REDACT = redactor_for([URL])
DEFAULT = Policy(retries=2, backoff=1.0)
QUICK = Policy(timeout=0.5, retries=2, backoff=0.01)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def sender(answers: list[httpx.Response | Exception]) -> tuple[Sender, Sleeps, list[int]]:
    calls: list[int] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    sleeps = Sleeps()
    return Sender(httpx.Client(transport=httpx.MockTransport(handle)), REDACT, sleeps), \
        sleeps, calls


def post(s: Sender, policy: Policy = DEFAULT) -> Delivery:
    return s.post(URL, b"{}", {"Content-Type": "application/json"}, policy)


def test_429_waits_its_retry_after_then_succeeds() -> None:
    s, sleeps, _ = sender([httpx.Response(429, headers={"Retry-After": "7"}),
                               httpx.Response(200, text="ok")])
    got = post(s)
    assert got.ok and got.attempts == 2 and sleeps == [7.0]


def test_a_retry_after_over_the_cap_leaves_it_for_the_next_run() -> None:
    s, sleeps, calls = sender([httpx.Response(429, headers={"Retry-After": "3600"})])
    got = post(s, Policy(retries=2, max_retry_after=60.0))
    assert not got.ok and len(calls) == 1 and sleeps == []
    assert "Retry-After 3600 s is over the 60 s cap" in got.detail


def test_5xx_and_timeouts_are_retried_with_a_doubling_backoff() -> None:
    s, sleeps, calls = sender([httpx.Response(503), httpx.ReadTimeout("slow"),
                               httpx.Response(200)])
    assert post(s).ok and sleeps == [1.0, 2.0] and len(calls) == 3


def test_retries_are_bounded() -> None:
    s, _, calls = sender([httpx.Response(500), httpx.Response(502),
                               httpx.Response(503, text="upstream gone")])
    got = post(s)
    assert not got.ok and len(calls) == 3
    assert got.detail == "HTTP 503: upstream gone after 3 attempts"


@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_a_refusal_is_not_retried(status: int) -> None:
    s, sleeps, calls = sender([httpx.Response(status, text="no_service")])
    got = post(s)
    assert not got.ok and len(calls) == 1 and sleeps == []
    assert got.detail == f"HTTP {status}: no_service (not retried)"


def test_the_url_never_reaches_a_message() -> None:
    error = httpx.ConnectError(f"cannot connect to {URL}")
    s, _, _ = sender([error, error, httpx.Response(500, text=f"bad hook {URL}?x=1")])
    got = post(s)
    assert not got.ok
    assert "SECRET" not in got.detail and "abcdef" not in got.detail
    assert "***" in got.detail


def test_url_problems_never_repeat_the_url() -> None:
    assert url_problem(URL) == ""
    assert url_problem("http://127.0.0.1:8080/hook") == ""
    assert "plain http" in url_problem("http://hooks.example.com/SECRET")
    assert "SECRET" not in url_problem("ftp://hooks.example.com/SECRET")


# --------------------------------------------------------------------------- real sockets


@pytest.fixture
def rx() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


class Real:
    """A sender on a real client, posting to the receiver."""

    def __init__(self, rx: Receiver) -> None:
        self.rx, self.client, self.sleeps = rx, httpx.Client(), Sleeps()

    def __call__(self, path: str,
                 policy: Policy = QUICK) -> Delivery:
        s = Sender(self.client, redactor_for([self.rx.url(path)]), self.sleeps)
        return s.post(self.rx.url(path), b'{"n": 1}', {"Content-Type": "application/json"},
                      policy)


@pytest.fixture
def real(rx: Receiver) -> Iterator[Real]:
    sender = Real(rx)
    yield sender
    sender.client.close()


def test_real_faults_then_delivery(rx: Receiver, real: Real) -> None:
    rx.fail("/a", 500, "reset", 503)  # three failures, then the third retry lands
    got = real("/a", Policy(timeout=2.0, retries=3, backoff=0.01))
    assert got.ok and got.attempts == 4
    assert len(rx.attempts) == 4 and len(rx.received) == 1


def test_real_429_with_retry_after(rx: Receiver, real: Real) -> None:
    rx.fail("/b", ("status", 429, {"Retry-After": "1"}))
    got = real("/b")
    assert got.ok and real.sleeps == [1.0]


def test_real_timeout_gives_up_after_the_retries(rx: Receiver, real: Real) -> None:
    rx.fail("/c", ("sleep", 1.0), ("sleep", 1.0), ("sleep", 1.0))
    got = real("/c", Policy(timeout=0.2, retries=2, backoff=0.01))
    assert not got.ok and got.detail == "timed out after 3 attempts"
    # the receiver got all three: a lost 2xx is why a receiver may see a message twice
    assert len(rx.attempts) == 3


def test_real_502_every_time(rx: Receiver, real: Real) -> None:
    rx.fail("/d", 502, 502, 502)
    got = real("/d")
    assert not got.ok and got.detail.startswith("HTTP 502")
    assert "/d" not in got.detail
