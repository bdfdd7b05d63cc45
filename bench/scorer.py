"""Benchmark 5, the anomaly scorer on one core: points per second of ``anomaly.score``.

Reuses the anomaly benchmark's data and timer (:mod:`bench.bench_anomaly`): the child pins
itself to one CPU and keeps the least CPU time of its runs.
"""

from __future__ import annotations

import os
from typing import Any

STEPS = 11_520  # 8 days at 1 minute, like the pipeline's matrix


def measure(series: int, repeat: int) -> dict[str, Any]:
    """Score a ``series`` × 8-day matrix ``repeat`` times on one CPU; best CPU time."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from bench.bench_anomaly import best_cpu, synthetic
    from tars_ci.analysis.anomaly import score
    from tars_ci.spec.model import AnomalySettings

    values = synthetic(series, STEPS, 2)
    settings = AnomalySettings()
    seconds = best_cpu(lambda: score(values, settings), repeat)
    return {"points": int(values.size), "cpu_seconds": seconds,
            "points_per_second": values.size / seconds, "repeat": repeat}
