"""Step 1 of a run: the spec's series from the source, on the program's grid.

Every series a run needs is fetched *before anything is written*, so a source that goes down
mid-run leaves no partial reports. :class:`ProgramData` holds the raw results and the KPIs
aligned on one grid (``GA + k·step``, or the multiples of the step when the source is
step-aligned); :func:`measure_day` and :func:`slo_day` cut one day out of it by time, so a
day holds exactly the samples inside its window either way. Samples from an answer the source
marked partial count as not covered (the measurement's reason says so).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import NamedTuple, TypeVar

import numpy as np

from tars_ci.analysis import anomaly
from tars_ci.analysis.batch import fleet_episodes
from tars_ci.analysis.burn import BurnSeries, lookback, ratio_series, threshold_series
from tars_ci.analysis.kpis import (
    Measurement,
    kpi_queries,
    measure,
    measure_ratio,
    ratio_queries,
    ratio_values,
)
from tars_ci.analysis.series import align, clip, partial_points, stack, window_slice
from tars_ci.analysis.slo import SloDay, ratio_day_of, threshold_day
from tars_ci.sources.interface import NoData, Query, QueryResult, Source, window_grid
from tars_ci.spec.model import Slo, Spec
from tars_ci.timeline import DayWindow, day_window, iso

log = logging.getLogger("tars_ci")
M = TypeVar("M", Measurement, SloDay)


class ProgramData(NamedTuple):
    """Every fetched series, raw and aligned on the program's grid."""

    grid: np.ndarray  # Unix seconds, from GA to the end of the last fetched day
    step: float
    results: dict[str, QueryResult]
    kpi_matrix: np.ndarray  # (KPIs, grid) in spec order, NaN where no sample


def queries(spec: Spec) -> list[Query]:
    """Every query of the spec, each once: the KPIs' (a ratio KPI's numerator and
    denominator), then the SLOs' good/total series."""
    out = kpi_queries(spec)
    names = {q.name for q in out}
    for slo in spec.slos:
        if slo.ratio is not None:
            for q in (Query(f"slo:{slo.name}:good", slo.ratio.good),
                      Query(f"slo:{slo.name}:total", slo.ratio.total)):
                if q.name not in names:
                    out.append(q)
    return out


def fetch(spec: Spec, source: Source, through_day: int) -> ProgramData:
    """Fetch days 0..``through_day`` in one range query per series."""
    start = spec.release.ga_time
    end = day_window(start, through_day).end
    log.info("fetching %d series, day 0 to day %d (%s to %s)", len(queries(spec)),
             through_day, iso(start), iso(end))
    return fetch_span(spec, source, start, end)


def fetch_span(spec: Spec, source: Source, start: datetime, end: datetime) -> ProgramData:
    """Fetch ``[start, end)`` in one range query per series, on the program's grid when
    ``start`` lies on it (``GA + k·step``, or a multiple of the step for an aligned
    source)."""
    step = spec.source.step
    results = source.range_query(queries(spec), start, end, step)
    grid = window_grid(start, end, step, spec.source.aligned)
    matrix = stack(results, [k.name for k in spec.kpis], grid, step.total_seconds())
    for row, kpi in enumerate(spec.kpis):  # a ratio KPI's series: its per-step ratio
        if kpi.ratio is not None:
            parts = ratio_queries(kpi, spec)
            n, d = stack(results, [parts.numerator.name, parts.denominator.name], grid,
                         step.total_seconds())
            matrix[row] = ratio_values(kpi, n, d, parts.complement)
    return ProgramData(grid, step.total_seconds(), results, matrix)


def measure_day(spec: Spec, data: ProgramData, window: DayWindow) -> dict[str, Measurement]:
    """Each KPI's value for ``window``."""
    lo, hi = window.start.timestamp(), window.end.timestamp()
    day_grid = window_grid(window.start, window.end, spec.source.step, spec.source.aligned)
    out = {}
    for k in spec.kpis:
        if k.ratio is None:
            result = clip(data.results.get(k.name, _missing(k.name)), lo, hi)
            out[k.name] = _discounted(measure(k, result, len(day_grid)), [result], day_grid,
                                      data.step)
            continue
        parts = ratio_queries(k, spec)
        n, d = (clip(data.results.get(q.name, _missing(q.name)), lo, hi)
                for q in (parts.numerator, parts.denominator))
        out[k.name] = _discounted(measure_ratio(k, n, d, day_grid, data.step, parts.complement),
                                  [n, d], day_grid, data.step)
    return out


