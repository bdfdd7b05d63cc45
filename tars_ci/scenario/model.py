"""The ground truth of a synthetic service: what every signal really is, scrape by scrape.

A :class:`Scenario` declares each signal's baseline (level, diurnal swing, noise) and the
regressions injected on top of it. :func:`truth` turns it into one float64 array per signal on
the scrape grid. The sample series Prometheus would scrape (counters, histograms, gauges,
``up``) are derived from this truth by :mod:`tars_ci.scenario.samples`.

Signals and units::

    requests_per_second   total request rate of the service
    error_percent         share of requests answered 5xx, in percent
    p95_ms, p99_ms        latency quantiles (what histogram_quantile should report)
    cpu_percent           mean CPU utilisation of the instances
    memory_percent        mean memory utilisation of the instances
    cost_compute, cost_storage, cost_network   cost rates, USD per hour

Regressions are records: :class:`Step`, :class:`Ramp`, :class:`Spike` and :class:`DayLevels`
change a signal; :class:`Gap` (no scrapes at all) and :class:`CounterReset` (a process
restart, optionally with missed scrapes) change what gets scraped. Times are offsets from the
scenario's origin (the GA time). Noise is deterministic (seeded) and has a zero mean over
every day window, so a day's mean of a gauge is exactly what the scenario says it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import NamedTuple

import numpy as np

SIGNALS = ("requests_per_second", "error_percent", "p95_ms", "p99_ms", "cpu_percent",
           "memory_percent", "cost_compute", "cost_storage", "cost_network")
DAY = timedelta(days=1)


class Baseline(NamedTuple):
    """A signal without regressions: level + diurnal sine + AR(1) noise (signal units)."""

    level: float
    diurnal: float = 0.0  # amplitude; the sine peaks at peak_hour (UTC)
    noise: float = 0.0  # standard deviation of the noise
    smooth: float = 0.9  # AR(1) coefficient of the noise (0 = white)
    peak_hour: float = 14.0


class Step(NamedTuple):
    """From ``at`` on, ``signal`` is ``delta`` higher."""

    signal: str
    at: timedelta
    delta: float


class Ramp(NamedTuple):
    """``signal`` rises linearly by ``delta`` between ``start`` and ``end``, then stays."""

    signal: str
    start: timedelta
    end: timedelta
    delta: float


class Spike(NamedTuple):
    """An incident: ``signal`` is ``delta`` higher in ``[start, end)``, with cosine edges
    of width ``edge`` inside that interval (so it rises and recovers over ``edge``)."""

    signal: str
    start: timedelta
    end: timedelta
    delta: float
    edge: timedelta = timedelta(minutes=15)


class DayLevels(NamedTuple):
    """Day ``d`` of the program has a mean offset of exactly ``levels[d]``; the level moves
    between days over ``transition`` centred on midnight (cosine), so there are no jumps."""

    signal: str
    levels: tuple[float, ...]
    transition: timedelta = timedelta(hours=4)


class Gap(NamedTuple):
    """No scrapes at all in ``[start, end)`` (Prometheus was not scraping)."""

    start: timedelta
    end: timedelta


class CounterReset(NamedTuple):
    """Instance ``instance`` restarts at ``at``: its counters start again from zero; it misses
    the scrapes in ``[at, at + down)`` (``up`` is 0 there)."""

    at: timedelta
    instance: int
    down: timedelta = timedelta(0)


Effect = Step | Ramp | Spike | DayLevels
Regression = Step | Ramp | Spike | DayLevels | Gap | CounterReset


class Scenario(NamedTuple):
    """A synthetic service over a time range, with regressions."""

    name: str
    origin: datetime  # the GA time; day N = [origin + N·24h, origin + (N+1)·24h)
    days: int  # program days covered after the origin (8 = day 0 … day 7)
    baselines: Mapping[str, Baseline]
    regressions: tuple[Regression, ...] = ()
    seed: int = 20261102
    lead: timedelta = timedelta(hours=1)  # data starts this long before the origin
    step: timedelta = timedelta(seconds=60)  # scrape interval
    instances: int = 3
    job: str = "checkout-api"
    weekend_factor: float = 0.85  # request rate on Saturdays and Sundays

    @property
    def start(self) -> float:
        """Unix seconds of the first scrape."""
        return (self.origin - self.lead).timestamp()

    @property
    def scrapes(self) -> int:
        """Number of scrape slots."""
        return int((self.lead + self.days * DAY) / self.step)

    def times(self) -> np.ndarray:
        """Unix seconds of every scrape slot."""
        return self.start + self.step.total_seconds() * np.arange(self.scrapes, dtype=np.float64)


class Truth(NamedTuple):
    """Every signal on the scrape grid."""

    times: np.ndarray
    signals: Mapping[str, np.ndarray]


def truth(scenario: Scenario) -> Truth:
    """The ground truth of ``scenario`` (deterministic for a given seed)."""
    times = scenario.times()
    offsets = times - scenario.origin.timestamp()  # seconds since the origin
    day = np.floor(offsets / DAY.total_seconds()).astype(np.int64)
    _check(scenario)
    rng = np.random.default_rng(scenario.seed)
    signals: dict[str, np.ndarray] = {}
    for name in SIGNALS:
        base = scenario.baselines[name]
        values = base.level + _diurnal(times, base) + _noise(rng, day, base)
        for effect in scenario.regressions:
            if isinstance(effect, (Step, Ramp, Spike, DayLevels)) and effect.signal == name:
                values = values + effect_values(effect, offsets, day)
        signals[name] = values
    weekday = (scenario.origin.weekday() + day) % 7
    weekend = np.where(weekday >= 5, scenario.weekend_factor, 1.0)
    signals["requests_per_second"] = np.maximum(signals["requests_per_second"] * weekend, 0.0)
    signals["error_percent"] = np.clip(signals["error_percent"], 0.0, 100.0)
    return Truth(times, signals)


def _check(scenario: Scenario) -> None:
    """ValueError when the scenario cannot be generated."""
    missing = [s for s in SIGNALS if s not in scenario.baselines]
    if missing:
        raise ValueError(f"scenario {scenario.name!r} has no baseline for {', '.join(missing)}")
    for effect in scenario.regressions:
        if isinstance(effect, (Step, Ramp, Spike, DayLevels)) and effect.signal not in SIGNALS:
            raise ValueError(f"unknown signal {effect.signal!r}; known: {', '.join(SIGNALS)}")
        if isinstance(effect, DayLevels) and not 1 <= len(effect.levels) <= scenario.days:
            raise ValueError(f"DayLevels for {effect.signal!r} needs 1..{scenario.days} levels")
        if isinstance(effect, CounterReset) and not 0 <= effect.instance < scenario.instances:
            raise ValueError(f"CounterReset instance {effect.instance} out of range")


def effect_values(effect: Effect, offsets: np.ndarray, day: np.ndarray) -> np.ndarray:
    """What ``effect`` adds to its signal at each offset (seconds since the origin)."""
    if isinstance(effect, Step):
        return np.where(offsets >= effect.at.total_seconds(), effect.delta, 0.0)
    if isinstance(effect, Ramp):
        s, e = effect.start.total_seconds(), effect.end.total_seconds()
        return effect.delta * np.clip((offsets - s) / max(e - s, 1e-9), 0.0, 1.0)
    if isinstance(effect, Spike):
        s, e = effect.start.total_seconds(), effect.end.total_seconds()
        edge = max(effect.edge.total_seconds(), 1e-9)
        rise = _smoothstep((offsets - s) / edge)
        fall = _smoothstep((e - offsets) / edge)
        return effect.delta * np.minimum(rise, fall)
    return _day_levels(effect, offsets, day)


def _smoothstep(x: np.ndarray) -> np.ndarray:
    """0 below 0, 1 above 1, a half cosine in between."""
    return np.asarray(0.5 - 0.5 * np.cos(np.pi * np.clip(x, 0.0, 1.0)))


def _day_levels(effect: DayLevels, offsets: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Cosine-blended day levels whose day means are exactly ``effect.levels``."""
    n = len(effect.levels)
    width = max(effect.transition.total_seconds(), 1e-9)
    # basis[d]: the blended level when day d's coefficient is 1 and the others 0
    weights = [_smoothstep((offsets - (d * DAY.total_seconds() - width / 2)) / width)
               for d in range(1, n)]
    basis = np.empty((n, len(offsets)))
    for d in range(n):
        rising = weights[d - 1] if d >= 1 else np.ones_like(offsets)
        falling = weights[d] if d < n - 1 else np.zeros_like(offsets)
        basis[d] = rising - falling
    matrix = np.array([[basis[d][day == k].mean() for d in range(n)] for k in range(n)])
    coefficients = np.linalg.solve(matrix, np.asarray(effect.levels, dtype=np.float64))
    return np.asarray(coefficients @ basis)


def _diurnal(times: np.ndarray, base: Baseline) -> np.ndarray:
    if base.diurnal == 0:
        return np.zeros_like(times)
    hours = (times % 86400.0) / 3600.0
    return base.diurnal * np.sin(2 * np.pi * (hours - base.peak_hour + 6.0) / 24.0)


def _noise(rng: np.random.Generator, day: np.ndarray, base: Baseline) -> np.ndarray:
    """AR(1) noise with standard deviation ``base.noise`` and a zero mean on every day."""
    white = rng.standard_normal(len(day))
    if base.noise == 0:
        return np.zeros(len(day))
    phi = base.smooth
    out = np.empty(len(day))
    scale = np.sqrt(1.0 - phi * phi)
    prev = 0.0
    for i, z in enumerate(white.tolist()):
        prev = phi * prev + scale * z
        out[i] = prev
    out *= base.noise
    for d in np.unique(day):
        sel = day == d
        out[sel] -= out[sel].mean()
    return out
