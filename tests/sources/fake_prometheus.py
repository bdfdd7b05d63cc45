"""A scripted Prometheus HTTP API for unit tests (an ``httpx.MockTransport`` handler)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

import httpx

from tars_ci.sources.prometheus import PrometheusSource
from tars_ci.spec.model import SourceSpec

URL = "http://prom.example:9090"

Respond = Callable[[httpx.Request], httpx.Response]


def settings(**overrides: Any) -> SourceSpec:
    """Source settings pointing at the fake server."""
    values: dict[str, Any] = {"url": URL, "step": timedelta(seconds=60)}
    values.update(overrides)
    return SourceSpec(**values)


def matrix(*series: tuple[dict[str, str], Iterable[tuple[float, str]]]) -> httpx.Response:
    """A successful range-query answer."""
    result = [{"metric": labels, "values": [[t, v] for t, v in points]}
              for labels, points in series]
    return httpx.Response(200, json={"status": "success",
                                     "data": {"resultType": "matrix", "result": result}})


def error(status: int, kind: str, message: str) -> httpx.Response:
    """A Prometheus API error answer."""
    return httpx.Response(status, json={"status": "error", "errorType": kind, "error": message})


def grid_answer(request: httpx.Request) -> httpx.Response:
    """One unlabelled series, value = minutes since the epoch, over the requested range."""
    start = float(request.url.params["start"])
    end = float(request.url.params["end"])
    step = float(request.url.params["step"])
    n = round((end - start) / step) + 1
    return matrix(({}, ((start + i * step, repr((start + i * step) / 60)) for i in range(n))))


class FakePrometheus:
    """Answers with ``script`` in turn (the last entry repeats); records every request."""

    def __init__(self, *script: Respond | httpx.Response | Exception, delay: float = 0.0) -> None:
        self.script = list(script) or [grid_answer]
        self.requests: list[httpx.Request] = []
        self.delay = delay
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            step = self.script[min(len(self.requests), len(self.script) - 1)]
            self.requests.append(request)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            if isinstance(step, Exception):
                raise step
            if isinstance(step, httpx.Response):
                return httpx.Response(step.status_code, headers=step.headers,
                                      content=step.content)
            return step(request)
        finally:
            with self._lock:
                self.in_flight -= 1

    def source(self, sleeps: list[float] | None = None, **overrides: Any) -> PrometheusSource:
        """A PrometheusSource wired to this fake; ``sleeps`` collects the backoff waits."""
        record = sleeps if sleeps is not None else []
        return PrometheusSource(settings(**overrides), transport=httpx.MockTransport(self),
                                sleep=record.append)

    def params(self) -> list[dict[str, str]]:
        """Query parameters of every request, in order."""
        return [dict(r.url.params) for r in self.requests]

