"""One day's samples of a KPI reduced to one value, or an honest reason why there is none.

:func:`measure` turns a :data:`~tars_ci.sources.interface.QueryResult` into a
:class:`Measurement`:

- ``ok``: the finite samples reduced by ``kpi.aggregate``; NaN/±Inf samples are dropped and
  the reason says how many;
- ``no_data``: the query matched nothing, or every sample was non-finite;
- ``error``: the query failed; the reason carries the query and the source's message.

Missing data is never a pass and never zero: ``value`` is ``None`` unless status is ``ok``.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np

from tars_ci.sources.interface import NoData, QueryFailed, QueryResult, Samples
from tars_ci.spec.model import Kpi

MeasureStatus = Literal["ok", "no_data", "error"]

# Short unit suffixes for people; any other unit is shown as written in the spec.
_UNIT_SUFFIX = {"percent": "%", "ms": " ms", "s": " s", "usd": " USD"}


class Measurement(NamedTuple):
    """A KPI's value over one day window (``value`` is None unless ``status`` is ``ok``)."""

    kpi: str
    status: MeasureStatus
    value: float | None
    coverage: float  # finite samples / expected grid points, capped at 1.0
    samples: int  # finite samples used
    reason: str  # empty when nothing needs saying


def measure(kpi: Kpi, result: QueryResult, expected_points: int) -> Measurement:
    """Reduce one day's query result for ``kpi`` to a :class:`Measurement`.

    ``expected_points`` is the number of grid points in the day window (see
    :func:`tars_ci.sources.interface.window_grid`); it must be at least 1.
    """
    if expected_points < 1:
        raise ValueError(f"expected_points must be ≥ 1, got {expected_points}")
    if isinstance(result, QueryFailed):
        return Measurement(kpi.name, "error", None, 0.0, 0,
                           f"query failed: {result.message} (query: {result.query})")
    if isinstance(result, NoData):
        return Measurement(kpi.name, "no_data", None, 0.0, 0,
                           f"no data: {result.reason}" if result.reason else "no data")
    if not isinstance(result, Samples):  # a new result type must not pass silently
        raise TypeError(f"unexpected query result {type(result).__name__}")
    values = np.asarray(result.values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    dropped = int(values.size - finite.size)
    if values.size == 0:
        return Measurement(kpi.name, "no_data", None, 0.0, 0,
                           "no data: the query returned an empty series")
    if finite.size == 0:
        return Measurement(kpi.name, "no_data", None, 0.0, 0,
                           f"no data: all {dropped} samples were non-finite (NaN/±Inf)")
    coverage = min(1.0, finite.size / expected_points)
    reason = (f"dropped {dropped} non-finite sample{'s' if dropped != 1 else ''} (NaN/±Inf) "
              f"of {values.size}" if dropped else "")
    with np.errstate(over="ignore", invalid="ignore"):
        value = _reduce(finite, kpi.aggregate)
    if not np.isfinite(value):
        return Measurement(kpi.name, "error", None, coverage, int(finite.size),
                           f"the {kpi.aggregate} of the samples overflowed")
    return Measurement(kpi.name, "ok", float(value), coverage, int(finite.size), reason)


def _reduce(values: np.ndarray, aggregate: str) -> float:
    """The day's value from its finite samples (in time order)."""
    if aggregate == "mean":
        return float(np.mean(values))
    if aggregate == "median":
        return float(np.median(values))
    if aggregate == "min":
        return float(np.min(values))
    if aggregate == "max":
        return float(np.max(values))
    if aggregate == "p95":
        return float(np.percentile(values, 95))
    if aggregate == "p99":
        return float(np.percentile(values, 99))
    if aggregate == "last":
        return float(values[-1])
    raise ValueError(f"unknown aggregate {aggregate!r}")


def format_value(value: float | None, unit: str, digits: int | None = None,
                 exact: bool = False) -> str:
    """A KPI value for people: ``0.0803%``, ``164.9 ms``, ``$10.13/h``; ``n/a`` for None.

    Without ``digits`` the precision follows the magnitude (1 decimal from 100, 2 from 1,
    else 3 significant digits), so small rates keep their meaningful digits. ``exact`` shows a
    number from the spec (a limit, a band bound) as written: ``1%``, ``99.9%``.
    """
    if value is None:
        return "n/a"
    if exact:
        text = f"{value:g}"
    elif digits is not None:
        text = f"{value:,.{digits}f}"
    elif abs(value) >= 100:
        text = f"{value:,.1f}"
    elif abs(value) >= 1 or value == 0:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3g}"
    if unit == "usd_per_hour":
        return f"${text}/h"
    return f"{text}{_UNIT_SUFFIX.get(unit, f' {unit}' if unit else '')}"