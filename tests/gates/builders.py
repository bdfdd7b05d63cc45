"""Small builders shared by the gate tests: metrics, stages, gates, a fake source."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np

from tars_ci.errors import SourceUnavailable
from tars_ci.sources.interface import Query, QueryResult, Samples
from tars_ci.spec.model import (
    GateCriterion,
    GateMetric,
    Gates,
    GateStage,
    GateStatistics,
)

END = datetime(2026, 11, 2, 10, 30, tzinfo=timezone.utc)
WINDOW = timedelta(minutes=10)
STEP = timedelta(seconds=15)


def metric(name: str = "lat", better: str = "lower", **kw: Any) -> GateMetric:
    return GateMetric(name=name, query=kw.pop("query", f"q_{name}{{{{{{selector}}}}}}"),
                      unit=kw.pop("unit", "ms"), better=better,  # type: ignore[arg-type]
                      **kw)


def stage(name: str = "canary-10", traffic: float = 10, min_requests: int = 0,
          **criteria: GateCriterion) -> GateStage:
    return GateStage(name=name, traffic_percent=traffic, criteria=tuple(criteria.values()),
                     min_requests=min_requests)


def crit(metric_name: str, threshold: str | None = None,
         drift: float | None = None) -> GateCriterion:
    return GateCriterion(metric=metric_name, threshold=threshold, max_drift_percent=drift)


def gates(metrics: Sequence[GateMetric], stages: Sequence[GateStage],
          alpha: float = 0.01, min_samples: int = 10, **kw: Any) -> Gates:
    return Gates(metrics=tuple(metrics), stages=tuple(stages), window=WINDOW, step=STEP,
                 statistics=GateStatistics(alpha=alpha, min_samples=min_samples), **kw)


def series(values: Sequence[float] | np.ndarray, end: datetime = END,
           step: timedelta = STEP, labels: dict[str, str] | None = None) -> Samples:
    """Samples ending at ``end`` (the gate's window is ``(end − window, end]``), one per step."""
    v = np.asarray(values, dtype=np.float64)
    t = end.timestamp() - step.total_seconds() * np.arange(len(v) - 1, -1, -1,
                                                            dtype=np.float64)
    return Samples(t, v, labels or {})


class FakeSource:
    """A Source answering from a dict of results (missing names are NoData); records calls."""

    def __init__(self, results: Mapping[str, QueryResult], down: str = "") -> None:
        self.results = dict(results)
        self.down = down
        self.calls: list[tuple[list[Query], datetime, datetime, timedelta]] = []
        self.closed = False

    def range_query(self, queries: Sequence[Query], start: datetime, end: datetime,
                    step: timedelta) -> dict[str, QueryResult]:
        from tars_ci.sources.interface import NoData

        self.calls.append((list(queries), start, end, step))
        if self.down:
            raise SourceUnavailable("http://fake:9090", self.down)
        return {q.name: self.results.get(q.name, NoData(f"no series for {q.name}"))
                for q in queries}

    def close(self) -> None:
        self.closed = True
