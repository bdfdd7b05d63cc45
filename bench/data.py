"""Synthetic fleets for the benchmarks: S KPI series on the program's 8-day, 1-minute grid.

Each series is a level with a daily cycle and white Gaussian noise, a slow day-over-day drift
(so the drift and trend stages see every severity), in one series out of twenty an incident
(a 90-minute spike, or a level shift from some day on), and in another one out of twenty a
scrape gap of 10 minutes to 3 hours (NaN). Isolated missing points are not modelled: a range
query fills a missed scrape from the previous sample (Prometheus' 5-minute lookback), so
what reaches the analysis as NaN are outages longer than that. The
matrix is filled a block of rows at a time, so generating it costs no temporaries of its
size — the benchmarks' peak-RSS figures are the analysis', not the generator's.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np

from tars_ci.spec.model import Kpi

GA = datetime(2026, 11, 2, tzinfo=timezone.utc)
STEP = 60.0
DAYS = 8  # day 0 (the baseline) … day 7
POINTS = DAYS * 86_400 // int(STEP)  # 11,520
INCIDENT_SHARE = 0.05
GAP_SHARE = 0.05
GAP_MINUTES = (10, 180)
_ROWS = 256  # rows generated at once


def grid(points: int = POINTS) -> np.ndarray:
    """Unix seconds of the grid from GA."""
    return GA.timestamp() + STEP * np.arange(points, dtype=np.float64)


def kpis(series: int) -> tuple[Kpi, ...]:
    """``series`` KPIs, one per row: ``kpi_00000`` …, lower-is-better on even rows."""
    return tuple(Kpi(kpi_name(i), f'bench_kpi{{kpi="{i:05d}"}}', unit="ms",
                     better="lower" if i % 2 == 0 else "higher") for i in range(series))


def kpi_name(i: int) -> str:
    """The name of row ``i``'s KPI."""
    return f"kpi_{i:05d}"


def fleet(series: int, points: int = POINTS, seed: int = 8) -> np.ndarray:
    """An (series, points) float64 matrix (see the module docstring); deterministic."""
    out = np.empty((series, points))
    t = np.arange(points, dtype=np.float64)
    cycle = np.sin(2.0 * np.pi * t * STEP / 86_400.0)
    day = (t * STEP // 86_400).astype(np.int64)
    for r0 in range(0, series, _ROWS):
        rows = out[r0:r0 + _ROWS]
        _fill(rows, np.random.default_rng([seed, r0]), cycle, day)
    return out


def _fill(rows: np.ndarray, rng: np.random.Generator, cycle: np.ndarray,
          day: np.ndarray) -> None:
    n, points = rows.shape
    level = rng.uniform(10.0, 1000.0, (n, 1))
    swing = rng.uniform(0.0, 0.2, (n, 1))
    drift_per_day = rng.normal(0.0, 0.03, (n, 1))  # ±3 %/day: some KPIs drift past 10–50 %
    rows[:] = rng.standard_normal((n, points))
    rows *= rng.uniform(0.01, 0.05, (n, 1))  # noise, relative to the level
    rows += 1.0 + swing * cycle + drift_per_day * day
    rows *= level
    incident = np.flatnonzero(rng.random(n) < INCIDENT_SHARE)
    for i in incident.tolist():
        start = int(rng.integers(points // 8, points - 90))
        if rng.random() < 0.5:
            rows[i, start:start + 90] *= 1.5  # a 90-minute spike
        else:
            rows[i, start:] *= 1.25  # a level shift
    for i in np.flatnonzero(rng.random(n) < GAP_SHARE).tolist():
        length = int(rng.integers(GAP_MINUTES[0], GAP_MINUTES[1] + 1))
        start = int(rng.integers(0, points - length))
        rows[i, start:start + length] = np.nan


def raw_bytes(series: int, points: int = POINTS) -> int:
    """Size of the float64 matrix."""
    return series * points * 8


def days_after(day: int) -> datetime:
    """The end of day ``day`` (exclusive)."""
    return GA + timedelta(days=day + 1)
