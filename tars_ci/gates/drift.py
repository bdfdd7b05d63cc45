"""Is the canary worse than stable by ``limit`` percent or more? Two checks, pure numpy.

A drift criterion is judged twice, each at ``alpha/2`` (Bonferroni, so together they raise
false alarms at most at ``alpha``)::

    window   over the whole window: the relative drift of the values (canary − stable)/
             |stable|·100 in the metric's bad direction is ≥ limit, AND the Mann–Whitney test
             finds the canary worse, significant at alpha/2, with a Hodges–Lehmann shift of at
             least limit % of the stable median (statistics.compare);
    recent   over the window's recent part: the recent drift (canary's recent value against
             stable's over the same minutes, so a shift of the whole service is no drift) is
             ≥ limit, AND the recent canary samples are worse than the stable window's samples
             moved by the limit — stable·(1 + limit/100), or (1 − limit/100) when higher is
             better — significant at alpha/2.

The recent check is what catches a fresh step or the latest minutes of a ramp while the
window as a whole still looks fine. Testing against stable *moved by the limit* is what keeps
its false alarms down on a few samples: the bounded serial correction (statistics.py) lets a
complete separation of the recent samples count, and by chance the recent canary rarely lies
entirely beyond stable + the allowed drift.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from tars_ci.gates.statistics import Difference, compare
from tars_ci.spec.fields import Better

_TOLERANCE = 1e-9


class DriftCheck(NamedTuple):
    """One drift check: failed or not, the drift it saw and the test behind it."""

    failed: bool
    drift_percent: float | None  # signed (canary − stable)/|stable|·100; None when stable is 0
    bad_percent: float  # the drift in the bad direction (≥ 0; inf against a zero stable)
    difference: Difference
    reason: str


def relative_drift(canary: float, stable: float, better: Better) -> tuple[float | None, float]:
    """Signed relative drift and the part of it in the bad direction (see DriftCheck)."""
    sign = 1.0 if better == "lower" else -1.0
    if stable != 0:
        drift = float((canary - stable) / abs(stable) * 100.0)
        return drift, max(0.0, sign * drift)
    return (0.0 if canary == 0 else None), (float("inf") if sign * (canary - stable) > 0
                                             else 0.0)


def _shown(drift: float | None, canary: float) -> str:
    return (f"{drift:+.1f}% from stable" if drift is not None
            else f"to {canary:.4g} from a stable value of zero")


def window_check(canary: np.ndarray, stable: np.ndarray, values: tuple[float, float], *,
                 limit: float, better: Better, alpha: float, serial: bool = True) -> DriftCheck:
    """The whole-window check; ``values`` are the two tracks' window values (aggregates)."""
    drift, bad = relative_drift(values[0], values[1], better)
    diff = compare(canary, stable, alpha=alpha / 2, min_effect_percent=limit, serial=serial)
    worse = diff.direction == ("higher" if better == "lower" else "lower")
    over = bad >= limit * (1 - _TOLERANCE)
    shown = _shown(drift, values[0])
    if over and worse:
        reason = (f"drifts {shown} (allowed < {limit:g}%), and the shift is real: "
                  f"{diff.reason}")
    elif over:
        reason = (f"drifts {shown}, {limit:g}% or more, but it is not a real shift: "
                  f"{diff.reason}")
    else:
        reason = f"drifts {shown}, allowed < {limit:g}% ({diff.reason})"
    return DriftCheck(over and worse, drift, bad, diff, reason)


def recent_check(canary_recent: np.ndarray, stable_window: np.ndarray,
                 values: tuple[float, float], *, limit: float, better: Better, alpha: float,
                 serial: bool = True) -> DriftCheck:
    """The recent check; ``values`` are the two tracks' values over the recent part."""
    drift, bad = relative_drift(values[0], values[1], better)
    factor = 1.0 + limit / 100.0 if better == "lower" else 1.0 - limit / 100.0
    diff = compare(canary_recent, stable_window * factor, alpha=alpha / 2,
                   min_effect_percent=0.0, serial=serial)
    beyond = diff.direction == ("higher" if better == "lower" else "lower")
    # reported one-sided, in the bad direction: the two-sided test at alpha/2 is this < alpha/4
    higher = diff.test.u > diff.test.n_x * diff.test.n_y / 2.0
    one_sided = diff.p_value / 2 if higher == (better == "lower") else 1 - diff.p_value / 2
    diff = diff._replace(p_value=one_sided)
    over = bad >= limit * (1 - _TOLERANCE)
    shown = _shown(drift, values[0])
    moved = f"stable {'+' if better == 'lower' else '−'}{limit:g}%"
    test = (f"one-sided p={one_sided:.2g} that the recent canary is worse than {moved} "
            f"(n={canary_recent.size}/{stable_window.size})")
    if over and beyond:
        reason = (f"drifts {shown} in the recent part (allowed < {limit:g}%), and it is "
                  f"beyond noise: {test} < {alpha / 4:g}")
    elif over:
        reason = (f"drifts {shown} in the recent part, {limit:g}% or more, but within noise: "
                  f"{test} ≥ {alpha / 4:g}")
    else:
        reason = f"drifts {shown} in the recent part, allowed < {limit:g}% ({test})"
    return DriftCheck(over and beyond, drift, bad, diff, reason)
