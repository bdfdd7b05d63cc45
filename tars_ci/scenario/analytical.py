"""What the example spec's queries return on a scenario, computed without Prometheus.

:func:`evaluate` applies the PromQL of config/tars.yaml (as numpy, :mod:`.promql`) to the
scenario's samples at every slot of the evaluation window; :func:`analytical_replay` packs the
results as replay series. The queries are matched by text: if the spec's PromQL is not the
expression implemented here, :class:`QueryMismatch` says which one, so the bundled data can
never silently disagree with the spec.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from tars_ci.scenario.promql import (
    avg_over_time,
    avg_series,
    histogram_quantile,
    instant,
    rate,
    sum_series,
)
from tars_ci.scenario.samples import BUCKETS, SampleSet, le_label
from tars_ci.sources.interface import Query
from tars_ci.sources.replay import RecordedSeries

RANGE_SLOTS = 5  # [5m] at the 60 s grid

_GOOD = 'sum(rate(http_requests_total{job="checkout-api",code!~"5.."}[5m]))'
_ALL = 'sum(rate(http_requests_total{job="checkout-api"}[5m]))'
_BAD = 'sum(rate(http_requests_total{job="checkout-api",code=~"5.."}[5m]))'
_BUCKETS = 'sum by (le) (rate(http_request_duration_seconds_bucket{job="checkout-api"}[5m]))'
_COST = 'sum(service_cost_usd_per_hour{job="checkout-api",component="{c}"})'

EXPRESSIONS = {
    "availability": f"100 * {_GOOD} / {_ALL}",
    "error_rate": f"100 * {_BAD} / {_ALL}",
    "p95_latency_ms": f"1000 * histogram_quantile(0.95, {_BUCKETS})",
    "p99_latency_ms": f"1000 * histogram_quantile(0.99, {_BUCKETS})",
    "cpu_percent": '100 * avg(service_cpu_utilization_ratio{job="checkout-api"})',
    "memory_percent": '100 * avg(service_memory_utilization_ratio{job="checkout-api"})',
    "targets_up_percent": '100 * avg(avg_over_time(up{job="checkout-api"}[5m]))',
    "cost_compute_usd_per_hour": _COST.replace("{c}", "compute"),
    "cost_storage_usd_per_hour": _COST.replace("{c}", "storage"),
    "cost_network_usd_per_hour": _COST.replace("{c}", "network"),
    "slo:availability:good": _GOOD,
    "slo:availability:total": _ALL,
}


class QueryMismatch(ValueError):
    """A spec query is not one the analytical model implements."""


def normalise(promql: str) -> str:
    """PromQL with insignificant whitespace removed (for comparing query texts)."""
    return re.sub(r"\s+", "", promql)


def evaluate(samples: SampleSet) -> dict[str, np.ndarray]:
    """Every query of :data:`EXPRESSIONS` at every sample slot (NaN = no result)."""
    step = samples.step

    def rates(**labels: str) -> np.ndarray:
        return np.vstack([rate(s.values, step, RANGE_SLOTS)
                          for s in samples.select("http_requests_total", **labels)])

    everything = sum_series(rates())
    codes = [dict(s.labels)["code"] for s in samples.select("http_requests_total")]
    by_code = rates()
    bad = sum_series(by_code[[c.startswith("5") for c in codes]])
    good = sum_series(by_code[[not c.startswith("5") for c in codes]])
    bounds = np.asarray(BUCKETS)
    per_le = np.vstack([
        sum_series(np.vstack([rate(s.values, step, RANGE_SLOTS) for s in samples.select(
            "http_request_duration_seconds_bucket", le=le_label(b))])) for b in BUCKETS])

    def gauge_avg(name: str) -> np.ndarray:
        return avg_series(np.vstack([instant(s.values) for s in samples.select(name)]))

    def cost(component: str) -> np.ndarray:
        return sum_series(np.vstack([instant(s.values) for s in samples.select(
            "service_cost_usd_per_hour", component=component)]))

    ups = np.vstack([avg_over_time(s.values, RANGE_SLOTS) for s in samples.select("up")])
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "availability": 100 * good / everything,
            "error_rate": 100 * bad / everything,
            "p95_latency_ms": 1000 * histogram_quantile(0.95, bounds, per_le),
            "p99_latency_ms": 1000 * histogram_quantile(0.99, bounds, per_le),
            "cpu_percent": 100 * gauge_avg("service_cpu_utilization_ratio"),
            "memory_percent": 100 * gauge_avg("service_memory_utilization_ratio"),
            "targets_up_percent": 100 * avg_series(ups),
            "cost_compute_usd_per_hour": cost("compute"),
            "cost_storage_usd_per_hour": cost("storage"),
            "cost_network_usd_per_hour": cost("network"),
            "slo:availability:good": good,
            "slo:availability:total": everything,
        }


def check_queries(queries: Sequence[Query]) -> None:
    """QueryMismatch when a query is unknown here or its PromQL differs from ours."""
    for q in queries:
        expected = EXPRESSIONS.get(q.name)
        if expected is None:
            raise QueryMismatch(f"the analytical model has no query named {q.name!r}; "
                                f"known: {', '.join(sorted(EXPRESSIONS))}")
        if normalise(expected) != normalise(q.promql):
            raise QueryMismatch(f"{q.name}: the spec's PromQL {q.promql!r} is not the "
                                f"modelled {expected!r}; update tars_ci/scenario/analytical.py")


def analytical_replay(samples: SampleSet, queries: Sequence[Query], start: float, end: float,
                      step: float) -> dict[str, RecordedSeries]:
    """The replay series of ``queries`` over ``[start, end)`` (evaluated at the sample slots,
    which must coincide with the ``step`` grid)."""
    check_queries(queries)
    if step != samples.step:
        raise ValueError(f"evaluation step {step}s differs from the scrape step {samples.step}s")
    values = evaluate(samples)
    times = samples.times
    keep = (times >= start) & (times < end)
    return {q.name: _recorded(q, values[q.name][keep], float(times[keep][0]), step)
            for q in queries}


def _recorded(query: Query, values: np.ndarray, start: float, step: float) -> RecordedSeries:
    present = ~np.isnan(values)
    return RecordedSeries(start, step, values, present, {}, query.promql)


def daily_means(series: Mapping[str, RecordedSeries], origin: float,
                days: int) -> dict[str, list[float | None]]:
    """Mean of the present, finite values of each series on each program day."""
    out: dict[str, list[float | None]] = {}
    for name, rec in series.items():
        times = rec.start + rec.step * np.arange(len(rec.values))
        row: list[float | None] = []
        for d in range(days):
            sel = (rec.present & np.isfinite(rec.values) & (times >= origin + d * 86400)
                   & (times < origin + (d + 1) * 86400))
            row.append(float(rec.values[sel].mean()) if sel.any() else None)
        out[name] = row
    return out

