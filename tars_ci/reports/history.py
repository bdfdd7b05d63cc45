"""The committed history read back into typed records.

The repository is the state: a later run reads earlier days' reports (baseline, comparisons,
health, rollback) instead of recomputing them. This module is the one place that parses
tars-ci's own JSON; past it, code sees records, not dicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple, TypeVar

from tars_ci.analysis.drift import Comparison
from tars_ci.analysis.kpis import Measurement
from tars_ci.analysis.priority import Finding
from tars_ci.analysis.rollback import Rollback
from tars_ci.analysis.slo import SloDay
from tars_ci.errors import ReportError
from tars_ci.reports.jsonio import SCHEMA_VERSION, normalise, read_json
from tars_ci.reports.paths import ReleasePaths

T = TypeVar("T")


class GaRecord(NamedTuple):
    """The recorded GA-day baseline."""

    measurements: dict[str, Measurement]
    slo: dict[str, SloDay]


class DayRecord(NamedTuple):
    """One recorded day (1..N)."""

    day: int
    comparisons: dict[str, Comparison]
    findings: tuple[Finding, ...]
    health_score: float | None
    health_band: str | None
    anomaly_episodes: int
    rollback: Rollback
    slo: dict[str, SloDay]


class History(NamedTuple):
    """Everything recorded for a release."""

    ga: GaRecord | None
    days: dict[int, DayRecord]


def record(cls: type[T], data: Any, where: str, **fixed: Any) -> T:
    """Rebuild NamedTuple ``cls`` from its JSON object (lists become tuples)."""
    if not isinstance(data, Mapping):
        raise ReportError(f"{where}: expected an object, got {type(data).__name__}")
    fields: tuple[str, ...] = getattr(cls, "_fields")  # noqa: B009 - T is any NamedTuple
    defaults: Mapping[str, Any] = getattr(cls, "_field_defaults", {})
    values: dict[str, Any] = {}
    for name in fields:
        if name in fixed:
            values[name] = fixed[name]
        elif name in data:
            value = data[name]
            values[name] = tuple(value) if isinstance(value, list) else value
        elif name in defaults:
            values[name] = defaults[name]
        else:
            raise ReportError(f"{where}: missing field {name!r}")
    return cls(**values)


def as_recorded(value: T) -> T:
    """``value`` (a NamedTuple) exactly as it reads back from the JSON history.

    Floats in the history are rounded (see jsonio); using the rounded values for records
    computed in the same run makes a catch-up run and day-by-day runs write the same bytes.
    """
    data = normalise(value)
    return record(type(value), data, type(value).__name__)


def _load(path: Any) -> dict[str, Any]:
    data = read_json(path)
    if not isinstance(data, dict):
        raise ReportError(f"{path}: expected a JSON object")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ReportError(f"{path}: schema_version {version!r} is not {SCHEMA_VERSION}; "
                          "re-run with --force to rewrite it")
    return data


def _slo_days(data: Mapping[str, Any], where: str) -> dict[str, SloDay]:
    return {name: record(SloDay, body, f"{where}: slo.{name}")
            for name, body in sorted(data.get("slo", {}).items())}


def load_ga(paths: ReleasePaths) -> GaRecord | None:
    """The recorded baseline, or None when day 0 is not recorded."""
    if not paths.ga_summary.is_file():
        return None
    where = str(paths.ga_summary)
    data = _load(paths.ga_summary)
    kpis = data.get("kpis", {})
    return GaRecord(
        {name: record(Measurement, body, f"{where}: kpis.{name}", kpi=name)
         for name, body in sorted(kpis.items())},
        _slo_days(data, where),
    )


def load_day(paths: ReleasePaths, day: int) -> DayRecord:
    """Recorded day ``day`` (its summary and health report)."""
    where = str(paths.day_summary(day))
    data = _load(paths.day_summary(day))
    comparisons = {name: record(Comparison, body, f"{where}: metrics_comparison.{name}",
                                kpi=name)
                   for name, body in sorted(data.get("metrics_comparison", {}).items())}
    findings = tuple(record(Finding, f, f"{where}: findings[{i}]")
                     for i, f in enumerate(data.get("findings", [])))
    rollback = record(Rollback, data.get("rollback_recommendation"),
                      f"{where}: rollback_recommendation")
    return DayRecord(day, comparisons, findings, data.get("health_score"),
                     data.get("health_band"), int(data.get("anomaly_episodes", 0)), rollback,
                     _slo_days(data, where))


def load_history(paths: ReleasePaths) -> History:
    """Baseline and every recorded day of the release."""
    days = {d: load_day(paths, d) for d in sorted(paths.recorded_days()) if d > 0}
    return History(load_ga(paths), days)


def load_anomalies(paths: ReleasePaths) -> list[dict[str, Any]]:
    """The recorded anomaly episodes (as written by the pipeline), oldest first."""
    if not paths.anomalies.is_file():
        return []
    episodes = _load(paths.anomalies).get("episodes", [])
    if not isinstance(episodes, list):
        raise ReportError(f"{paths.anomalies}: episodes must be a list")
    return [e for e in episodes if isinstance(e, dict)]
