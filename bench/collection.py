"""Benchmark 2, collection: K KPIs × 8 days at a 60 s step from a real Prometheus, three ways.

- ``tars-ci``: :class:`tars_ci.sources.prometheus.PrometheusSource` ``range_query`` with the
  spec defaults (4 requests in flight), as ``tars-ci run`` fetches: the result is every
  series as float64 arrays, stitched and checked;
- ``lower bound``: the *same* HTTP requests (same chunks, same parameters) sent with one
  ``httpx.Client`` from as many threads, each response only JSON-decoded — what any client
  must at least spend, given this server;
- ``prometheus-api-client``: ``PrometheusConnect.custom_query_range`` per query and chunk,
  one after another (its usual use). It returns the decoded JSON with every value still a
  string, so it does less than tars-ci.

8 days at 60 s are 11,520 points per series and Prometheus answers at most 11,000 per
request, so every client sends two requests per KPI.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import httpx

from bench import data
from tars_ci.sources.interface import Query, Samples, window_grid
from tars_ci.sources.prometheus import PrometheusSource
from tars_ci.sources.prometheus.source import Chunk, plan_chunks
from tars_ci.spec.model import SourceSpec

STEP = timedelta(seconds=60)
START = data.GA
END = data.days_after(data.DAYS - 1)
CONCURRENCY = SourceSpec().concurrency


def chunks() -> list[Chunk]:
    """The requests' time ranges (the source's own plan)."""
    grid = window_grid(START, END, STEP)
    return plan_chunks(float(grid[0]), len(grid), STEP.total_seconds())


def seconds(value: float) -> str:
    """A Unix time or step as the source sends it (milliseconds, no exponent)."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def tars_ci(url: str, queries: Sequence[Query]) -> int:
    """Fetch with tars-ci's source; returns the number of samples received."""
    source = PrometheusSource(SourceSpec(url=url, step=STEP))
    try:
        results = source.range_query(queries, START, END, STEP)
    finally:
        source.close()
    return sum(len(r.values) for r in results.values() if isinstance(r, Samples))


def lower_bound(url: str, queries: Sequence[Query]) -> int:
    """The same requests with httpx, concurrently, JSON-decoded only; returns samples."""
    step = seconds(STEP.total_seconds())
    jobs = [{"query": q.promql, "start": seconds(c.first), "end": seconds(c.last), "step": step}
            for q in queries for c in chunks()]
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    with httpx.Client(base_url=url, timeout=120.0, limits=limits) as client:
        def one(params: dict[str, str]) -> int:
            body = client.get("/api/v1/query_range", params=params).json()
            return sum(len(s["values"]) for s in body["data"]["result"])

        with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
            return sum(pool.map(one, jobs))


def prometheus_api_client(url: str, queries: Sequence[Query]) -> int:
    """``custom_query_range`` per query and chunk, sequentially; returns samples."""
    from prometheus_api_client import PrometheusConnect

    prom = PrometheusConnect(url=url, disable_ssl=True)
    total = 0
    for q in queries:
        for c in chunks():
            result = prom.custom_query_range(
                q.promql, start_time=datetime.fromtimestamp(c.first, timezone.utc),
                end_time=datetime.fromtimestamp(c.last, timezone.utc), step="60")
            total += sum(len(s["values"]) for s in result)
    return total


METHODS: dict[str, Callable[[str, Sequence[Query]], int]] = {
    "tars-ci": tars_ci,
    "lower bound (httpx, JSON only)": lower_bound,
    "prometheus-api-client": prometheus_api_client,
}
