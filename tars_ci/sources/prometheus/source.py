"""PrometheusSource: range queries over the Prometheus HTTP API, chunked and in parallel.

A window ``[start, end)`` at ``step`` is the grid ``start + k·step``; Prometheus'
``query_range`` includes both of its ends, so each request asks for ``[first, last]`` of a
run of at most :data:`MAX_POINTS` grid points (Prometheus refuses more than 11,000 points per
series). The runs tile the grid exactly, so stitching them gives every point once.
At most ``settings.concurrency`` requests are in flight; any request that ends in
SourceUnavailable stops the whole call (nothing partial is returned).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

import httpx

from tars_ci.errors import SourceUnavailable
from tars_ci.sources.interface import (
    NoData,
    Query,
    QueryFailed,
    QueryResult,
    window_grid,
)
from tars_ci.sources.prometheus.client import ApiClient, Clock, Sleep, utc_now
from tars_ci.sources.prometheus.results import (
    Malformed,
    Series,
    parse_instant,
    parse_matrix,
    stitch,
)
from tars_ci.spec.model import SourceSpec

MAX_POINTS = 11_000


class Chunk(NamedTuple):
    """One request's share of the grid: points ``first, first + step, …, last``."""

    first: float
    last: float
    points: int


def plan_chunks(start: float, points: int, step: float,
                max_points: int = MAX_POINTS) -> list[Chunk]:
    """Split ``points`` grid points from ``start`` into runs of at most ``max_points``."""
    out = []
    for i in range(0, points, max_points):
        n = min(max_points, points - i)
        out.append(Chunk(start + i * step, start + (i + n - 1) * step, n))
    return out


class PrometheusSource:
    """A :class:`tars_ci.sources.interface.Source` over the Prometheus HTTP API."""

    def __init__(self, settings: SourceSpec, *, transport: httpx.BaseTransport | None = None,
                 sleep: Sleep = time.sleep, clock: Clock = utc_now) -> None:
        self._api = ApiClient(settings, transport=transport, sleep=sleep, clock=clock)
        self._concurrency = settings.concurrency
        self.url = self._api.url

    def range_query(self, queries: Sequence[Query], start: datetime, end: datetime,
                    step: timedelta) -> dict[str, QueryResult]:
        """Every query over ``[start, end)`` at ``step``; SourceUnavailable stops all."""
        grid = window_grid(start, end, step)
        if len(grid) == 0:
            return {q.name: NoData(f"empty window {_iso(start)} to {_iso(end)}")
                    for q in queries}
        chunks = plan_chunks(float(grid[0]), len(grid), step.total_seconds())
        jobs = [(q, c) for q in queries for c in chunks]
        answers = self._run(jobs, step.total_seconds())
        out: dict[str, QueryResult] = {}
        for q in queries:
            parts = [answers[(q.name, c)] for c in chunks]
            failed = next((p for p in parts if isinstance(p, QueryFailed)), None)
            if failed is not None:
                out[q.name] = failed
                continue
            series = [p for p in parts if isinstance(p, list)]
            out[q.name] = stitch(q.promql, series, start.timestamp(), end.timestamp(),
                                 f"no series matched between {_iso(start)} and {_iso(end)} "
                                 f"at {self.url}")
        return out

    def instant_query(self, query: Query, at: datetime) -> QueryResult:
        """``query`` at one instant (one sample; SourceUnavailable when unreachable)."""
        answer = self._api.get("/api/v1/query", {"query": query.promql,
                                                 "time": _param(at.timestamp())})
        if answer.error is not None:
            return QueryFailed(query.promql, answer.error)
        try:
            series = parse_instant(answer.data)
        except Malformed as exc:
            return QueryFailed(query.promql, f"unexpected answer: {exc}")
        return stitch(query.promql, [series], at.timestamp(), at.timestamp() + 1e-3,
                      f"no series matched at {_iso(at)} at {self.url}")

    def check(self, at: datetime | None = None) -> None:
        """SourceUnavailable unless the API answers a trivial query."""
        result = self.instant_query(Query("check", "vector(1)"), at or self._api.clock())
        if isinstance(result, QueryFailed):
            raise SourceUnavailable(self.url, f"the API refused vector(1): {result.message}")

    def close(self) -> None:
        """Release connections."""
        self._api.close()

    def _run(self, jobs: list[tuple[Query, Chunk]],
             step: float) -> dict[tuple[str, Chunk], list[Series] | QueryFailed]:
        answers: dict[tuple[str, Chunk], list[Series] | QueryFailed] = {}
        if not jobs:
            return answers
        pool = ThreadPoolExecutor(max_workers=min(self._concurrency, len(jobs)),
                                  thread_name_prefix="prometheus")
        try:
            futures: dict[Future[list[Series] | QueryFailed], tuple[str, Chunk]] = {
                pool.submit(self._range_chunk, q, c, step): (q.name, c) for q, c in jobs}
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            for future in done:
                error = future.exception()
                if error is not None:
                    raise error
            for future, key in futures.items():
                answers[key] = future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return answers

    def _range_chunk(self, query: Query, chunk: Chunk, step: float) -> list[Series] | QueryFailed:
        answer = self._api.get("/api/v1/query_range", {
            "query": query.promql, "start": _param(chunk.first), "end": _param(chunk.last),
            "step": _param(step)})
        if answer.error is not None:
            return QueryFailed(query.promql, answer.error)
        try:
            return parse_matrix(answer.data)
        except Malformed as exc:
            return QueryFailed(query.promql, f"unexpected answer: {exc}")


def _param(seconds: float) -> str:
    """Unix seconds as the API takes them (millisecond precision, no exponent)."""
    return f"{seconds:.3f}".rstrip("0").rstrip(".")


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
