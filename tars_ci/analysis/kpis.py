"""One day's samples of a KPI reduced to one value, or an honest reason why there is none.

:func:`measure` turns a :data:`~tars_ci.sources.interface.QueryResult` into a
:class:`Measurement`:

- ``ok``: the finite samples reduced by ``kpi.aggregate``; NaN/±Inf samples are dropped and
  the reason says how many;
- ``no_data``: the query matched nothing, or every sample was non-finite;
- ``error``: the query failed; the reason carries the query and the source's message.

A ratio KPI (``kpi.ratio``) is measured by :func:`measure_ratio` from its numerator and
denominator series instead: ``scale · Σnumerator / Σdenominator`` over the steps where both
have a finite value, so every step weighs by its traffic (a peak-hour incident is not diluted
by the quiet night, as a mean of per-step ratios would dilute it). No traffic (Σdenominator =
0) is ``no_data`` with a reason, never 0 % or 100 %. :func:`ratio_queries` names the two
series a ratio KPI needs, :func:`kpi_queries` every series the spec's KPIs need.

Missing data is never a pass and never zero: ``value`` is ``None`` unless status is ``ok``.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np

from tars_ci.analysis.series import align
from tars_ci.sources.interface import NoData, Query, QueryFailed, QueryResult, Samples
from tars_ci.spec.model import Kpi, Spec

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


class RatioQueries(NamedTuple):
    """The two series a ratio KPI is measured from."""

    numerator: Query
    denominator: Query
    complement: bool  # True: the ratio's numerator is denominator − numerator (``of: bad``)


def ratio_queries(kpi: Kpi, spec: Spec) -> RatioQueries:
    """The numerator and denominator queries of ratio KPI ``kpi``.

    With ``numerator``/``denominator`` they are named ``<kpi>:numerator`` and
    ``<kpi>:denominator``; with ``slo`` they are that SLO's own ``slo:<name>:good`` and
    ``slo:<name>:total`` (fetched once for both), and ``of: bad`` sets ``complement``.
    """
    ratio = kpi.ratio
    if ratio is None:
        raise ValueError(f"{kpi.name} is not a ratio KPI")
    if not ratio.slo:
        return RatioQueries(Query(f"{kpi.name}:numerator", ratio.numerator),
                            Query(f"{kpi.name}:denominator", ratio.denominator), False)
    slo = next((o for o in spec.slos if o.name == ratio.slo), None)
    if slo is None or slo.ratio is None:
        raise ValueError(f"{kpi.name}: {ratio.slo!r} is not a ratio SLO of the spec")
    return RatioQueries(Query(f"slo:{slo.name}:good", slo.ratio.good),
                        Query(f"slo:{slo.name}:total", slo.ratio.total), ratio.of == "bad")


def kpi_queries(spec: Spec) -> list[Query]:
    """Every query the spec's KPIs need, in spec order, each name once: a KPI's own
    ``query`` under its name, a ratio KPI's two series under :func:`ratio_queries`' names."""
    out: dict[str, Query] = {}
    for kpi in spec.kpis:
        if kpi.ratio is None:
            out.setdefault(kpi.name, Query(kpi.name, kpi.query))
        else:
            parts = ratio_queries(kpi, spec)
            for q in (parts.numerator, parts.denominator):
                out.setdefault(q.name, q)
    return list(out.values())


def ratio_values(kpi: Kpi, numerator: np.ndarray, denominator: np.ndarray,
                 complement: bool = False) -> np.ndarray:
    """The per-step ratio ``scale · n / d`` of aligned arrays (NaN where a part is missing or
    the denominator is not positive): the KPI's series for anomalies and threshold SLIs."""
    n, d = np.asarray(numerator, dtype=np.float64), np.asarray(denominator, dtype=np.float64)
    scale = kpi.ratio.scale if kpi.ratio is not None else 1.0
    top = _top(n, d, complement)
    ok = np.isfinite(top) & np.isfinite(d) & (d > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok, scale * top / np.where(ok, d, 1.0), np.nan)


def measure_ratio(kpi: Kpi, numerator: QueryResult, denominator: QueryResult,
                  grid: np.ndarray, step: float, complement: bool = False) -> Measurement:
    """The day's value of ratio KPI ``kpi``: ``scale · Σnumerator / Σdenominator`` over the
    steps of ``grid`` (the day's evaluation timestamps) where both parts are finite.

    A failed part is ``error`` (with the source's message), a part without samples
    ``no_data``; a day whose denominator sums to 0 is ``no_data`` (no traffic). With
    ``complement`` (an SLO's ``of: bad``) the numerator is ``denominator − numerator``, and
    like an SLI the share is clipped to [0, 1] against rate-extrapolation noise.
    """
    if kpi.ratio is None:
        raise ValueError(f"{kpi.name} is not a ratio KPI")
    if len(grid) < 1:
        raise ValueError("the day's grid must have at least one point")
    parts = (("numerator", numerator), ("denominator", denominator))
    for what, result in parts:
        if isinstance(result, QueryFailed):
            return Measurement(kpi.name, "error", None, 0.0, 0,
                               f"{what} query failed: {result.message} (query: {result.query})")
    for what, result in parts:
        if isinstance(result, NoData):
            why = f": {result.reason}" if result.reason else ""
            return Measurement(kpi.name, "no_data", None, 0.0, 0, f"no data for the {what}{why}")
        if not isinstance(result, Samples):  # a new result type must not pass silently
            raise TypeError(f"unexpected query result {type(result).__name__}")
    n, d = align(numerator, grid, step), align(denominator, grid, step)
    top = _top(n, d, complement)
    both = np.isfinite(top) & np.isfinite(d)
    steps = int(np.count_nonzero(both))
    if steps == 0:
        return Measurement(kpi.name, "no_data", None, 0.0, 0,
                           "no data: no step has both a numerator and a denominator")
    coverage = min(1.0, steps / len(grid))
    sum_top, sum_d = float(np.sum(top[both])), float(np.sum(d[both]))
    if not sum_d > 0:
        return Measurement(kpi.name, "no_data", None, coverage, steps,
                           f"no traffic: the denominator sums to {sum_d:g} over the {steps} "
                           f"steps with data")
    if kpi.ratio.slo:  # a share of an SLO's events: clip extrapolation noise
        sum_top = min(max(sum_top, 0.0), sum_d)
    value = kpi.ratio.scale * sum_top / sum_d
    if not np.isfinite(value):
        return Measurement(kpi.name, "error", None, coverage, steps,
                           "the ratio of the sums overflowed")
    reason = (f"{len(grid) - steps} of {len(grid)} steps lack the numerator or the denominator"
              if steps < len(grid) else "")
    return Measurement(kpi.name, "ok", float(value), coverage, steps, reason)


def _top(numerator: np.ndarray, denominator: np.ndarray, complement: bool) -> np.ndarray:
    """The ratio's numerator per step: the series itself, or ``denominator − it``."""
    if not complement:
        return numerator
    with np.errstate(invalid="ignore"):
        return denominator - numerator


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