"""Group flagged points into anomaly episodes (offline: the whole span is known here).

An episode opens where the anomaly score reaches ``settings.threshold``. It extends over the
neighbouring points whose |z| is at least ``settings.z`` (the runbook's z-score rule) — the
score marks the *onset* of an event once, the z-scores say how long it lasted. Anomalous
points at most ``merge_gap`` steps apart join one episode; an episode needs ``min_points``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Literal, NamedTuple

import numpy as np

from tars_ci.analysis.anomaly.detector import DEFAULT_STEP, Fit, Scores, fit
from tars_ci.spec.model import AnomalySettings

Direction = Literal["up", "down"]


class Episode(NamedTuple):
    """One anomaly episode of one KPI; times are Unix seconds."""

    kpi: str
    start: float  # first anomalous point
    end: float  # last anomalous point (inclusive)
    peak_time: float  # the point with the largest |z|
    peak_value: float
    peak_z: float
    peak_score: float  # the highest score in the episode
    points: int  # anomalous points in the episode
    direction: Direction  # sign of peak_z
    expected: float  # the baseline value at the peak


def episodes(names: Sequence[str], timestamps: np.ndarray, values: np.ndarray,
             scores: Scores | Fit, settings: AnomalySettings,
             step: timedelta | float = DEFAULT_STEP) -> list[Episode]:
    """Episodes of every series, ordered by start time then KPI name.

    ``timestamps`` (T,) are Unix seconds of the columns of ``values`` (S, T); ``scores`` is
    :func:`score`'s result for ``values`` — or :func:`fit`'s, whose expected values are then
    used instead of refitting. ``step`` must be the one given to :func:`score` (both default
    to one minute); it is only used for each episode's expected value.
    """
    x = np.asarray(values, dtype=np.float64)
    ts = np.asarray(timestamps, dtype=np.float64)
    if x.shape != scores.score.shape or x.shape[1:] != ts.shape or len(names) != x.shape[0]:
        raise ValueError(f"shapes disagree: {len(names)} names, values {x.shape}, "
                         f"timestamps {ts.shape}, scores {scores.score.shape}")
    spans = {i: _spans(scores.score[i], scores.z[i], settings) for i in range(x.shape[0])}
    rows = [i for i, found in spans.items() if found]
    if not rows:
        return []
    expected = (scores.expected[rows] if isinstance(scores, Fit)
                else fit(x[rows], settings, step).expected)
    out = []
    for j, i in enumerate(rows):
        for lo, hi, count in spans[i]:
            z = np.nan_to_num(scores.z[i, lo:hi + 1])
            peak = lo + int(np.argmax(np.abs(z)))
            out.append(Episode(
                kpi=names[i], start=float(ts[lo]), end=float(ts[hi]), peak_time=float(ts[peak]),
                peak_value=float(x[i, peak]), peak_z=float(scores.z[i, peak]),
                peak_score=float(np.max(scores.score[i, lo:hi + 1])), points=count,
                direction="up" if scores.z[i, peak] >= 0 else "down",
                expected=float(expected[j, peak])))
    return sorted(out, key=lambda e: (e.start, e.kpi))


def _spans(score: np.ndarray, z: np.ndarray, s: AnomalySettings) -> list[tuple[int, int, int]]:
    """(first, last, anomalous points) of each episode of one series."""
    flagged = np.flatnonzero(score >= s.threshold)
    if flagged.size == 0:
        return []
    strong = np.abs(np.nan_to_num(z)) >= s.z
    anomalous = np.zeros(score.shape, dtype=bool)
    anomalous[flagged] = True
    # grow each flagged point over the contiguous run of |z| ≥ z around it
    run_id = np.cumsum(~strong)  # constant along each run of strong points
    anomalous |= strong & np.isin(run_id, run_id[flagged[strong[flagged]]])
    points = np.flatnonzero(anomalous)
    cuts = np.flatnonzero(np.diff(points) > s.merge_gap + 1) + 1
    out = []
    for group in np.split(points, cuts):
        if group.size >= s.min_points:
            out.append((int(group[0]), int(group[-1]), int(group.size)))
    return out
