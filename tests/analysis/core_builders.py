"""Small builders for the analysis-core tests (kpis, drift, priority, health, rollback,
mitigation): hand-written specs and measurements, so every expected number is visible."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

from tars_ci.analysis.drift import Comparison, compare
from tars_ci.analysis.kpis import Measurement
from tars_ci.spec.loader import load_spec
from tars_ci.spec.model import (
    Band,
    Kpi,
    Priorities,
    Release,
    SourceSpec,
    Spec,
    Thresholds,
)

CONFIG = Path(__file__).resolve().parents[2] / "config" / "tars.yaml"

# A plausible GA day of the example service (config/tars.yaml).
BASELINE = {
    "availability": 99.95, "error_rate": 0.05, "p95_latency_ms": 150.0,
    "p99_latency_ms": 120.0, "cpu_percent": 45.0, "memory_percent": 60.0,
    "targets_up_percent": 100.0, "cost_compute_usd_per_hour": 10.0,
    "cost_storage_usd_per_hour": 2.0, "cost_network_usd_per_hour": 1.0,
}


def example_spec() -> Spec:
    """The committed example spec (checkout-api v2.4.0, 10 KPIs)."""
    return load_spec(CONFIG, {})


def kpi(name: str = "k", better: str = "lower", *, unit: str = "percent",
        limit: float | None = None, critical: bool = False, weight: float = 1.0,
        title: str = "", mitigations: tuple[str, ...] = (), aggregate: str = "mean",
        cost: bool = False) -> Kpi:
    """A KPI with a dummy query."""
    return Kpi(name=name, query=f"{name}_metric", unit=unit, better=better,  # type: ignore[arg-type]
               title=title, critical=critical, weight=weight, limit=limit, cost=cost,
               mitigations=mitigations, aggregate=aggregate)  # type: ignore[arg-type]


def spec(*kpis: Kpi, bands: tuple[Band, ...] = (), thresholds: Thresholds | None = None,
         priorities: Priorities | None = None) -> Spec:
    """A minimal spec around ``kpis``."""
    return Spec(version=1,
                release=Release(name="svc v1", ga_time=datetime(2026, 11, 2, tzinfo=timezone.utc)),
                source=SourceSpec(kind="replay", path="x.json"), kpis=tuple(kpis),
                thresholds=thresholds or Thresholds(),
                priorities=priorities or Priorities(bands=bands))


def ok(value: float, name: str = "k", coverage: float = 1.0) -> Measurement:
    """A measurement with data."""
    return Measurement(name, "ok", value, coverage, 1440, "")


def missing(name: str = "k", status: str = "no_data", reason: str = "no data: nothing matched"
            ) -> Measurement:
    """A measurement without data (status no_data or error)."""
    return Measurement(name, status, None, 0.0, 0, reason)  # type: ignore[arg-type]


def day_comparisons(the_spec: Spec, values: Mapping[str, float | None],
                    baseline: Mapping[str, float] = BASELINE) -> dict[str, Comparison]:
    """Every spec KPI compared with ``baseline``; ``values`` overrides today's value (None =
    no data); KPIs not in ``values`` sit exactly on their baseline."""
    out = {}
    for k in the_spec.kpis:
        today = values.get(k.name, baseline[k.name])
        m = missing(k.name) if today is None else ok(today, k.name)
        out[k.name] = compare(k, m, ok(baseline[k.name], k.name), the_spec.thresholds.drift)
    return out
