"""A day's KPI value against its GA-day baseline: drift, severity and status.

Rules (thresholds from :class:`~tars_ci.spec.model.DriftThresholds`, seeds 10/15/30/50)::

    drift      = (value − baseline) / |baseline| · 100          signed
    bad drift  = drift in the KPI's bad direction, ≥ 0          (an improvement is 0)
    severity   = low ≥ notable, medium ≥ medium, high ≥ high, critical ≥ critical
    headroom   = (limit − value) / (limit − baseline)           lower-is-better KPI with a limit
               = (value − limit) / (baseline − limit)           higher-is-better
      remaining ≥ headroom_cap_medium → severity at most medium
      remaining ≥ headroom_cap_high   → severity at most high
      value beyond the limit (and no better than baseline) → severity at least high
    status     = pass (no severity), warning (low/medium), fail (high/critical),
                 no_data / error when today's value is missing, no_baseline when only the
                 baseline is (a KPI added to the spec after day 0 whose day-0 data is gone:
                 its value is kept, so its absolute bands still judge it)

So 0.05% → 0.08% error rate against a 1% limit is +60% (critical by drift) but keeps 96.8% of
its headroom: medium, warning. A zero baseline is explicit: 0 → 0 is no drift; 0 → anything
else has no drift number (reason "baseline is zero") and is critical in the bad direction,
before the headroom caps, and nothing in the good direction.

Thresholds are compared with a relative tolerance of 1e-9, so float noise cannot move a value
that is exactly on a boundary (0.05 → 0.055 is a 10% drift, severity low).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from tars_ci.analysis.kpis import Measurement, format_value
from tars_ci.spec.levels import severity_at_least, severity_rank, worst_severity
from tars_ci.spec.model import Better, DriftThresholds, Kpi, Severity

Status = Literal["pass", "warning", "fail", "no_data", "error", "no_baseline"]

_TOLERANCE = 1e-9


class Comparison(NamedTuple):
    """One KPI on one day compared with its GA baseline."""

    kpi: str
    status: Status
    value: float | None
    baseline: float | None
    drift_percent: float | None  # signed; None when missing or the baseline is zero
    bad_drift_percent: float | None  # ≥ 0, drift in the bad direction
    severity: Severity | None
    headroom_remaining: float | None  # share of baseline headroom to kpi.limit still left
    coverage: float
    reason: str


def compare(kpi: Kpi, measurement: Measurement, baseline: Measurement,
            th: DriftThresholds) -> Comparison:
    """Compare today's ``measurement`` of ``kpi`` with its GA-day ``baseline``."""
    value = measurement.value if measurement.status == "ok" else None
    base = baseline.value if baseline.status == "ok" else None
    notes = [f"today: {measurement.reason}"] if measurement.reason else []
    if baseline.reason:
        notes.append(f"GA baseline: {baseline.reason}")
    if value is not None and base is None and baseline.status != "error":
        return Comparison(kpi.name, "no_baseline", value, None, None, None, None, None,
                          measurement.coverage,
                          "; ".join([f"{format_value(value, kpi.unit)} today; no GA baseline "
                                     f"to compare it with", *notes]))
    if value is None or base is None:
        # A failed query is a different problem from an empty one: error wins.
        status: Status = ("error" if "error" in (measurement.status, baseline.status)
                          else "no_data")
        missing = [what for what, v in (("today's value", value), ("the GA baseline", base))
                   if v is None]
        reason = "; ".join([f"{' and '.join(missing)} missing", *notes])
        return Comparison(kpi.name, status, value, base, None, None, None, None,
                          measurement.coverage, reason)

    sign = 1.0 if kpi.better == "lower" else -1.0  # +1: increases are bad
    head: list[str] = []
    if base == 0:
        drift: float | None = 0.0 if value == 0 else None
        bad: float | None = 0.0 if value == 0 else None
        worse = sign * value > 0
        severity: Severity | None = "critical" if worse else None
        if drift is None:
            head.append(f"baseline is zero; {format_value(value, kpi.unit)} is "
                        f"{'worse' if worse else 'better'} (no drift percentage)")
    else:
        drift = (value - base) / abs(base) * 100.0
        bad = max(0.0, sign * drift)
        severity = severity_for(bad, th)
        worse = sign * (value - base) > 0
    drift_severity = severity
    remaining, limit_note = None, ""
    if kpi.limit is not None:
        remaining, severity, limit_note = _headroom(kpi, value, base, severity, th)
    if drift is not None:
        direction = "worse" if worse else ("better" if value != base else "unchanged")
        head.append(f"{format_value(value, kpi.unit)} vs baseline "
                    f"{format_value(base, kpi.unit)}: {format_drift(drift)} ({direction})")
    if severity != drift_severity:
        head.append(f"drift alone gives {drift_severity or 'no severity'}; {limit_note}, "
                    f"so severity {severity}")
    else:
        head.append(f"severity {severity}" if severity else "no severity")
        if limit_note:
            head.append(limit_note)
    return Comparison(kpi.name, status_for(severity), value, base, drift, bad, severity,
                      remaining, measurement.coverage, "; ".join(head + notes))


