"""Evaluate one canary stage: queries for both tracks, one range query, rows, verdict.

The window is ``[end − window, end)`` at ``gates.step``; every metric of the stage is queried
once with the canary's label matchers and once with stable's (query names
``<metric>@canary`` / ``<metric>@stable``), in one call to the source.
:func:`evaluate_stage` is pure (results in, verdict out); :func:`run_gate` adds the source.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Literal

from tars_ci.gates.criteria import (
    CriterionResult,
    judge_drift,
    judge_threshold,
    track_window,
)
from tars_ci.gates.verdict import Verdict, decide
from tars_ci.sources.interface import NoData, Query, QueryResult, Source, window_grid
from tars_ci.spec.model import SELECTOR, WINDOW, GateMetric, Gates, GateStage

Track = Literal["canary", "stable"]
TRACKS: tuple[Track, ...] = ("canary", "stable")


def query_name(metric: str, track: Track) -> str:
    """The name of ``metric``'s query for ``track``."""
    return f"{metric}@{track}"


def render(metric: GateMetric, selector: str, window: timedelta) -> str:
    """``metric.query`` with ``{{selector}}`` and ``{{window}}`` filled in."""
    seconds = max(1, round(window.total_seconds()))
    return metric.query.replace(SELECTOR, selector.strip()).replace(WINDOW, f"{seconds}s")


def stage_queries(gates: Gates, stage: GateStage, window: timedelta) -> list[Query]:
    """Every query the stage needs: each of its metrics for the canary and for stable."""
    out = []
    for name in dict.fromkeys(c.metric for c in stage.criteria):
        metric = gates.metric(name)
        for track in TRACKS:
            selector = gates.canary if track == "canary" else gates.stable
            out.append(Query(query_name(name, track), render(metric, selector, window)))
    return out


def evaluate_stage(gates: Gates, stage: GateStage, results: Mapping[str, QueryResult],
                   start: datetime, end: datetime) -> Verdict:
    """The stage's rows and verdict from the query results of ``[start, end)``."""
    expected = max(1, len(window_grid(start, end, gates.step)))
    rows: list[CriterionResult] = []
    for criterion in stage.criteria:
        metric = gates.metric(criterion.metric)
        tracks = {track: track_window(metric, results.get(
            query_name(metric.name, track), NoData("the query was not run")), expected)
            for track in TRACKS}
        if criterion.threshold is not None:
            rows.append(judge_threshold(metric, criterion, tracks["canary"], tracks["stable"]))
        if criterion.max_drift_percent is not None:
            rows.append(judge_drift(metric, criterion, tracks["canary"], tracks["stable"],
                                    gates.statistics))
    return decide(stage.name, stage.traffic_percent, start, end, gates.step.total_seconds(),
                  rows, gates.metrics)


def run_gate(gates: Gates, stage_name: str, source: Source, end: datetime,
             window: timedelta | None = None) -> Verdict:
    """Query ``source`` over the window ending at ``end`` and judge stage ``stage_name``.

    KeyError for an unknown stage; SourceUnavailable (from the source) when it is down.
    """
    stage = gates.stage(stage_name)
    span = window or gates.window
    start = end - span
    results = source.range_query(stage_queries(gates, stage, span), start, end, gates.step)
    return evaluate_stage(gates, stage, results, start, end)
