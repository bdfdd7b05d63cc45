"""PrometheusSource: range queries over the Prometheus HTTP API, chunked and in parallel.

A window ``[start, end)`` at ``step`` is the grid ``start + k·step`` (or, step-aligned, the
multiples of ``step`` inside the window); ``query_range`` includes both of its ends, so each
request asks for ``[first, last]`` of a run of at most ``settings.points_per_request`` grid
points (Prometheus refuses more than 11,000 points per series, VictoriaMetrics 30,000). The
runs tile the grid exactly, so stitching them gives every point once. At most
``settings.concurrency`` requests are in flight; any request that ends in SourceUnavailable
stops the whole call (nothing partial is returned).

Backend settings (:class:`tars_ci.spec.source.SourceSpec`) add what each server needs:
Thanos ``partial_response`` and ``dedup`` on every request; VictoriaMetrics ``nocache=1``
on a request whose ends are not multiples of the step (it would otherwise shift them to
cache the answer); Mimir's tenant header is the client's. An answer the server marked partial
stays usable, but its stretch is recorded (:class:`~tars_ci.sources.interface.Partial`) and
counts as not covered.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

import httpx
import numpy as np

from tars_ci.errors import SourceUnavailable
from tars_ci.sources.interface import (
    NoData,
    Partial,
    Query,
    QueryFailed,
    QueryResult,
    Samples,
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
from tars_ci.spec.source import MAX_POINTS as BACKEND_POINTS
from tars_ci.spec.source import SourceSpec

MAX_POINTS = BACKEND_POINTS["prometheus"]
DAY = 86_400.0


class Chunk(NamedTuple):
    """One request's share of the grid: points ``first, first + step, …, last``."""

    first: float
    last: float
    points: int


def plan_chunks(start: float, points: int, step: float, max_points: int = MAX_POINTS,
                breaks: Sequence[float] = ()) -> list[Chunk]:
    """Split ``points`` grid points from ``start`` into runs of at most ``max_points``; no run
    crosses a time in ``breaks`` (a run starts at the first point at or after each)."""
    cuts = sorted({0, points} | {min(points, max(0, int(np.ceil((b - start) / step - 1e-9))))
                                 for b in breaks})
    out = []
    for lo, hi in itertools.pairwise(cuts):
        for i in range(lo, hi, max_points):
            n = min(max_points, hi - i)
            out.append(Chunk(start + i * step, start + (i + n - 1) * step, n))
    return out


class Answered(NamedTuple):
    """One chunk's series, and why the server may have left data out ("" if it did not)."""

    series: list[Series]
    partial: str


class PrometheusSource:
    """A :class:`tars_ci.sources.interface.Source` over the Prometheus HTTP API."""

    def __init__(self, settings: SourceSpec, *, transport: httpx.BaseTransport | None = None,
                 sleep: Sleep = time.sleep, clock: Clock = utc_now) -> None:
        self._api = ApiClient(settings, transport=transport, sleep=sleep, clock=clock)
        self._concurrency = settings.concurrency
        self._settings = settings
        self._params = backend_params(settings)
        self.url = self._api.url

    def range_query(self, queries: Sequence[Query], start: datetime, end: datetime,
                    step: timedelta) -> dict[str, QueryResult]:
        """Every query over ``[start, end)`` at ``step``; SourceUnavailable stops all."""
        settings = self._settings
        grid = window_grid(start, end, step, settings.aligned)
        if len(grid) == 0:
            return {q.name: NoData(f"empty window {_iso(start)} to {_iso(end)}")
                    for q in queries}
        st = step.total_seconds()
        # a day at a time when a partial answer must cost only its day (Thanos, partial on)
        days = _day_starts(start, end) if settings.day_chunks else []
        chunks = plan_chunks(float(grid[0]), len(grid), st, settings.points_per_request, days)
        jobs = [(q, c) for q in queries for c in chunks]
        answers = self._run(jobs, st)
        out: dict[str, QueryResult] = {}
        for q in queries:
            parts = [answers[(q.name, c)] for c in chunks]
            failed = next((p for p in parts if isinstance(p, QueryFailed)), None)
            if failed is not None:
                out[q.name] = failed
                continue
            done = [p for p in parts if isinstance(p, Answered)]
            result = stitch(q.promql, [p.series for p in done], start.timestamp(),
                            end.timestamp(), f"no series matched between {_iso(start)} and "
                                             f"{_iso(end)} at {self.url}")
            partial = tuple(Partial(c.first, c.last + st, p.partial)
                            for c, p in zip(chunks, parts)
                            if isinstance(p, Answered) and p.partial)
            if partial and isinstance(result, Samples):
                result = result._replace(partial=partial)
            out[q.name] = result
        return out

    def instant_query(self, query: Query, at: datetime) -> QueryResult:
        """``query`` at one instant (one sample; SourceUnavailable when unreachable)."""
        answer = self._api.get("/api/v1/query", {"query": query.promql,
                                                 "time": _param(at.timestamp()),
                                                 **self._params})
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
             step: float) -> dict[tuple[str, Chunk], Answered | QueryFailed]:
        answers: dict[tuple[str, Chunk], Answered | QueryFailed] = {}
        if not jobs:
            return answers
        pool = ThreadPoolExecutor(max_workers=min(self._concurrency, len(jobs)),
                                  thread_name_prefix="prometheus")
        try:
            futures: dict[Future[Answered | QueryFailed], tuple[str, Chunk]] = {
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

    def _range_chunk(self, query: Query, chunk: Chunk, step: float) -> Answered | QueryFailed:
        params = {"query": query.promql, "start": _param(chunk.first),
                  "end": _param(chunk.last), "step": _param(step), **self._params}
        if self._settings.backend == "victoriametrics" and not _aligned(chunk, step):
            params["nocache"] = "1"  # else VictoriaMetrics moves start and end onto the step
        answer = self._api.get("/api/v1/query_range", params)
        if answer.error is not None:
            return QueryFailed(query.promql, answer.error)
        try:
            return Answered(parse_matrix(answer.data), answer.partial)
        except Malformed as exc:
            return QueryFailed(query.promql, f"unexpected answer: {exc}")


def backend_params(settings: SourceSpec) -> Mapping[str, str]:
    """Query parameters every request carries for ``settings.backend``."""
    if settings.backend == "thanos":
        return {"partial_response": "true" if settings.partial_response else "false",
                "dedup": "false" if settings.dedup is False else "true"}
    return {}


def _day_starts(start: datetime, end: datetime) -> list[float]:
    """``start + k·24h`` inside ``(start, end)`` (Unix seconds): where each later day begins."""
    days = int((end - start).total_seconds() // DAY)
    return [start.timestamp() + k * DAY for k in range(1, days + 1)]


def _aligned(chunk: Chunk, step: float) -> bool:
    ms = round(step * 1000)
    return round(chunk.first * 1000) % ms == 0 and round(chunk.last * 1000) % ms == 0


def _param(seconds: float) -> str:
    """Unix seconds as the API takes them (millisecond precision, no exponent)."""
    return f"{seconds:.3f}".rstrip("0").rstrip(".")


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
