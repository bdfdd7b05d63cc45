"""Evaluate one canary stage: queries for both tracks, one range query, rows, verdict.

The window is ``(end − window, end]`` at ``gates.step`` — its last point is ``end`` itself,
so a ``rate(…[1m])`` there covers the last minute before the gate. Every metric of the stage
is queried once with the canary's label matchers and once with stable's (query names
``<metric>@canary`` / ``<metric>@stable``), and, when the stage has ``min_requests``, the
traffic query for both tracks (``_traffic@<track>``), all in one call to the source. A
per-series metric (``by: pod``) is queried as ``max(<query>)`` (``min`` when higher is
better); one more call at ``end`` asks which series was the worst over the window
(``topk(1, max_over_time((<query>)[<window>:<step>]))``), to name it.
:func:`evaluate_stage` is pure (results in, verdict out); :func:`run_gate` adds the source.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Literal

from tars_ci.gates.criteria import CriterionResult, Part, judge_drift, judge_threshold, track
from tars_ci.gates.evidence import judge_requests
from tars_ci.gates.verdict import Verdict, decide
from tars_ci.sources.interface import (
    NoData,
    Query,
    QueryResult,
    Samples,
    Source,
    window_grid,
)
from tars_ci.spec.model import SELECTOR, WINDOW, GateMetric, Gates, GateStage
from tars_ci.spec.values import format_duration

TrackName = Literal["canary", "stable"]
TRACKS: tuple[TrackName, ...] = ("canary", "stable")
TRAFFIC = "_traffic"  # metric names start with a letter, so this never clashes
WORST = "_worst:"


def query_name(metric: str, track: TrackName) -> str:
    """The name of ``metric``'s query for ``track``."""
    return f"{metric}@{track}"


def render(query: str, selector: str, window: timedelta) -> str:
    """``query`` with ``{{selector}}`` and ``{{window}}`` filled in."""
    return query.replace(SELECTOR, selector.strip()).replace(WINDOW, _seconds(window))


def value_query(metric: GateMetric, selector: str, window: timedelta) -> str:
    """The PromQL of ``metric``'s value series (the worst series of a per-series metric)."""
    text = render(metric.query, selector, window)
    if metric.by is None:
        return text
    return f"{'max' if metric.better == 'lower' else 'min'}({text})"


def worst_query(metric: GateMetric, selector: str, window: timedelta, step: timedelta) -> str:
    """PromQL naming the worst series of a per-series metric over the window, at its end."""
    text = render(metric.query, selector, window)
    pick, over = ("topk", "max") if metric.better == "lower" else ("bottomk", "min")
    return (f"{pick}(1, {over}_over_time(({text})[{_seconds(window)}:"
            f"{_seconds(step)}]))")


def _seconds(span: timedelta) -> str:
    return f"{max(1, round(span.total_seconds()))}s"


def _selector(gates: Gates, track: TrackName) -> str:
    return gates.canary if track == "canary" else gates.stable


def stage_queries(gates: Gates, stage: GateStage, window: timedelta) -> list[Query]:
    """Every range query the stage needs: its metrics (and traffic) for both tracks."""
    out = []
    for name in dict.fromkeys(c.metric for c in stage.criteria):
        metric = gates.metric(name)
        for t in TRACKS:
            out.append(Query(query_name(name, t), value_query(metric, _selector(gates, t),
                                                              window)))
    if stage.min_requests > 0 and gates.traffic is not None:
        for t in TRACKS:
            out.append(Query(query_name(TRAFFIC, t),
                             render(gates.traffic, _selector(gates, t), window)))
    return out


def worst_queries(gates: Gates, stage: GateStage, window: timedelta) -> list[Query]:
    """One query per per-series metric of the stage, naming the canary's worst series."""
    return [Query(WORST + name, worst_query(gates.metric(name), gates.canary, window,
                                            gates.step))
            for name in dict.fromkeys(c.metric for c in stage.criteria)
            if gates.metric(name).by is not None]


def evaluate_stage(gates: Gates, stage: GateStage, results: Mapping[str, QueryResult],
                   start: datetime, end: datetime) -> Verdict:
    """The stage's rows and verdict from the query results of the window ``(start, end]``."""
    step = gates.step
    expected = max(1, len(window_grid(start + step, end + step, step)))
    recent = min(gates.recent, end - start)
    grid = (expected, max(1, round(recent / step)), (end - recent).timestamp())
    shown_recent = format_duration(recent)
    rows: list[CriterionResult] = []
    if stage.min_requests > 0 and gates.traffic is not None:
        rows.append(judge_requests(
            stage, results.get(query_name(TRAFFIC, "canary"), NoData("the query was not run")),
            results.get(query_name(TRAFFIC, "stable"), NoData("the query was not run")),
            step.total_seconds(), render(gates.traffic, gates.canary, end - start)))
    for criterion in stage.criteria:
        metric = gates.metric(criterion.metric)
        worst = _worst(metric, results.get(WORST + metric.name))
        tracks = {t: track(metric, t, _selector(gates, t),
                           value_query(metric, _selector(gates, t), end - start),
                           results.get(query_name(metric.name, t),
                                       NoData("the query was not run")),
                           grid, worst if t == "canary" else "")
                  for t in TRACKS}
        parts: tuple[Part, ...] = ("window", "recent")
        for part in parts:
            if criterion.threshold is not None and not (
                    part == "recent" and metric.aggregate == "last"):
                rows.append(judge_threshold(metric, criterion, tracks["canary"],
                                            tracks["stable"], gates.min_coverage, part,
                                            shown_recent))
        for part in parts:
            if criterion.max_drift_percent is not None:
                rows.append(judge_drift(metric, criterion, tracks["canary"], tracks["stable"],
                                        gates.statistics, gates.min_coverage, part,
                                        shown_recent))
    return decide(stage.name, stage.traffic_percent, start, end, step.total_seconds(), rows,
                  gates.metrics)


def _worst(metric: GateMetric, result: QueryResult | None) -> str:
    """``"<label> <value>"`` of the worst series, when the naming query found one."""
    if metric.by is None or not isinstance(result, Samples):
        return ""
    value = result.labels.get(metric.by)
    return f"{metric.by} {value}" if value else ""


def run_gate(gates: Gates, stage_name: str, source: Source, end: datetime,
             window: timedelta | None = None) -> Verdict:
    """Query ``source`` over the window ending at ``end`` and judge stage ``stage_name``.

    KeyError for an unknown stage; SourceUnavailable (from the source) when it is down.
    """
    stage = gates.stage(stage_name)
    span = window or gates.window
    start = end - span
    step = gates.step
    results = dict(source.range_query(stage_queries(gates, stage, span), start + step,
                                      end + step, step))
    naming = worst_queries(gates, stage, span)
    if naming:
        results.update(source.range_query(naming, end, end + step, step))
    return evaluate_stage(gates, stage, results, start, end)
