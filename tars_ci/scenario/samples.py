"""From the ground truth to the samples a Prometheus scrape would collect.

Per instance: ``http_requests_total{code}`` counters, the ``http_request_duration_seconds``
histogram (buckets, ``_count``, ``_sum``), ``service_cpu_utilization_ratio`` and
``service_memory_utilization_ratio`` gauges and ``up``; per cost component
``service_cost_usd_per_hour{component}``. Counts are drawn per scrape interval (Poisson
requests, binomial errors, multinomial latency buckets) from a seeded generator; counters are
cumulative and restart from zero at a :class:`~tars_ci.scenario.model.CounterReset`.
A missing sample is NaN (a scrape gap, or an instance that is down).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from tars_ci.scenario.model import CounterReset, Gap, Scenario, Truth, truth
from tars_ci.scenario.promql import bucket_quantile

# Upper bounds of the latency histogram buckets, in seconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.175, 0.2, 0.25, 0.3, 0.5,
           1.0, 2.5, float("inf"))
COST_COMPONENTS = ("compute", "storage", "network")
CODES = ("200", "404", "500", "503")
SHARE_404 = 0.012  # of non-5xx requests
SHARE_503 = 0.35  # of 5xx requests
INSTANCE_SHARE = (0.34, 0.33, 0.33, 0.32, 0.31, 0.30)
CPU_OFFSETS = (-1.5, 0.5, 1.0, -0.5, 0.8, -0.3)  # percentage points, re-centred per instance count
MEMORY_OFFSETS = (-2.0, 1.0, 1.0, 0.5, -0.5, 0.0)


class Series(NamedTuple):
    """One scraped series: a sample per scrape slot, NaN where there is none."""

    family: str  # metric family (``# TYPE`` name)
    kind: str  # counter | gauge | histogram
    name: str  # sample name, e.g. ``http_requests_total``
    labels: tuple[tuple[str, str], ...]
    values: np.ndarray


class SampleSet(NamedTuple):
    """Every series of a scenario on its scrape grid."""

    start: float  # Unix seconds of slot 0
    step: float  # seconds between slots
    series: tuple[Series, ...]

    @property
    def times(self) -> np.ndarray:
        """Unix seconds of every slot."""
        n = len(self.series[0].values) if self.series else 0
        return self.start + self.step * np.arange(n, dtype=np.float64)

    def select(self, name: str, **labels: str) -> list[Series]:
        """Series called ``name`` whose labels include ``labels``."""
        return [s for s in self.series if s.name == name
                and all(dict(s.labels).get(k) == v for k, v in labels.items())]


def instance_name(job: str, index: int) -> str:
    """The ``instance`` label of instance ``index``."""
    return f"{job}-{index}:8080"


def generate(scenario: Scenario) -> SampleSet:
    """The samples of ``scenario`` (deterministic for its seed)."""
    gt = truth(scenario)
    # One generator per purpose and instance: binomial draws consume a generator by amounts
    # that depend on their parameters, so with one shared stream an incident on day 5 would
    # re-draw the latency of day 2. Separate streams keep every signal before an incident as
    # it was (each stream is drawn in time order).
    seeds = np.random.SeedSequence(scenario.seed + 1).spawn(1 + 2 * scenario.instances)
    rng = np.random.default_rng(seeds[0])
    n, step = len(gt.times), scenario.step.total_seconds()
    offsets = gt.times - scenario.origin.timestamp()
    gap = np.zeros(n, dtype=bool)
    for g in scenario.regressions:
        if isinstance(g, Gap):
            gap |= (offsets >= g.start.total_seconds()) & (offsets < g.end.total_seconds())
    down = np.zeros((scenario.instances, n), dtype=bool)
    resets: list[list[tuple[int, float]]] = [[] for _ in range(scenario.instances)]
    for r in scenario.regressions:
        if isinstance(r, CounterReset):
            at, back = r.at.total_seconds(), (r.at + r.down).total_seconds()
            down[r.instance] |= (offsets >= at) & (offsets < back)
            first = int(np.searchsorted(offsets, back, side="left"))
            if first < n:
                resets[r.instance].append((first, (offsets[first] - back) / step))
    requests = _requests(gt, scenario, down, rng, step)
    job = scenario.job
    cdf = bucket_cdf(gt.signals["p95_ms"] / 1000.0, gt.signals["p99_ms"] / 1000.0)
    out: list[Series] = []
    for i in range(scenario.instances):
        inst = (("instance", instance_name(job, i)), ("job", job))
        hide = gap | down[i]
        codes_rng = np.random.default_rng(seeds[1 + 2 * i])
        latency_rng = np.random.default_rng(seeds[2 + 2 * i])
        for code, counts in zip(CODES, _codes(requests[i], gt, codes_rng)):
            out.append(Series("http_requests", "counter", "http_requests_total",
                              (("code", code),) + inst, _counter(counts, resets[i], hide)))
        out.extend(_histogram(requests[i], cdf, latency_rng, inst, resets[i], hide))
        out.append(_gauge("service_cpu_utilization_ratio", inst, _spread(
            gt.signals["cpu_percent"], CPU_OFFSETS, i, scenario.instances) / 100.0, hide))
        out.append(_gauge("service_memory_utilization_ratio", inst, _spread(
            gt.signals["memory_percent"], MEMORY_OFFSETS, i, scenario.instances) / 100.0, hide))
        up = np.where(down[i], 0.0, 1.0)
        out.append(Series("up", "gauge", "up", inst, np.where(gap, np.nan, up)))
    for component in COST_COMPONENTS:
        labels = (("component", component), ("job", job))
        out.append(_gauge("service_cost_usd_per_hour", labels,
                          np.maximum(gt.signals[f"cost_{component}"], 0.0), gap))
    return SampleSet(scenario.start, step, tuple(out))


def _requests(gt: Truth, scenario: Scenario, down: np.ndarray, rng: np.random.Generator,
              step: float) -> np.ndarray:
    """Requests served per instance per scrape interval (a down instance serves none)."""
    share = np.asarray(INSTANCE_SHARE[:scenario.instances])[:, None] * (~down)
    share = share / np.maximum(share.sum(axis=0, keepdims=True), 1e-12)
    expected = gt.signals["requests_per_second"][None, :] * step * share
    return rng.poisson(expected).astype(np.float64)


def _codes(total: np.ndarray, gt: Truth, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Requests per status code in CODES order."""
    n = total.astype(np.int64)
    errors = rng.binomial(n, np.clip(gt.signals["error_percent"] / 100.0, 0.0, 1.0))
    e503 = rng.binomial(errors, SHARE_503)
    e404 = rng.binomial(n - errors, SHARE_404)
    for counts in (n - errors - e404, e404, errors - e503, e503):
        yield counts.astype(np.float64)


