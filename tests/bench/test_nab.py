"""bench/nab.py: the vectorised NAB scorer agrees with the plain per-row one of the anomaly
tests, at the best threshold and at a fixed one, and a group without windows is normalised
by its nominal windows. No NAB file is read: the corpus is the labelled synthetic set."""

from __future__ import annotations

import numpy as np
import pytest

from bench import nab
from tars_ci.analysis.anomaly import score
from tests.analysis.test_anomaly import S, labelled_set, nab_score

STANDARD = nab.Cost(1.0, 0.11, 1.0)


def corpus() -> tuple[list[nab.NabFile], list[np.ndarray]]:
    x, windows = labelled_set()
    files = [nab.NabFile(f"g/{i}.csv", "g", 300.0 * np.arange(x.shape[1]), row, tuple(w))
             for i, (row, w) in enumerate(zip(x, windows))]
    return files, list(score(x, S, 300).score)


def test_best_threshold_score_equals_the_plain_scorer() -> None:
    files, scores = corpus()
    got = nab.nab_score(files, scores, STANDARD)
    assert got.score == pytest.approx(nab_score(scores, [list(f.windows) for f in files]))
    assert got.windows == 6 and 0 < got.detected <= 6


def test_a_fixed_threshold_counts_detections_and_false_alarms() -> None:
    files, scores = corpus()
    at = nab.nab_score(files, scores, STANDARD, threshold=S.threshold)
    best = nab.nab_score(files, scores, STANDARD)
    assert at.score <= best.score
    everything = nab.nab_score(files, scores, STANDARD, threshold=0.0)
    assert everything.detected == 6 and everything.false_positives > 100


def test_a_group_without_windows_uses_nominal_windows() -> None:
    quiet = nab.NabFile("q/a.csv", "q", 300.0 * np.arange(2000), np.zeros(2000), ())
    flags = np.zeros(2000)
    assert nab.nab_score([quiet], [flags], STANDARD, threshold=0.5,
                         nominal_windows=2.0).score == 100.0
    flags[[1000, 1500]] = 0.9  # two false alarms cost 2 × 0.11 of 2 × 2 nominal units
    got = nab.nab_score([quiet], [flags], STANDARD, threshold=0.5, nominal_windows=2.0)
    assert got.score == pytest.approx(100 - 100 * 0.22 / 4) and got.false_positives == 2
