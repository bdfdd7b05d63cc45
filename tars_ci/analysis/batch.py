"""Anomaly episodes of a whole fleet in bounded memory, on every core.

:func:`tars_ci.pipeline.detect_anomalies` scores the whole (KPIs, T) matrix at once: the
score, z and expected-value matrices it builds are each as large as the data, and
:func:`~tars_ci.analysis.anomaly.episodes` then refits the rows that have episodes, so its
peak memory is several times the data. The pipeline only keeps the episodes. This module
runs the very same calls (:func:`~tars_ci.analysis.anomaly.fit`, then
:func:`~tars_ci.analysis.anomaly.episodes` on that fit, so nothing is refitted) on blocks of
rows and keeps only the episodes,
so the extra memory is a few blocks whatever the fleet size, and spreads the blocks over
worker threads (numpy releases the GIL inside its loops, so threads use the cores).

A row's score depends on that row alone, so the result is exactly
``episodes(names, timestamps, values, score(values, settings, step), settings, step)``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import numpy as np

from tars_ci.analysis.anomaly import DEFAULT_STEP, Episode, episodes
from tars_ci.analysis.anomaly.detector import BLOCK_CELLS, fit
from tars_ci.spec.model import AnomalySettings


def default_workers() -> int:
    """Worker threads: the CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def block_rows(steps: int, workers: int) -> int:
    """Rows per block: together the workers hold about one scorer block of cells."""
    return max(1, BLOCK_CELLS // max(1, steps) // max(1, workers))


def fleet_episodes(names: Sequence[str], timestamps: np.ndarray, values: np.ndarray,
                   settings: AnomalySettings, step: timedelta | float = DEFAULT_STEP,
                   workers: int | None = None, rows: int | None = None) -> list[Episode]:
    """Episodes of every row of ``values`` (S, T), ordered by start time then KPI name.

    ``workers`` threads (default: :func:`default_workers`) each score ``rows`` rows at a
    time (default: :func:`block_rows`); the result does not depend on either.
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 2 or len(names) != x.shape[0]:
        raise ValueError(f"values must be (len(names), T); got {x.shape} for "
                         f"{len(names)} names")
    n = max(1, workers if workers is not None else default_workers())
    size = max(1, rows if rows is not None else block_rows(x.shape[1], n))

    def block(r0: int) -> list[Episode]:
        part = x[r0:r0 + size]
        return episodes(names[r0:r0 + size], timestamps, part, fit(part, settings, step),
                        settings, step)

    starts = range(0, x.shape[0], size)
    if n == 1 or len(starts) == 1:
        found = [e for r0 in starts for e in block(r0)]
    else:
        with ThreadPoolExecutor(max_workers=n, thread_name_prefix="anomaly") as pool:
            found = [e for part in pool.map(block, starts) for e in part]
    return sorted(found, key=lambda e: (e.start, e.kpi))
