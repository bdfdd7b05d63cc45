"""One stage criterion judged on the canary's (and the stable track's) window: pass, fail,
no_data or error, with the value, the threshold and the reason.

Each criterion of a stage gives up to four rows, the window's and the recent part's::

    <metric>:threshold          the canary's window value (the metric's ``aggregate``)
                                against the criterion's comparison, e.g. ``< 1.5``
    <metric>:threshold:recent   the worst level the canary held for two consecutive samples in
                                the recent part (``gates.recent``) against the same
                                comparison: a fresh step shows at once, a one-scrape glitch
                                does not (not for ``aggregate: last``, already the latest)
    <metric>:drift              canary against stable over the window (drift.window_check)
    <metric>:drift:recent       canary against stable over the recent part (drift.recent_check)

Evidence first: a row whose track has less than ``min_coverage`` of the window's points (or
of half of that in the recent part) is ``no_data`` with "insufficient data"; a track without
any data is ``no_data`` naming its selector and query; a failed query is ``error``. Missing
data is never a pass.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

import numpy as np

from tars_ci.analysis.kpis import Measurement, measure
from tars_ci.gates.drift import DriftCheck, recent_check, window_check
from tars_ci.gates.units import byte_unit, exact_bytes, judged, show
from tars_ci.sources.interface import QueryResult, Samples
from tars_ci.spec.gates import BYTES
from tars_ci.spec.model import GateCriterion, GateMetric, GateStatistics, Kpi

SEVERAL_SERIES_HINT = ("; a gate metric can also keep one series per pod and set `by: pod`: "
                       "the worst pod is judged and named")

Status = Literal["pass", "fail", "no_data", "error"]
Kind = Literal["threshold", "drift", "requests"]
Part = Literal["window", "recent"]


class Track(NamedTuple):
    """One query on one track over the gate window (finite samples, in time order)."""

    name: str  # "canary" or "stable"
    selector: str  # the track's label matchers
    query: str  # the PromQL that ran
    measurement: Measurement  # the window value by the metric's aggregate, or why none
    times: np.ndarray
    values: np.ndarray
    expected: int  # grid points in the window
    recent_from: float  # samples after this timestamp are the recent part
    recent_expected: int  # grid points in the recent part
    worst: str = ""  # the worst series of a per-series metric, e.g. "pod checkout-api-c-1"

    @property
    def recent(self) -> np.ndarray:
        """The samples of the recent part."""
        return self.values[self.times > self.recent_from]


class CriterionResult(NamedTuple):
    """One row of the gate: a criterion of one metric (or the stage's traffic), judged."""

    id: str  # f"{metric}:{kind}", plus ":recent" for the recent part
    metric: str
    kind: Kind
    part: Part
    status: Status
    critical: bool
    unit: str
    value: float | None  # the canary's value (window, or recent part)
    stable: float | None  # the stable track's value over the same part
    threshold: str  # what was required, e.g. "< 1.5" or "drift < 10%"
    drift_percent: float | None  # signed (canary − stable)/|stable|·100
    p_value: float | None  # drift rows only
    effect_percent: float | None  # Hodges–Lehmann shift relative to the stable median
    canary_samples: int
    stable_samples: int
    coverage: float | None  # the canary's share of the part's points
    series: str  # the worst series of a per-series metric ("" otherwise)
    scale: str  # byte unit the values are shown in ("" otherwise)
    reason: str


def track(metric: GateMetric, name: str, selector: str, query: str, result: QueryResult,
          grid: tuple[int, int, float], worst: str = "") -> Track:
    """One track's result for ``metric``; ``grid`` is (window points, recent points, recent
    start). Non-finite samples are dropped (``measure`` says how many)."""
    expected, recent_expected, recent_from = grid
    kpi = Kpi(name=metric.name, query="", unit=metric.unit, better=metric.better,
              aggregate=metric.aggregate)
    m = measure(kpi, result, expected)
    if isinstance(result, Samples):
        times = np.asarray(result.timestamps, dtype=np.float64)
        values = np.asarray(result.values, dtype=np.float64)
        keep = np.isfinite(values)
        times, values = times[keep], values[keep]
    else:
        times = values = np.empty(0)
    return Track(name, selector, query, m, times, values, expected, recent_from,
                 recent_expected, worst)


def recent_value(metric: GateMetric, t: Track) -> float | None:
    """The metric's aggregate over the recent part (None without samples there)."""
    values = t.recent
    if values.size == 0:
        return None
    kpi = Kpi(name=metric.name, query="", unit=metric.unit, better=metric.better,
              aggregate=metric.aggregate)
    m = measure(kpi, Samples(np.arange(values.size, dtype=np.float64), values, {}),
                values.size)
    return m.value


def sustained_worst(values: np.ndarray, better: str) -> float:
    """The worst level held for two consecutive samples (the one sample when alone)."""
    if values.size == 1:
        return float(values[0])
    if better == "lower":
        return float(np.max(np.minimum(values[:-1], values[1:])))
    return float(np.min(np.maximum(values[:-1], values[1:])))


def shortage(t: Track, min_coverage: float, part: Part,
             recent: str) -> tuple[Status, str] | None:
    """Why ``t`` cannot be judged over ``part`` (error before no_data), or None."""
    m = t.measurement
    if m.status == "error":
        hint = SEVERAL_SERIES_HINT if "series where one was expected" in m.reason else ""
        return "error", f"{t.name}: {m.reason} ({t.selector}){hint}"
    if m.status == "no_data":
        return "no_data", f"{t.name} ({t.selector}): {m.reason}; query: {t.query}"
    if part == "window":
        have, need = t.values.size, math.ceil(t.expected * min_coverage - 1e-9)
        where = "window"
    else:
        have = t.recent.size
        need = max(2, math.ceil(t.recent_expected * min_coverage / 2 - 1e-9))
        where = f"last {recent}"
    if have < need:
        total = t.expected if part == "window" else t.recent_expected
        return "no_data", (f"insufficient data: {t.name} has {have} of {total} points in the "
                           f"{where}, the gate needs at least {need}")
    return None


def _row(metric: GateMetric, kind: Kind, part: Part, threshold: str, canary: Track,
         stable: Track, scale: str = "") -> CriterionResult:
    suffix = ":recent" if part == "recent" else ""
    c = canary.recent if part == "recent" else canary.values
    s = stable.recent if part == "recent" else stable.values
    total = canary.recent_expected if part == "recent" else canary.expected
    return CriterionResult(
        id=f"{metric.name}:{kind}{suffix}", metric=metric.name, kind=kind, part=part,
        status="error", critical=metric.critical, unit=metric.unit, value=None, stable=None,
        threshold=threshold, drift_percent=None, p_value=None, effect_percent=None,
        canary_samples=int(c.size), stable_samples=int(s.size),
        coverage=round(min(1.0, c.size / total), 4) if total else None,
        series=canary.worst, scale=scale, reason="")


def judge_threshold(metric: GateMetric, criterion: GateCriterion, canary: Track,
                    stable: Track, min_coverage: float, part: Part,
                    recent: str) -> CriterionResult:
    """The canary's value over ``part`` against the criterion's comparison."""
    bound = criterion.bound
    if bound is None:
        raise ValueError(f"criterion {metric.name!r} has no threshold")
    scale = byte_unit(bound, metric.rollback_bound)
    row = _row(metric, "threshold", part, str(bound), canary, stable, scale)
    if part == "window":
        row = row._replace(value=canary.measurement.value, stable=stable.measurement.value)
    else:
        row = row._replace(
            value=sustained_worst(canary.recent, metric.better) if canary.recent.size else None,
            stable=sustained_worst(stable.recent, metric.better) if stable.recent.size else None)
    missing = shortage(canary, min_coverage, part, recent)
    if missing is not None:
        return row._replace(status=missing[0], value=None, reason=missing[1])
    assert row.value is not None  # shortage() checked there are samples
    value = judged(row.value, metric.unit)
    row = row._replace(value=value)
    shown = show(value, metric.unit, scale)
    if metric.unit == BYTES:
        shown = f"{shown} ({exact_bytes(value)})"
    what = (f"in the last {recent} (the worst level held over two samples)" if part == "recent"
            else "over the window")
    if bound.holds(value):
        return row._replace(status="pass", reason=f"canary {what}: {shown}, {bound}")
    where = f" on {canary.worst}" if canary.worst else ""
    note = f"; stable {show(row.stable, metric.unit, scale)}" if row.stable is not None else ""
    units = f"; {bound.unit} = {_unit_size(bound.unit)}" if bound.unit else ""
    return row._replace(status="fail", reason=(
        f"canary {metric.display} {what} is {shown}{where}, not {bound}{note}{units}"))


def _unit_size(unit: str) -> str:
    return {"kB": "10³", "MB": "10⁶", "GB": "10⁹", "TB": "10¹²", "KiB": "2¹⁰", "MiB": "2²⁰",
            "GiB": "2³⁰", "TiB": "2⁴⁰", "B": "1"}[unit] + " bytes"


def judge_drift(metric: GateMetric, criterion: GateCriterion, canary: Track, stable: Track,
                stats: GateStatistics, min_coverage: float, part: Part,
                recent: str) -> CriterionResult:
    """Canary against stable over ``part`` (see :mod:`tars_ci.gates.drift`)."""
    limit = criterion.max_drift_percent
    if limit is None:
        raise ValueError(f"criterion {metric.name!r} has no max_drift_percent")
    row = _row(metric, "drift", part, f"drift < {limit:g}%", canary, stable)
    for t in (canary, stable):
        missing = shortage(t, min_coverage, "window", recent) or (
            shortage(t, min_coverage, "recent", recent) if part == "recent" else None)
        if missing is not None:
            return row._replace(status=missing[0], reason=missing[1])
    if part == "window":
        for t in (canary, stable):
            if t.values.size < stats.min_samples:
                return row._replace(status="no_data", reason=(
                    f"{t.name}: only {t.values.size} finite samples, the comparison needs at "
                    f"least {stats.min_samples}"))
        c, s = canary.measurement.value, stable.measurement.value
        assert c is not None and s is not None  # shortage() checked both
        check: DriftCheck = window_check(canary.values, stable.values, (c, s), limit=limit,
                                         better=metric.better, alpha=stats.alpha,
                                         serial=stats.serial_correction)
    else:
        c_recent, s_recent = recent_value(metric, canary), recent_value(metric, stable)
        assert c_recent is not None and s_recent is not None
        c, s = c_recent, s_recent
        check = recent_check(canary.recent, stable.values, (c, s), limit=limit,
                             better=metric.better, alpha=stats.alpha,
                             serial=stats.serial_correction)
        row = row._replace(stable_samples=int(stable.values.size))
    row = row._replace(value=c, stable=s, drift_percent=check.drift_percent,
                       p_value=check.difference.p_value,
                       effect_percent=(check.difference.effect_percent if part == "window"
                                       else None))
    if check.failed:
        return row._replace(status="fail", reason=f"canary {metric.display} {check.reason}")
    return row._replace(status="pass", reason=check.reason)
