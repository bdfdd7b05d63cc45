"""The Numenta Anomaly Benchmark (NAB) corpus and its scoring, for the anomaly benchmarks.

A NAB folder (``--nab-dir DIR``) is a checkout of github.com/numenta/NAB (or a copy of part
of it): ``data/<group>/<name>.csv`` (``timestamp,value``), ``labels/combined_windows.json``
(anomaly windows per file) and the cost profiles (``config/profiles.json`` in a checkout,
``profiles.json`` beside ``data/`` in a copy). ``DIR`` may also name the ``data`` folder
itself. Nothing here has a default location: a user with a NAB checkout passes its path.
Only the groups of :data:`GROUPS` are read unless others are asked for: they are the 28 files
(36 labelled windows) the README's NAB tables are measured on, and a checkout has more.

:func:`nab_score` is NAB's scoring (github.com/numenta/NAB, MIT licence: ``nab/scorer.py`` and
``nab/sweeper.py``), vectorised so a parameter search can score the corpus thousands of times:

- the first ``min(floor(0.15·N), 750)`` rows of a file are probation and are not scored;
- a window rewards its earliest detection with ``A_TP·σ(position)``, a missed window costs
  ``A_FN``, and each detection outside a window costs ``A_FP`` (weighted by its distance to
  the window before it);
- one threshold is chosen for the whole corpus — the best one — or given;
- the total is normalised so that the null detector scores 0 and a perfect one 100.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from bench.measure import BenchError

PROFILES = ("standard", "reward_low_FP_rate", "reward_low_FN_rate")
#: The NAB groups of the README's tables (28 files, 36 labelled windows).
GROUPS = ("artificialNoAnomaly", "artificialWithAnomaly", "realAWSCloudwatch")


class Cost(NamedTuple):
    """One NAB cost profile."""

    tp: float
    fp: float
    fn: float


class NabFile(NamedTuple):
    """One labelled series."""

    name: str  # "<group>/<file>.csv"
    group: str
    timestamps: np.ndarray  # Unix seconds
    values: np.ndarray  # NaN where missing
    windows: tuple[tuple[int, int], ...]  # (first, last) row of each window, inclusive


class Corpus(NamedTuple):
    """A NAB folder, read once."""

    files: tuple[NabFile, ...]
    costs: dict[str, Cost]

    def groups(self) -> list[str]:
        """The data folder's groups, sorted."""
        return sorted({f.group for f in self.files})

    def only(self, groups: Sequence[str]) -> Corpus:
        """The files of these groups."""
        return Corpus(tuple(f for f in self.files if f.group in groups), self.costs)


def root(nab_dir: Path) -> Path:
    """The NAB folder of ``nab_dir`` (itself, or its parent when given its ``data`` folder);
    a :class:`BenchError` saying what is missing when it is not one."""
    if not nab_dir.is_dir():
        raise BenchError(f"--nab-dir {nab_dir}: no such folder (give a NAB checkout: "
                         "git clone https://github.com/numenta/NAB)")
    if not (nab_dir / "data").is_dir() and (nab_dir.parent / "labels").is_dir():
        nab_dir = nab_dir.parent
    for need in ("data", "labels/combined_windows.json"):
        if not (nab_dir / need).exists():
            raise BenchError(f"--nab-dir {nab_dir}: no {need} (is it a NAB checkout?)")
    return nab_dir


def group_folders(nab_dir: Path, groups: Sequence[str] = GROUPS) -> list[Path]:
    """``data/<group>`` of each group; a :class:`BenchError` naming any that is missing."""
    data = root(nab_dir) / "data"
    missing = [g for g in groups if not (data / g).is_dir()]
    if missing:
        raise BenchError(f"--nab-dir {nab_dir}: no group {', '.join(missing)} under {data}")
    return [data / g for g in groups]


def load(nab_dir: Path, groups: Sequence[str] = GROUPS) -> Corpus:
    """Read the labelled files of ``groups`` and the cost profiles of a NAB folder."""
    group_folders(nab_dir, groups)
    nab_dir = root(nab_dir)
    labels = json.loads((nab_dir / "labels" / "combined_windows.json").read_text())
    for candidate in (nab_dir / "profiles.json", nab_dir / "config" / "profiles.json"):
        if candidate.is_file():
            profiles = json.loads(candidate.read_text())
            break
    else:
        raise BenchError(f"--nab-dir {nab_dir}: no config/profiles.json (NAB's cost profiles)")
    files = []
    for name in sorted(n for n in labels if n.split("/")[0] in groups):
        if not (nab_dir / "data" / name).is_file():
            raise BenchError(f"--nab-dir {nab_dir}: data/{name} is labelled but missing")
        lines = (nab_dir / "data" / name).read_text().splitlines()[1:]
        stamps = [line.split(",", 1)[0] for line in lines]
        values = np.array([float(line.rsplit(",", 1)[1] or "nan") for line in lines])
        seconds = np.array(stamps, dtype="datetime64[s]").astype(np.int64).astype(np.float64)
        index = {t: i for i, t in enumerate(stamps)}
        windows = tuple((index[a.split(".")[0]], index[b.split(".")[0]]) for a, b in labels[name])
        files.append(NabFile(name, name.split("/")[0], seconds, values, windows))
    costs = {p: Cost(c["CostMatrix"]["tpWeight"], c["CostMatrix"]["fpWeight"],
                     c["CostMatrix"]["fnWeight"]) for p, c in profiles.items()}
    return Corpus(tuple(files), costs)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.where(x > 3, -1.0, 2.0 / (1.0 + np.exp(5.0 * np.minimum(x, 3.0))) - 1.0)


