"""Put query results on a regular grid (NaN where there is no sample)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from tars_ci.sources.interface import NoData, QueryResult, Samples


def align(result: QueryResult, grid: np.ndarray, step: float) -> np.ndarray:
    """Values of ``result`` on ``grid`` (Unix seconds); NaN where no sample falls in a slot.

    A sample belongs to the slot whose start is within half a step before it, so small
    timestamp jitter from a source does not shift samples between slots.
    """
    out = np.full(len(grid), np.nan)
    if not isinstance(result, Samples) or len(grid) == 0:
        return out
    idx = np.rint((result.timestamps - grid[0]) / step).astype(np.int64)
    ok = (idx >= 0) & (idx < len(grid))
    out[idx[ok]] = result.values[ok]
    return out


def stack(results: Mapping[str, QueryResult], names: Sequence[str], grid: np.ndarray,
          step: float) -> np.ndarray:
    """An (S, T) matrix of the named results aligned on ``grid``."""
    out = np.full((len(names), len(grid)), np.nan)
    for i, name in enumerate(names):
        if name in results:
            out[i] = align(results[name], grid, step)
    return out


def window_slice(grid: np.ndarray, start: float, end: float) -> slice:
    """The slice of ``grid`` inside ``[start, end)``."""
    lo = int(np.searchsorted(grid, start, side="left"))
    hi = int(np.searchsorted(grid, end, side="left"))
    return slice(lo, hi)


def clip(result: QueryResult, start: float, end: float) -> QueryResult:
    """The part of ``result`` inside ``[start, end)``; NoData when nothing is left.

    NaN samples are kept (they are samples the source sent), so the day's measurement can say
    how many it dropped; errors and no-data pass through unchanged.
    """
    if not isinstance(result, Samples):
        return result
    keep = (result.timestamps >= start) & (result.timestamps < end)
    if not keep.any():
        return NoData("no samples in the day window")
    partial = tuple(p for p in result.partial if p.start < end and p.end > start)
    return Samples(result.timestamps[keep], result.values[keep], result.labels, partial)


def partial_points(results: Sequence[QueryResult], grid: np.ndarray) -> tuple[np.ndarray, str]:
    """Which points of ``grid`` fall in a stretch that the source answered only in part (for
    any of ``results``), and the source's first warning about it ("" when none)."""
    mask = np.zeros(len(grid), dtype=bool)
    warning = ""
    for result in results:
        if not isinstance(result, Samples):
            continue
        for p in result.partial:
            mask |= (grid >= p.start) & (grid < p.end)
            warning = warning or p.warning
    return mask, warning
