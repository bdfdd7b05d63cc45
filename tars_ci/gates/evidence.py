"""Enough traffic to judge a stage: the canary's requests in the window.

Query points are not evidence: a p95 over a minute in which the canary served two requests is
a number, and 40 such numbers are still four requests. So a stage with ``min_requests`` also
counts the canary's requests from its traffic counters: ``gates.traffic`` is the track's
request rate (requests/s) over the window's grid, and the requests are its finite samples ×
the step (a ``rate(…[1m])`` at a 15 s step sums to the window's requests, give or take the
edges). Fewer than ``min_requests`` is ``no_data`` with "insufficient traffic": the stage
holds (exit 3), whatever the other rows say — it is never promoted on too little traffic.
"""

from __future__ import annotations

import numpy as np

from tars_ci.gates.criteria import CriterionResult
from tars_ci.sources.interface import QueryFailed, QueryResult, Samples
from tars_ci.spec.model import GateStage

REQUESTS = "requests"


def requests(result: QueryResult, step_seconds: float) -> float | None:
    """Requests in the window from a request-rate result (None when the query failed)."""
    if isinstance(result, QueryFailed):
        return None
    if not isinstance(result, Samples):
        return 0.0  # no series: the track served nothing the counters saw
    values = np.asarray(result.values, dtype=np.float64)
    return float(np.sum(values[np.isfinite(values)]) * step_seconds)


def judge_requests(stage: GateStage, canary: QueryResult, stable: QueryResult,
                   step_seconds: float, query: str) -> CriterionResult:
    """The stage's traffic row: pass, or no_data/error below ``stage.min_requests``."""
    need = stage.min_requests
    c, s = requests(canary, step_seconds), requests(stable, step_seconds)
    row = CriterionResult(
        id=REQUESTS, metric=REQUESTS, kind="requests", part="window", status="pass",
        critical=True, unit=REQUESTS, value=None if c is None else float(round(c)),
        stable=None if s is None else float(round(s)), threshold=f">= {need:,}",
        drift_percent=None, p_value=None, effect_percent=None,
        canary_samples=_points(canary), stable_samples=_points(stable), coverage=None,
        series="", scale="", reason="")
    if isinstance(canary, QueryFailed):
        return row._replace(status="error", reason=(
            f"canary: the traffic query failed: {canary.message} (query: {query})"))
    assert c is not None
    share = ""
    if s is not None and c + s > 0:
        share = (f" ({c / (c + s) * 100:.3g}% of both tracks; the stage sends "
                 f"{stage.traffic_percent:g}%)")
    if not isinstance(canary, Samples):
        return row._replace(status="no_data", value=0.0, reason=(
            f"insufficient traffic: no canary requests in the window ({_why(canary)}; "
            f"query: {query}); {stage.name} needs at least {need:,}"))
    if round(c) < need:
        return row._replace(status="no_data", reason=(
            f"insufficient traffic: {round(c):,} canary requests in the window{share}; "
            f"{stage.name} needs at least {need:,}"))
    return row._replace(reason=f"{round(c):,} canary requests in the window{share}")


def _points(result: QueryResult) -> int:
    if not isinstance(result, Samples):
        return 0
    return int(np.count_nonzero(np.isfinite(np.asarray(result.values, dtype=np.float64))))


def _why(result: QueryResult) -> str:
    reason = getattr(result, "reason", "")
    return str(reason) or "no series"
