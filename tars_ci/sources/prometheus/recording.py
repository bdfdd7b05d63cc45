"""Recording: capture a spec's queries from any source into replay series.

The queries are the pipeline's (:func:`tars_ci.pipeline.queries`): each KPI by name, and
``slo:<name>:good`` / ``slo:<name>:total`` for every ratio SLO. A recording covers
``[start, end)`` on the spec's step grid; a slot without a sample is a gap (``null`` in the
file).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

import numpy as np

from tars_ci.sources.interface import (
    NoData,
    Query,
    QueryFailed,
    QueryResult,
    Source,
    window_grid,
)
from tars_ci.sources.replay import RecordedSeries


class Recording(NamedTuple):
    """What a recording captured, and what it could not."""

    series: dict[str, RecordedSeries]
    no_data: dict[str, str]  # query name → reason
    failed: dict[str, str]  # query name → the source's message


def record(source: Source, queries: Sequence[Query], start: datetime, end: datetime,
           step: timedelta, aligned: bool = False) -> Recording:
    """Run ``queries`` over ``[start, end)`` and lay each result on the step grid (the
    multiples of ``step`` when the source is step-aligned)."""
    results = source.range_query(queries, start, end, step)
    return recording_of(queries, results, start, end, step, aligned)


def recording_of(queries: Sequence[Query], results: Mapping[str, QueryResult], start: datetime,
                 end: datetime, step: timedelta, aligned: bool = False) -> Recording:
    """Replay series from query results over ``[start, end)``."""
    grid = window_grid(start, end, step, aligned)
    origin = float(grid[0]) if len(grid) else start.timestamp()
    st = step.total_seconds()
    series: dict[str, RecordedSeries] = {}
    no_data: dict[str, str] = {}
    failed: dict[str, str] = {}
    for q in queries:
        result = results[q.name]
        if isinstance(result, NoData):
            no_data[q.name] = result.reason
            continue
        if isinstance(result, QueryFailed):
            failed[q.name] = result.message
            continue
        values = np.full(len(grid), np.nan)
        present = np.zeros(len(grid), dtype=bool)
        slot = np.rint((result.timestamps - origin) / st).astype(np.int64)
        inside = (slot >= 0) & (slot < len(grid))
        values[slot[inside]] = result.values[inside]
        present[slot[inside]] = True
        series[q.name] = RecordedSeries(origin, st,
                                        values, present, dict(result.labels), q.promql)
    return Recording(series, no_data, failed)