def _counter(increments: np.ndarray, resets: list[tuple[int, float]],
             hide: np.ndarray, integer: bool = True) -> np.ndarray:
    """Cumulative counter from per-interval increments; restarts lose the pre-restart part of
    the interval they fall in."""
    inc = increments.astype(np.float64).copy()
    starts = [0]
    for first, kept in sorted(resets):
        inc[first] *= min(max(kept, 0.0), 1.0)
        if integer:
            inc[first] = np.round(inc[first])
        starts.append(first)
    out = np.empty_like(inc)
    bounds = starts + [len(inc)]
    for a, b in itertools.pairwise(bounds):
        out[a:b] = np.cumsum(inc[a:b])
    return np.where(hide, np.nan, out)


def bucket_cdf(p95: np.ndarray, p99: np.ndarray, iterations: int = 40) -> np.ndarray:
    """Cumulative share of requests ≤ each bucket bound, ``[len(BUCKETS), T]``, such that
    histogram_quantile's linear interpolation reports ``p95`` and ``p99`` (seconds).

    The latency distribution is log-logistic; its true quantiles are adjusted by fixed-point
    iteration until the *interpolated* quantiles hit the targets.
    """
    bounds = np.asarray(BUCKETS)[:, None]
    a95 = np.asarray(p95, dtype=np.float64).copy()
    a99 = np.maximum(np.asarray(p99, dtype=np.float64), a95 * 1.05)
    t95, t99 = a95.copy(), a99.copy()
    cdf = _loglogistic(bounds, a95, a99)
    for _ in range(iterations):
        cdf = _loglogistic(bounds, a95, a99)
        a95 = a95 * t95 / bucket_quantile(0.95, bounds[:, 0], cdf)
        a99 = np.maximum(a99 * t99 / bucket_quantile(0.99, bounds[:, 0], cdf), a95 * 1.05)
    return cdf


def _loglogistic(bounds: np.ndarray, q95: np.ndarray, q99: np.ndarray) -> np.ndarray:
    beta = np.log(99.0 / 19.0) / np.log(q99 / q95)
    alpha = q95 / 19.0 ** (1.0 / beta)
    with np.errstate(divide="ignore", over="ignore"):
        cdf = 1.0 / (1.0 + (bounds / alpha[None, :]) ** (-beta[None, :]))
    cdf[-1] = 1.0
    return np.asarray(cdf)


def _histogram(total: np.ndarray, cdf: np.ndarray, rng: np.random.Generator,
               inst: tuple[tuple[str, str], ...], resets: list[tuple[int, float]],
               hide: np.ndarray) -> list[Series]:
    probs = np.diff(np.vstack([np.zeros((1, cdf.shape[1])), cdf]), axis=0).T  # [T, B]
    probs = np.clip(probs, 0.0, None)
    probs /= probs.sum(axis=1, keepdims=True)
    counts = rng.multinomial(total.astype(np.int64), probs).astype(np.float64)  # [T, B]
    bounds = np.asarray(BUCKETS)
    lower = np.concatenate([[0.0], bounds[:-1]])
    middle = np.where(np.isinf(bounds), 2 * lower, (lower + bounds) / 2)
    family = "http_request_duration_seconds"
    out = []
    cumulative = np.cumsum(counts, axis=1)
    for b, le in enumerate(BUCKETS):
        labels = tuple(sorted(inst + (("le", le_label(le)),)))
        out.append(Series(family, "histogram", f"{family}_bucket", labels,
                          _counter(cumulative[:, b], resets, hide)))
    out.append(Series(family, "histogram", f"{family}_count", inst,
                      _counter(counts.sum(axis=1), resets, hide)))
    seconds = np.round(counts @ middle, 6)
    out.append(Series(family, "histogram", f"{family}_sum", inst,
                      _counter(seconds, resets, hide, integer=False)))
    return out


def le_label(bound: float) -> str:
    return "+Inf" if np.isinf(bound) else repr(bound)


def _spread(mean: np.ndarray, offsets: tuple[float, ...], index: int, count: int) -> np.ndarray:
    """Instance ``index``'s value: the mean plus a fixed offset; offsets sum to zero so the
    average over all instances is exactly ``mean``."""
    chosen = np.asarray(offsets[:count])
    return np.asarray(mean + (chosen[index] - chosen.mean()))


def _gauge(name: str, labels: tuple[tuple[str, str], ...], values: np.ndarray,
           hide: np.ndarray) -> Series:
    return Series(name, "gauge", name, labels, np.where(hide, np.nan, values))