class _Rows(NamedTuple):
    """The scored rows of a corpus: window id (−1 outside) and value of a detection there."""

    window: np.ndarray
    value: np.ndarray
    keep: list[np.ndarray]  # per file, the scored (post-probation) row indices


def _rows(files: Sequence[NabFile], cost: Cost) -> _Rows:
    windows, values, keep = [], [], []
    next_id = 0
    for f in files:
        n = len(f.values)
        label = np.full(n, -1)
        value = np.zeros(n)
        for lo, hi in f.windows:
            i = np.arange(lo, hi + 1)
            label[i] = next_id
            value[i] = cost.tp * _sigmoid(-(hi - i + 1) / (hi - lo + 1)) / _sigmoid(np.array(-1.0))
            next_id += 1
        # outside windows: −A_FP before the first window, then weighted by the distance to
        # the last window that ended at or before the row
        outside = label < 0
        ends = np.array([hi for _, hi in f.windows], dtype=np.int64)
        widths = np.array([hi - lo + 1 for lo, hi in f.windows], dtype=np.float64)
        i = np.arange(n)
        k = np.searchsorted(ends, i, side="left") - 1  # last window with end < i ...
        prev = np.where(k >= 0, k, 0)
        fp = np.full(n, -cost.fp)
        if ends.size:
            far = cost.fp * _sigmoid(np.abs(ends[prev] - i) / np.maximum(widths[prev] - 1, 1))
            fp = np.where(k >= 0, far, fp)
        value[outside] = fp[outside]
        scored = np.arange(min(math.floor(0.15 * n), 750), n)
        windows.append(label[scored])
        values.append(value[scored])
        keep.append(scored)
    return _Rows(np.concatenate(windows), np.concatenate(values), keep)


class Result(NamedTuple):
    """A corpus score under one profile."""

    score: float  # normalised: null detector 0, perfect 100
    threshold: float
    raw: float
    detected: int  # windows with a detection at the threshold
    windows: int
    false_positives: int  # detections outside windows at the threshold


def nab_score(files: Sequence[NabFile], scores: Sequence[np.ndarray], cost: Cost,
              threshold: float | None = None, nominal_windows: float | None = None) -> Result:
    """NAB's score of ``scores`` (one array per file) at ``threshold``, or at the best one.

    A corpus without windows has no NAB normalisation (null = perfect = 0); pass
    ``nominal_windows`` to normalise its false positives as if it had that many windows.
    """
    rows = _rows(files, cost)
    s = np.concatenate([np.asarray(sc, dtype=np.float64)[k] for sc, k in zip(scores, rows.keep)])
    n_windows = sum(len(f.windows) for f in files)
    order = np.argsort(-s, kind="stable")
    s, win, val = s[order], rows.window[order], rows.value[order]
    gain = np.where(win < 0, val, 0.0)
    labelled = np.flatnonzero(win >= 0)
    if labelled.size:
        # per window, the running best detection value in order of decreasing score
        by_window = labelled[np.lexsort((labelled, win[labelled]))]
        offset = win[by_window] * 10.0  # values are in [−1, 1]: offsets keep windows apart
        best = np.maximum.accumulate(val[by_window] + offset) - offset
        first = np.r_[True, win[by_window][1:] != win[by_window][:-1]]
        previous = np.where(first, -cost.fn, np.r_[-cost.fn, best[:-1]])
        gain[by_window] = best - previous
    total = -cost.fn * n_windows + np.cumsum(gain)
    last_of_tie = np.r_[s[1:] != s[:-1], True]
    if threshold is None:
        candidates = np.flatnonzero(last_of_tie)
        pick = candidates[np.argmax(total[candidates])] if candidates.size else -1
        raw0 = -cost.fn * n_windows
        if pick < 0 or total[pick] <= raw0:
            at, raw, thr = -1, raw0, math.inf
        else:
            at, raw, thr = int(pick), float(total[pick]), float(s[pick])
    else:
        at = int(np.searchsorted(-s, -threshold, side="right")) - 1
        raw = float(total[at]) if at >= 0 else -cost.fn * n_windows
        thr = threshold
    hit = slice(0, at + 1)
    detected = len(np.unique(win[hit][win[hit] >= 0]))
    fps = int(np.count_nonzero(win[hit] < 0))
    if n_windows:
        null, perfect = -n_windows * cost.fn, n_windows * cost.tp
        normalised = 100.0 * (raw - null) / (perfect - null)
    elif nominal_windows:  # nothing to find: no detection is perfect, each false one costs
        normalised = 100.0 + 100.0 * raw / (nominal_windows * (cost.tp + cost.fn))
    else:
        normalised = math.nan
    return Result(normalised, thr, raw, detected, n_windows, fps)
