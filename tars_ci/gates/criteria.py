"""One stage criterion judged on the canary's (and the stable track's) window: pass, fail,
no_data or error, with the value, the threshold and the reason.

Two kinds of rows, per metric of the stage::

    threshold  the canary's window value (reduced by the metric's ``aggregate``) against the
               criterion's comparison, e.g. ``< 1.5``
    drift      canary against stable: fails only when BOTH
                 the relative drift (canary − stable)/|stable|·100 in the metric's bad
                 direction is ≥ max_drift_percent, AND
                 the Mann–Whitney test finds the canary worse with a Hodges–Lehmann shift of
                 at least max_drift_percent (significant at ``alpha``, corrected for serial
                 correlation unless ``serial_correction`` is off; see statistics.py),
               so a real shift fails and a noisy window does not. A track with fewer than
               ``min_samples`` finite samples makes the row no_data.

Missing data is never a pass: a track without data makes its rows ``no_data``, a failed query
``error`` (the reason names the track and carries the source's message).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np

from tars_ci.analysis.kpis import Measurement, format_value, measure
from tars_ci.gates.statistics import compare
from tars_ci.sources.interface import QueryResult, Samples
from tars_ci.spec.model import GateCriterion, GateMetric, GateStatistics, Kpi

Status = Literal["pass", "fail", "no_data", "error"]
Kind = Literal["threshold", "drift"]

_TOLERANCE = 1e-9


class TrackWindow(NamedTuple):
    """One metric on one track over the gate window."""

    measurement: Measurement  # value reduced by the metric's aggregate, or why there is none
    samples: np.ndarray  # the finite samples, in time order


class CriterionResult(NamedTuple):
    """One row of the gate: a criterion of one metric, judged."""

    id: str  # f"{metric}:{kind}"
    metric: str
    kind: Kind
    status: Status
    critical: bool
    unit: str
    value: float | None  # the canary's window value
    stable: float | None  # the stable track's window value
    threshold: str  # what was required, e.g. "< 1.5" or "drift < 10%"
    drift_percent: float | None  # signed (canary − stable)/|stable|·100
    p_value: float | None  # Mann–Whitney, drift rows only
    effect_percent: float | None  # Hodges–Lehmann shift relative to the stable median
    canary_samples: int
    stable_samples: int
    reason: str


def track_window(metric: GateMetric, result: QueryResult, expected_points: int) -> TrackWindow:
    """Reduce one track's query result for ``metric`` (non-finite samples are dropped)."""
    kpi = Kpi(name=metric.name, query="", unit=metric.unit, better=metric.better,
              aggregate=metric.aggregate)
    m = measure(kpi, result, expected_points)
    values = np.asarray(result.values, dtype=np.float64) if isinstance(result, Samples) \
        else np.empty(0)
    return TrackWindow(m, values[np.isfinite(values)])


def judge_threshold(metric: GateMetric, criterion: GateCriterion, canary: TrackWindow,
                    stable: TrackWindow) -> CriterionResult:
    """The canary's window value against the criterion's comparison."""
    bound = criterion.bound
    if bound is None:
        raise ValueError(f"criterion {metric.name!r} has no threshold")
    c, s = canary.measurement, stable.measurement
    row = _row(metric, "threshold", str(bound), canary, stable)
    if c.status != "ok" or c.value is None:
        status: Status = "error" if c.status == "error" else "no_data"
        return row._replace(status=status, reason=f"canary: {c.reason or status}")
    shown = format_value(c.value, metric.unit)
    if bound.holds(c.value):
        return row._replace(status="pass", reason=f"canary {shown} {bound}")
    stable_note = f" (stable {format_value(s.value, metric.unit)})" if s.value is not None else ""
    return row._replace(status="fail",
                        reason=f"canary {metric.display} {shown} is not {bound}{stable_note}")


def judge_drift(metric: GateMetric, criterion: GateCriterion, canary: TrackWindow,
                stable: TrackWindow, stats: GateStatistics) -> CriterionResult:
    """Canary against stable: relative drift AND a significant Mann–Whitney shift."""
    limit = criterion.max_drift_percent
    if limit is None:
        raise ValueError(f"criterion {metric.name!r} has no max_drift_percent")
    row = _row(metric, "drift", f"drift < {limit:g}%", canary, stable)
    missing = _missing(canary, stable, stats.min_samples)
    if missing is not None:
        return row._replace(status=missing[0], reason=missing[1])
    c, s = canary.measurement.value, stable.measurement.value
    assert c is not None and s is not None  # _missing checked both
    sign = 1.0 if metric.better == "lower" else -1.0
    if s != 0:
        drift: float | None = (c - s) / abs(s) * 100.0
        bad = max(0.0, sign * (c - s) / abs(s) * 100.0)
    else:
        drift = 0.0 if c == 0 else None
        bad = float("inf") if sign * (c - s) > 0 else 0.0
    diff = compare(canary.samples, stable.samples, alpha=stats.alpha, min_effect_percent=limit,
                   serial=stats.serial_correction)
    worse = diff.direction == ("higher" if metric.better == "lower" else "lower")
    row = row._replace(drift_percent=drift, p_value=diff.p_value,
                       effect_percent=diff.effect_percent)
    shown = (f"{drift:+.1f}%" if drift is not None
             else f"{format_value(c, metric.unit)} against a stable value of zero")
    over = bad >= limit * (1 - _TOLERANCE)
    if over and worse:
        return row._replace(status="fail", reason=(
            f"canary {metric.display} drifts {shown} from stable (allowed < {limit:g}%), and "
            f"the shift is real: {diff.reason}"))
    if over:
        return row._replace(status="pass", reason=(
            f"drift {shown} reaches {limit:g}% but is not a real shift: {diff.reason}"))
    return row._replace(status="pass",
                        reason=f"drift {shown}, allowed < {limit:g}% ({diff.reason})")


def _row(metric: GateMetric, kind: Kind, threshold: str, canary: TrackWindow,
         stable: TrackWindow) -> CriterionResult:
    return CriterionResult(
        id=f"{metric.name}:{kind}", metric=metric.name, kind=kind, status="error",
        critical=metric.critical, unit=metric.unit, value=canary.measurement.value,
        stable=stable.measurement.value, threshold=threshold, drift_percent=None,
        p_value=None, effect_percent=None, canary_samples=int(canary.samples.size),
        stable_samples=int(stable.samples.size), reason="")


def _missing(canary: TrackWindow, stable: TrackWindow,
             min_samples: int) -> tuple[Status, str] | None:
    """Why a comparison cannot be made (error before no_data), or None when it can."""
    tracks = (("canary", canary), ("stable", stable))
    statuses: tuple[Status, ...] = ("error", "no_data")
    for status in statuses:
        for name, track in tracks:
            if track.measurement.status == status:
                return status, f"{name}: {track.measurement.reason or status}"
    for name, track in tracks:
        if track.samples.size < min_samples:
            return "no_data", (f"{name}: only {track.samples.size} finite samples, the "
                               f"comparison needs at least {min_samples}")
    return None