def slo_day(spec: Spec, data: ProgramData, window: DayWindow) -> dict[str, SloDay]:
    """Each SLO's SLI for ``window`` (a failed SLO query is an ``error`` day with the
    source's message)."""
    lo, hi = window.start.timestamp(), window.end.timestamp()
    day_grid = window_grid(window.start, window.end, spec.source.step, spec.source.aligned)
    span = window_slice(data.grid, lo, hi)
    names = [k.name for k in spec.kpis]
    out: dict[str, SloDay] = {}
    for slo in spec.slos:
        if slo.ratio is not None:
            good, total = (clip(data.results.get(f"slo:{slo.name}:{part}",
                                                 _missing(f"slo:{slo.name}:{part}")), lo, hi)
                           for part in ("good", "total"))
            out[slo.name] = _discounted(
                ratio_day_of(window.day, good, total, day_grid, data.step, slo), [good, total],
                day_grid, data.step)
        elif slo.threshold is not None:
            kpi = spec.kpi(slo.threshold.kpi)
            row = data.kpi_matrix[names.index(slo.threshold.kpi)][span]
            series = [q.name for q in ratio_queries(kpi, spec)[:2]] if kpi.ratio else [kpi.name]
            parts = [clip(data.results.get(n, _missing(n)), lo, hi) for n in series]
            out[slo.name] = _discounted(
                threshold_day(window.day, row, max=slo.threshold.max, min=slo.threshold.min,
                              slo=slo), parts, day_grid, data.step)
    return out


def _discounted(m: M, parts: list[QueryResult], day_grid: np.ndarray, step: float) -> M:
    """``m`` with the samples that came from partial answers taken out of its coverage."""
    mask, warning = partial_points(parts, day_grid)
    if m.status != "ok" or not mask.any():
        return m
    present = np.logical_and.reduce([np.isfinite(align(p, day_grid, step)) for p in parts])
    doubtful = int(np.count_nonzero(mask & present))
    if doubtful == 0:
        return m
    note = (f"{doubtful} of the day's {len(day_grid)} steps come from answers the source "
            f"marked partial and count as not covered ({warning})")
    return m._replace(coverage=max(0.0, m.coverage - doubtful / len(day_grid)),
                      reason="; ".join(x for x in (m.reason, note) if x))


def burn_series(spec: Spec, data: ProgramData, slo: Slo, window: DayWindow) -> BurnSeries:
    """An SLO's bad/total weights from ``lookback(slo)`` before ``window`` (as far as the
    fetched span goes back) to its end, for its burn-rate alerts."""
    lo = window.start.timestamp() - lookback(slo).total_seconds()
    span = window_slice(data.grid, lo, window.end.timestamp())
    times = data.grid[span]
    if slo.ratio is not None:
        good, total = stack(data.results, [f"slo:{slo.name}:good", f"slo:{slo.name}:total"],
                            data.grid, data.step)[:, span]
        return ratio_series(times, good, total, data.step)
    assert slo.threshold is not None
    row = data.kpi_matrix[[k.name for k in spec.kpis].index(slo.threshold.kpi)][span]
    return threshold_series(times, row, data.step, max=slo.threshold.max,
                            min=slo.threshold.min)


def data_gaps(spec: Spec, data: ProgramData, window: DayWindow,
              at_least: float = 15 * 60) -> list[tuple[str, float, float]]:
    """Each KPI's stretches of ``window`` without a sample lasting ``at_least`` seconds:
    (KPI, start, end) in Unix seconds, end exclusive."""
    span = window_slice(data.grid, window.start.timestamp(), window.end.timestamp())
    times = data.grid[span]
    out = []
    for row, kpi in enumerate(spec.kpis):
        missing = ~np.isfinite(data.kpi_matrix[row][span])
        edges = np.flatnonzero(np.diff(np.concatenate(([0], missing.view(np.int8), [0]))))
        for a, b in zip(edges[::2], edges[1::2]):
            if (b - a) * data.step >= at_least:
                out.append((kpi.name, float(times[a]), float(times[a]) + (b - a) * data.step))
    return out


def _missing(name: str) -> QueryResult:
    return NoData(f"the source returned nothing for {name}")


def detect_anomalies(spec: Spec, data: ProgramData) -> list[anomaly.Episode]:
    """EWMA + z-score episodes over every KPI series of the fetched span."""
    # in blocks of rows on every core, keeping only the episodes: bounded memory for fleets
    return fleet_episodes([k.name for k in spec.kpis], data.grid, data.kpi_matrix,
                          spec.thresholds.anomaly, data.step)
