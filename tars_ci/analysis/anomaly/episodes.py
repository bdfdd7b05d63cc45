"""Group flagged points into anomaly episodes (offline: the whole span is known here).

An episode opens at a point whose anomaly score reaches ``settings.threshold`` (the *onset*).
Its *pre-episode band* is the baseline the onset was judged against, ± ``settings.z`` of that
baseline's scale, both frozen at the onset: the band the series was expected to stay in
before anything happened. The episode lasts while the series stays outside that band, and
ends at the last point outside it before the series is back inside for more than
``merge_gap`` observed steps in a row — so a 3-hour burst is one 3-hour episode, however
quickly the detector's own baselines adapt to it. Alarms (flagged points) at most
``merge_gap`` steps after an episode's last point join it. A series that has not come back
after ``max_episode_hours`` has a new normal: the episode is closed there, not recovered.
An episode needs ``min_points`` anomalous points (its onset, later alarms and the points
outside the band).
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
    start: float  # the onset: the first point whose score reached the threshold
    end: float  # the last anomalous point (inclusive)
    peak_time: float  # the point with the largest |z|
    peak_value: float
    peak_z: float
    peak_score: float  # the highest score in the episode
    points: int  # anomalous points in the episode
    direction: Direction  # sign of peak_z
    expected: float  # the baseline value at the peak
    onset_z: float  # the z the onset was flagged with …
    band_low: float  # … and the pre-episode band, expected ± z·scale at the onset
    band_high: float
    recovered: bool  # the series came back into the band (False: new normal or data ended)


class _Span(NamedTuple):
    onset: int
    last: int  # last anomalous point
    points: int
    low: float
    high: float
    recovered: bool


def episodes(names: Sequence[str], timestamps: np.ndarray, values: np.ndarray,
             scores: Scores | Fit, settings: AnomalySettings,
             step: timedelta | float = DEFAULT_STEP) -> list[Episode]:
    """Episodes of every series, ordered by start time then KPI name.

    ``timestamps`` (T,) are Unix seconds of the columns of ``values`` (S, T); ``scores`` is
    :func:`score`'s result for ``values`` — or :func:`fit`'s, whose baselines are then used
    instead of refitting. ``step`` must be the one given to :func:`score` (both default to
    one minute).
    """
    x = np.asarray(values, dtype=np.float64)
    ts = np.asarray(timestamps, dtype=np.float64)
    if x.shape != scores.score.shape or x.shape[1:] != ts.shape or len(names) != x.shape[0]:
        raise ValueError(f"shapes disagree: {len(names)} names, values {x.shape}, "
                         f"timestamps {ts.shape}, scores {scores.score.shape}")
    rows = [i for i in range(x.shape[0]) if (scores.score[i] >= settings.threshold).any()]
    if not rows:
        return []
    baselines = scores if isinstance(scores, Fit) else fit(x[rows], settings, step)
    at = {i: (i if isinstance(scores, Fit) else j) for j, i in enumerate(rows)}
    longest = max_steps(settings, step)
    out = []
    for i in rows:
        expected, scale = baselines.expected[at[i]], baselines.scale[at[i]]
        for span in spans(x[i], scores.score[i], expected, scale, settings, longest):
            lo, hi = span.onset, span.last
            z = np.nan_to_num(scores.z[i, lo:hi + 1])
            peak = lo + int(np.argmax(np.abs(z)))
            out.append(Episode(
                kpi=names[i], start=float(ts[lo]), end=float(ts[hi]), peak_time=float(ts[peak]),
                peak_value=float(x[i, peak]), peak_z=float(scores.z[i, peak]),
                peak_score=float(np.max(scores.score[i, lo:hi + 1])), points=span.points,
                direction="up" if scores.z[i, peak] >= 0 else "down",
                expected=float(expected[peak]), onset_z=float(scores.z[i, lo]),
                band_low=span.low, band_high=span.high, recovered=span.recovered))
    return sorted(out, key=lambda e: (e.start, e.kpi))


def max_steps(settings: AnomalySettings, step: timedelta | float) -> int:
    """``max_episode_hours`` in steps (at least 1)."""
    seconds = step.total_seconds() if isinstance(step, timedelta) else float(step)
    if not seconds > 0:
        return 1
    return max(1, round(settings.max_episode_hours * 3600.0 / seconds))


def spans(x: np.ndarray, score: np.ndarray, expected: np.ndarray, scale: np.ndarray,
          s: AnomalySettings, longest: int) -> list[_Span]:
    """The episodes of one series (see the module docstring)."""
    flagged = np.flatnonzero(score >= s.threshold)
    observed = np.isfinite(x)
    calm = s.merge_gap + 1  # observed points back in the band that end an episode
    out: list[_Span] = []
    k = 0
    while k < flagged.size:
        onset = int(flagged[k])
        centre = expected[onset]
        width = s.z * scale[onset]
        if not (np.isfinite(centre) and np.isfinite(width)):
            centre, width = x[onset], 0.0
        low, high = float(centre - width), float(centre + width)
        stop = min(x.shape[0], onset + longest)
        seen = onset + np.flatnonzero(observed[onset:stop])
        outside = (x[seen] < low) | (x[seen] > high)
        outside[0] = True  # the onset itself is anomalous, whatever the band says
        inside = (~outside).astype(np.int64)
        run = np.convolve(inside, np.ones(calm, dtype=np.int64))[calm - 1:seen.size]
        back = np.flatnonzero(run == calm)  # first `calm` observed points all inside
        if back.size:
            window = seen[:back[0]]
            recovered = True
        else:
            window = seen
            recovered = False
        last = int(window[outside[:window.size]][-1])
        # later alarms within merge_gap of the last anomalous point join the episode
        k += 1
        while k < flagged.size and flagged[k] <= last + s.merge_gap:
            last = max(last, int(flagged[k]))
            k += 1
        points = int(np.count_nonzero(outside[:window.size]))
        later = flagged[(flagged > onset) & (flagged <= last)]
        points += int(np.count_nonzero(~np.isin(later, seen[:window.size][outside[:window.size]])))
        if points >= s.min_points:
            out.append(_Span(onset, last, points, low, high, recovered))
    return out