def _headroom(kpi: Kpi, value: float, base: float, severity: Severity | None,
              th: DriftThresholds) -> tuple[float | None, Severity | None, str]:
    """Apply the absolute-headroom rules; returns (remaining, severity, note)."""
    assert kpi.limit is not None
    limit, unit = kpi.limit, kpi.unit
    sign = 1.0 if kpi.better == "lower" else -1.0
    room_then = sign * (limit - base)
    beyond = sign * (value - limit) > 0
    no_better = sign * (value - base) >= 0
    if beyond and no_better:
        raised = max_severity(severity, "high")
        return (sign * (limit - value) / room_then if room_then > 0 else None, raised,
                f"{format_value(value, unit)} is beyond the limit {format_value(limit, unit, exact=True)}")
    if room_then <= 0:
        return None, severity, (f"baseline already at or beyond the limit "
                                f"{format_value(limit, unit, exact=True)}: no headroom cap")
    remaining = sign * (limit - value) / room_then
    cap: Severity | None = None
    if at_least(remaining, th.headroom_cap_medium):
        cap = "medium"
    elif at_least(remaining, th.headroom_cap_high):
        cap = "high"
    note = f"{remaining:.1%} of the headroom to the limit {format_value(limit, unit, exact=True)} remains"
    if cap is not None and severity_rank(severity) > severity_rank(cap):
        return remaining, cap, note
    return remaining, severity, note


def severity_for(bad_drift: float, th: DriftThresholds) -> Severity | None:
    """Severity of a bad-direction drift in percent (None below ``th.notable``)."""
    levels: tuple[tuple[Severity, float], ...] = (
        ("critical", th.critical), ("high", th.high), ("medium", th.medium), ("low", th.notable))
    for severity, bound in levels:
        if at_least(bad_drift, bound):
            return severity
    return None


def status_for(severity: Severity | None) -> Status:
    """pass without severity, warning for low/medium, fail for high/critical."""
    if severity is None:
        return "pass"
    return "fail" if severity_at_least(severity, "high") else "warning"


def at_least(x: float, bound: float) -> bool:
    """``x ≥ bound`` up to float noise (relative tolerance 1e-9)."""
    return x >= bound - _TOLERANCE * max(1.0, abs(bound))


def at_least_from(bound: float) -> float:
    """The smallest ``x`` for which :func:`at_least` ``(x, bound)`` holds."""
    return bound - _TOLERANCE * max(1.0, abs(bound))


def max_severity(a: Severity | None, b: Severity | None) -> Severity | None:
    """The more severe of two severities (None is below low); see :mod:`tars_ci.spec.levels`."""
    return worst_severity(a, b)


__all__ = ["Comparison", "Status", "at_least", "at_least_from", "compare", "format_drift", "max_severity",
           "severity_for", "severity_rank", "status_for"]


def format_drift_word(drift: float | None, better: Better) -> str:
    """A drift as people read it, in the KPI's bad direction: ``+12.0% (worse)`` for a
    lower-is-better KPI that rose, ``-1.0% (worse)`` for an availability drop, ``(better)``
    for an improvement, ``0.00% (unchanged)`` for none; a drift below 0.005 % keeps two
    significant digits (``-0.0038% (worse)``), never "-0.00%"; ``n/a`` for None."""
    if drift is None:
        return "n/a"
    if drift == 0:
        return "0.00% (unchanged)"
    # below 0.005 % two decimals would read "-0.00%": two significant digits instead
    shown = format_drift(drift) if abs(drift) >= 0.005 else f"{drift:+.2g}%"
    worse = drift > 0 if better == "lower" else drift < 0
    return f"{shown} ({'worse' if worse else 'better'})"


def format_drift(drift: float | None) -> str:
    """``+37.5%`` (two decimals below 1%: ``-0.45%``); ``n/a`` for None."""
    if drift is None:
        return "n/a"
    return f"{drift:+.2f}%" if abs(drift) < 1 else f"{drift:+.1f}%"
