"""Canary and stable series of a progressive rollout, as a Prometheus scrape would see them.

The shared scenario module models one service over days; a rollout needs two tracks
(``track="canary"`` / ``track="stable"``) over minutes, plus the kube-state-metrics restart
counter and cAdvisor memory, so the gate tests generate their own :class:`SampleSet` and
backfill it with the shared writer (:func:`tars_ci.scenario.tsdb.backfill`).

A rollout walks the example spec's stages, ``STAGE_MINUTES`` each; the gate of a stage is
evaluated at the stage's end over its last 10 minutes (the first 5 are bake-in after the
traffic shift). Per track and 15 s scrape: Poisson requests split by traffic share, binomial
5xx, multinomial latency buckets from a lognormal (σ = 0.35, so p95 = 1.78 × median), three
pods with restart counters and working-set memory. At 100 % the stable pods are gone.

As client libraries do, the ``code="500"`` series appears at a track's first 5xx, not before:
a track that never failed a request has no 5xx series at all.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import NamedTuple

import numpy as np

from tars_ci.scenario.samples import SampleSet, Series

SCRAPE = 15.0
STAGES = (("canary-1", 1.0), ("canary-10", 10.0), ("canary-25", 25.0), ("canary-50", 50.0),
          ("canary-100", 100.0))
STAGE_MINUTES = 15
RPS = 2000.0  # total traffic of the service
SIGMA = 0.35  # lognormal σ of request latency
Z95 = 1.6448536269514722
BUCKETS = (0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.11, 0.12, 0.13, 0.15,
           0.2, 0.3, 0.5, 1.0, math.inf)
JOB = (("job", "checkout-api"),)
POD = (("container", "checkout-api"), ("namespace", "checkout"))
PODS = 3


class Change(NamedTuple):
    """From ``minute`` into stage ``stage`` on: the canary's p95 factor goes linearly from
    ``start`` to ``end`` over the rest of the rollout's stage (equal: a step)."""

    stage: str
    minute: float
    start: float
    end: float


class Rollout(NamedTuple):
    """One rollout: stage timing and what the canary does (the stable track is healthy)."""

    start: datetime  # the 1 % stage begins
    stable_p95_ms: float = 70.0
    error_percent: float = 0.05
    p95: Change | None = None  # the canary's p95 factor (a step or a ramp)
    errors: tuple[str, float, float] | None = None  # (stage, minute, error %) from then on
    canary_rps: float | None = None  # the canary's traffic instead of its share of RPS
    canary_from: float = 0.0  # minutes after the rollout's start when the canary appears
    canary_memory: tuple[str, float] | None = None  # (stage, bytes) of canary pod 1 from then
    seed: int = 1

    def stage_end(self, name: str) -> datetime:
        """When stage ``name`` ends: its gate's ``--now``."""
        index = [s for s, _ in STAGES].index(name)
        return self.start + timedelta(minutes=STAGE_MINUTES * (index + 1))

    def at(self, name: str, minute: float) -> datetime:
        """``minute`` minutes into stage ``name``."""
        return self.stage_end(name) - timedelta(minutes=STAGE_MINUTES - minute)


def _bucket_probabilities(median_s: np.ndarray) -> np.ndarray:
    """``[slots, buckets]`` probabilities of each (non-cumulative) bucket."""
    bounds = np.array(BUCKETS[:-1])
    z = (np.log(bounds)[None, :] - np.log(median_s)[:, None]) / SIGMA
    cdf = 0.5 * (1.0 + np.vectorize(math.erf)(z / math.sqrt(2.0)))
    cdf = np.concatenate([cdf, np.ones((len(median_s), 1))], axis=1)
    return np.diff(np.concatenate([np.zeros((len(median_s), 1)), cdf], axis=1), axis=1)


def _minutes(rollout: Rollout, stage: str, minute: float) -> float:
    """Minutes from the rollout's start to ``minute`` into ``stage``."""
    return [s for s, _ in STAGES].index(stage) * STAGE_MINUTES + minute


def _canary_p95_factor(rollout: Rollout, minutes: np.ndarray) -> np.ndarray:
    change = rollout.p95
    if change is None:
        return np.ones(minutes.size)
    begin = _minutes(rollout, change.stage, change.minute)
    end = _minutes(rollout, change.stage, STAGE_MINUTES)
    progress = np.clip((minutes - begin) / max(end - begin, 1e-9), 0.0, 1.0)
    factor = change.start + (change.end - change.start) * progress
    return np.where(minutes >= begin, factor, 1.0)


