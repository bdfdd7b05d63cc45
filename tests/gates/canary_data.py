"""Canary and stable series of a progressive rollout, as a Prometheus scrape would see them.

The shared scenario module models one service over days; a rollout needs two tracks
(``track="canary"`` / ``track="stable"``) over minutes, plus the kube-state-metrics restart
counter and cAdvisor memory, so the gate tests generate their own :class:`SampleSet` and
backfill it with the shared writer (:func:`tars_ci.scenario.tsdb.backfill`).

A rollout walks the example spec's stages, ``STAGE_MINUTES`` each; the gate of a stage is
evaluated at the stage's end over its last 10 minutes (the first 5 are bake-in after the
traffic shift). Per track and 15 s scrape: Poisson requests split by traffic share, binomial
5xx, multinomial latency buckets from a lognormal (σ = 0.35, so p95 = 1.78 × median), two pods
with restart counters and working-set memory. At 100 % the stable pods are gone.
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


class Rollout(NamedTuple):
    """One rollout: stage timing and what the canary does (the stable track is healthy)."""

    start: datetime  # the 1 % stage begins
    stable_p95_ms: float = 70.0
    error_percent: float = 0.05
    p95_factor_from: tuple[str, float] | None = None  # (stage, factor) from that stage on
    error_step_from: tuple[str, float] | None = None  # (stage, error %) from that stage on
    canary_present: bool = True
    seed: int = 1

    def stage_end(self, name: str) -> datetime:
        """When stage ``name`` ends: its gate's ``--now``."""
        index = [s for s, _ in STAGES].index(name)
        return self.start + timedelta(minutes=STAGE_MINUTES * (index + 1))


def _bucket_probabilities(median_s: np.ndarray) -> np.ndarray:
    """``[slots, buckets]`` probabilities of each (non-cumulative) bucket."""
    bounds = np.array(BUCKETS[:-1])
    z = (np.log(bounds)[None, :] - np.log(median_s)[:, None]) / SIGMA
    cdf = 0.5 * (1.0 + np.vectorize(math.erf)(z / math.sqrt(2.0)))
    cdf = np.concatenate([cdf, np.ones((len(median_s), 1))], axis=1)
    return np.diff(np.concatenate([np.zeros((len(median_s), 1)), cdf], axis=1), axis=1)


def _stage_index(rollout: Rollout, name: str) -> int:
    return [s for s, _ in STAGES].index(name)


def generate(rollout: Rollout) -> SampleSet:
    """The rollout's series from its start to the end of the 100 % stage."""
    rng = np.random.default_rng(rollout.seed)
    slots = int(len(STAGES) * STAGE_MINUTES * 60 / SCRAPE)
    stage = (np.arange(slots) * SCRAPE // (STAGE_MINUTES * 60)).astype(int)
    share = np.array([p for _, p in STAGES])[stage] / 100.0
    out: list[Series] = []
    for track in ("canary", "stable"):
        track_share = share if track == "canary" else 1.0 - share
        present = track_share > 0
        if track == "canary" and not rollout.canary_present:
            present = np.zeros(slots, dtype=bool)
        p95 = np.full(slots, rollout.stable_p95_ms)
        errors = np.full(slots, rollout.error_percent)
        if track == "canary" and rollout.p95_factor_from is not None:
            name, factor = rollout.p95_factor_from
            p95 = np.where(stage >= _stage_index(rollout, name), p95 * factor, p95)
        if track == "canary" and rollout.error_step_from is not None:
            name, percent = rollout.error_step_from
            errors = np.where(stage >= _stage_index(rollout, name), percent, errors)
        out.extend(_track(rng, track, RPS * track_share * SCRAPE, p95, errors, present))
    start = rollout.start.timestamp()
    return SampleSet(start, SCRAPE, tuple(out))


def _track(rng: np.random.Generator, track: str, expected: np.ndarray, p95_ms: np.ndarray,
           error_percent: np.ndarray, present: np.ndarray) -> list[Series]:
    labels = (("track", track),)
    requests = rng.poisson(expected)
    errors = rng.binomial(requests, error_percent / 100.0)
    hide = np.where(present, 1.0, np.nan)
    out = [Series("http_requests", "counter", "http_requests_total",
                  (("code", code),) + JOB + labels, np.cumsum(counts) * hide)
           for code, counts in (("200", requests - errors), ("500", errors))]
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
    for pod in range(2):
        pod_labels = POD + (("pod", f"checkout-api-{track}-{pod}"),) + labels
        out.append(Series("kube_pod_container_status_restarts", "counter",
                          "kube_pod_container_status_restarts_total", pod_labels,
                          np.zeros(len(requests)) * hide))
        memory = 1.2e9 + 0.1e9 * pod + rng.normal(0.0, 2e7, len(requests))
        out.append(Series("container_memory_working_set_bytes", "gauge",
                          "container_memory_working_set_bytes", pod_labels, memory * hide))
    return out
