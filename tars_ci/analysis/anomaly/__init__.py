"""Anomaly detection: EWMA + z-score baselines, scored by the surprise of their z-scores.

``score(values, settings)`` scores every KPI series at once (online: a row's score depends
only on earlier rows); ``episodes(...)`` groups the flagged points into episodes for
``anomalies/anomaly_events.json``. The method is described in :mod:`.detector`.
"""

from tars_ci.analysis.anomaly.detector import (
    DEFAULT_STEP,
    HALF_EVIDENCE,
    Fit,
    Scores,
    fit,
    novelty_steps,
    period_steps,
    score,
)
from tars_ci.analysis.anomaly.episodes import Episode, episodes

__all__ = ["DEFAULT_STEP", "HALF_EVIDENCE", "Episode", "Fit", "Scores", "episodes", "fit",
           "novelty_steps", "period_steps", "score"]