def generate(rollout: Rollout) -> SampleSet:
    """The rollout's series from its start to the end of the 100 % stage."""
    rng = np.random.default_rng(rollout.seed)
    slots = int(len(STAGES) * STAGE_MINUTES * 60 / SCRAPE)
    minutes = np.arange(slots) * SCRAPE / 60.0
    stage = (minutes // STAGE_MINUTES).astype(int)
    share = np.array([p for _, p in STAGES])[stage] / 100.0
    out: list[Series] = []
    for track in ("canary", "stable"):
        track_share = share if track == "canary" else 1.0 - share
        expected = RPS * track_share * SCRAPE
        present = track_share > 0
        p95 = np.full(slots, rollout.stable_p95_ms)
        errors = np.full(slots, rollout.error_percent)
        memory = np.zeros(slots)
        if track == "canary":
            present &= minutes >= rollout.canary_from
            if rollout.canary_rps is not None:
                expected = np.full(slots, rollout.canary_rps * SCRAPE)
            p95 = p95 * _canary_p95_factor(rollout, minutes)
            if rollout.errors is not None:
                name, minute, percent = rollout.errors
                errors = np.where(minutes >= _minutes(rollout, name, minute), percent, errors)
            if rollout.canary_memory is not None:
                name, size = rollout.canary_memory
                memory = np.where(minutes >= _minutes(rollout, name, 0), size, 0.0)
        out.extend(_track(rng, track, expected, p95, errors, present, memory))
    start = rollout.start.timestamp()
    return SampleSet(start, SCRAPE, tuple(out))


def _track(rng: np.random.Generator, track: str, expected: np.ndarray, p95_ms: np.ndarray,
           error_percent: np.ndarray, present: np.ndarray,
           memory_override: np.ndarray) -> list[Series]:
    labels = (("track", track),)
    requests = rng.poisson(expected)
    errors = rng.binomial(requests, error_percent / 100.0)
    hide = np.where(present, 1.0, np.nan)
    out = [Series("http_requests", "counter", "http_requests_total",
                  (("code", "200"),) + JOB + labels, np.cumsum(requests - errors) * hide)]
    failed = np.flatnonzero((errors > 0) & present)
    if failed.size:  # the 5xx series is born at the first error
        born = np.where(np.arange(errors.size) >= failed[0], 1.0, np.nan)
        out.append(Series("http_requests", "counter", "http_requests_total",
                          (("code", "500"),) + JOB + labels, np.cumsum(errors) * hide * born))
    median_s = p95_ms / 1000.0 / math.exp(Z95 * SIGMA)
    per_bucket = rng.multinomial(requests, _bucket_probabilities(median_s))
    cumulative = np.cumsum(np.cumsum(per_bucket, axis=1), axis=0)  # over le, then time
    for b, le in enumerate(BUCKETS):
        text = "+Inf" if math.isinf(le) else repr(le)
        out.append(Series("http_request_duration_seconds", "histogram",
                          "http_request_duration_seconds_bucket",
                          JOB + (("le", text),) + labels, cumulative[:, b] * hide))
    seconds = rng.gamma(4.0, median_s / 4.0 * 1.25, size=len(requests)) * requests
    out.append(Series("http_request_duration_seconds", "histogram",
                      "http_request_duration_seconds_count", JOB + labels,
                      np.cumsum(requests) * hide))
    out.append(Series("http_request_duration_seconds", "histogram",
                      "http_request_duration_seconds_sum", JOB + labels,
                      np.cumsum(seconds) * hide))
    for pod in range(PODS):
        pod_labels = POD + (("pod", f"checkout-api-{track}-{pod}"),) + labels
        out.append(Series("kube_pod_container_status_restarts", "counter",
                          "kube_pod_container_status_restarts_total", pod_labels,
                          np.zeros(len(requests)) * hide))
        memory = 1.2e9 + 0.05e9 * pod + rng.normal(0.0, 2e7, len(requests))
        if pod == 1:
            memory = np.where(memory_override > 0, memory_override, memory)
        out.append(Series("container_memory_working_set_bytes", "gauge",
                          "container_memory_working_set_bytes", pod_labels, memory * hide))
    return out
