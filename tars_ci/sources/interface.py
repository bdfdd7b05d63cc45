"""The metrics-source interface: a range query returns samples, no data, or a failure.

Three outcomes are values, not exceptions, and are never confused with each other:

- :class:`Samples` — one series: timestamps (Unix seconds), values (float64; NaN where the
  source sent NaN), the series labels, and the stretches whose answer the source marked
  partial (:class:`Partial`: a Thanos store that did not answer, say), which count as not
  covered;
- :class:`NoData` — the query ran and matched nothing in the window (with a reason);
- :class:`QueryFailed` — the query itself failed (bad PromQL, a server-side error), carrying
  the query and the server's message.

A source that cannot be reached at all raises :class:`tars_ci.errors.SourceUnavailable`:
that stops the run (exit 3), because a down source must never look like a healthy day.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

import numpy as np


class Query(NamedTuple):
    """What to fetch: a stable name (a KPI name, or ``slo:<name>:good``) and its PromQL."""

    name: str
    promql: str


class Partial(NamedTuple):
    """A stretch ``[start, end)`` (Unix seconds) of a result whose answer the source marked
    partial (it may lack the data of a store that did not answer), with its words."""

    start: float
    end: float
    warning: str


class Samples(NamedTuple):
    """One series of samples for a query over a window."""

    timestamps: np.ndarray  # float64 Unix seconds, strictly increasing
    values: np.ndarray  # float64, same length; NaN allowed
    labels: Mapping[str, str]
    partial: tuple[Partial, ...] = ()  # stretches the source answered only in part


class NoData(NamedTuple):
    """The query matched no samples in the window."""

    reason: str


class QueryFailed(NamedTuple):
    """The query failed; ``message`` is the source's own words."""

    query: str
    message: str


QueryResult = Samples | NoData | QueryFailed


class Source(Protocol):
    """A metrics source (Prometheus over HTTP, or a replay file)."""

    def range_query(self, queries: Sequence[Query], start: datetime, end: datetime,
                    step: timedelta) -> dict[str, QueryResult]:
        """Run every query over ``[start, end)`` at ``step``; results keyed by query name.

        Raises SourceUnavailable when the source cannot answer at all.
        """
        ...

    def close(self) -> None:
        """Release connections."""
        ...


def window_grid(start: datetime, end: datetime, step: timedelta,
                aligned: bool = False) -> np.ndarray:
    """The evaluation timestamps of ``[start, end)`` at ``step`` (Unix seconds): ``start +
    k·step``, or with ``aligned`` the multiples of ``step`` inside the window (a step-aligned
    source's grid, in whole milliseconds so no float error moves a point across an edge)."""
    if aligned:
        s_ms, e_ms = round(start.timestamp() * 1000), round(end.timestamp() * 1000)
        st_ms = max(1, round(step.total_seconds() * 1000))
        first = -(-s_ms // st_ms) * st_ms
        count = max(0, -(-(e_ms - first) // st_ms))
        return (first + st_ms * np.arange(count, dtype=np.int64)).astype(np.float64) / 1000
    s, e, st = start.timestamp(), end.timestamp(), step.total_seconds()
    n = int(np.ceil((e - s) / st - 1e-9))
    return s + st * np.arange(max(n, 0), dtype=np.float64)


def coverage(samples: QueryResult, start: datetime, end: datetime, step: timedelta) -> float:
    """Share of the window's grid points that have a finite sample (0.0 for no data/errors)."""
    if not isinstance(samples, Samples):
        return 0.0
    expected = len(window_grid(start, end, step))
    if expected == 0:
        return 0.0
    return float(min(1.0, np.count_nonzero(np.isfinite(samples.values)) / expected))
