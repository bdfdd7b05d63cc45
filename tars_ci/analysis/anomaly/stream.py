"""Score one long series in bounded memory, following its timestamps.

Rows are placed on a grid of ``step`` seconds by their timestamps, so the seasonal phase
follows the clock, not the row count: a missing hour is a missing hour (NaN slots, which
update no baseline), and rows that arrive a little early or late keep their phase. Rows
closer than a step (jitter, a duplicated timestamp) take the next free slot. A gap longer
than two seasonal periods (1,024 steps without seasonality) is shortened to that length
plus its remainder modulo the period: every baseline has forgotten it by then, and the
phase is kept.

:class:`StreamScorer` scores the grid in chunks. Each chunk is scored together with the
``history`` slots before it — at least 32,768, 24 seasonal periods and twice the novelty
window, longer than the memory of every filter (the slowest, ``rate_alpha`` = 0.001, keeps
e⁻³³ of its start; the seasonal EWMAs 2⁻²⁴; the novelty test reads one window back) — so a chunked score equals the whole series' score to rounding, while
memory depends on the chunk size only. It stays online: a row's score depends on earlier
rows only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tars_ci.analysis.anomaly.detector import novelty_steps, period_steps
from tars_ci.spec.model import AnomalySettings

#: Slots of history scored before each chunk (at least; see the module docstring).
MIN_HISTORY = 1 << 15
HISTORY_PERIODS = 24
#: The longest history kept, whatever the period (about 23 days of 1-second data).
MAX_HISTORY = 1 << 21
#: A gap is shortened to this many seasonal periods (plus its remainder) …
GAP_PERIODS = 2
#: … or to this many steps without seasonality.
GAP_STEPS = 1024


class Grid:
    """Assigns grid slots to successive chunks of increasing timestamps (Unix seconds)."""

    def __init__(self, step: float, period: int) -> None:
        self.step = step
        self.period = period
        self._origin: float | None = None
        self._raw = -1  # raw slot of the previous row
        self._slot = -1  # (shortened) slot of the previous row

    def slots(self, seconds: np.ndarray, commit: bool = True) -> np.ndarray:
        """The slot of each row of ``seconds``, continuing from the previous committed call."""
        n = len(seconds)
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        origin = float(seconds[0]) if self._origin is None else self._origin
        step = self.step if self.step > 0 else 1.0
        raw = np.rint((np.asarray(seconds, dtype=np.float64) - origin) / step)
        raw = raw.astype(np.int64)
        idx = np.arange(n, dtype=np.int64)
        # strictly increasing: a row closer than a step to the previous one takes the next slot
        raw = np.maximum.accumulate(np.maximum(raw - idx, self._raw + 1)) + idx
        gaps = np.diff(raw, prepend=self._raw) - 1
        slots = self._slot + np.cumsum(self._shorten(gaps) + 1)
        if commit:
            self._origin, self._raw, self._slot = origin, int(raw[-1]), int(slots[-1])
        return slots

    def _shorten(self, gaps: np.ndarray) -> np.ndarray:
        if self.period:
            keep = GAP_PERIODS * self.period
            return np.where(gaps > keep, keep + (gaps - keep) % self.period, gaps)
        return np.minimum(gaps, GAP_STEPS)


def history_slots(period: int, window: int = 0) -> int:
    """Slots of history scored before each chunk for a seasonal period of ``period`` slots
    and a novelty window of ``window`` slots."""
    return min(MAX_HISTORY, max(MIN_HISTORY, HISTORY_PERIODS * period, 2 * window))


#: The most slots one chunk may spread over (beyond its rows) before it is split.
MAX_SPAN = 1 << 20


Scorer = Callable[[np.ndarray], np.ndarray]


class StreamScorer:
    """Scores successive chunks of one series; each chunk's rows get their own scores.

    ``score`` maps a (1, T) grid of values to (1, T) scores (the detector). Call
    :meth:`push` with each chunk's timestamps (Unix seconds, increasing across chunks) and
    values (NaN where missing); it returns the scores of that chunk's rows.
    """

    def __init__(self, settings: AnomalySettings, step: float, score: Scorer) -> None:
        self.period = period_steps(settings, step) if step > 0 else 0
        self.grid = Grid(step, self.period)
        self.history = history_slots(self.period,
                                     novelty_steps(settings, step) if step > 0 else 0)
        self._score = score
        self._kept = np.zeros(0)  # values of the last `history` slots
        self._kept_end = 0  # slot after the last kept one

    def push(self, seconds: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Scores of the rows of one chunk."""
        if len(seconds) == 0:
            return np.zeros(0)
        slots = self.grid.slots(seconds, commit=False)
        if len(seconds) > 1 and slots[-1] - slots[0] > MAX_SPAN + len(seconds):
            half = len(seconds) // 2  # rows spread over many gaps: score them in parts
            return np.concatenate([self.push(seconds[:half], values[:half]),
                                   self.push(seconds[half:], values[half:])])
        slots = self.grid.slots(seconds)
        start = self._kept_end - len(self._kept)
        span = int(slots[-1]) + 1 - start
        grid = np.full(span, np.nan)
        grid[:len(self._kept)] = self._kept
        # several rows can never share a slot (slots are strictly increasing)
        grid[slots - start] = values
        scores = self._score(grid[None, :])[0]
        keep = min(self.history, span)
        self._kept = grid[span - keep:].copy()
        self._kept_end = start + span
        return scores[slots - start]
