"""The history's one schema: a frozen record for every report file.

Each file of ``reports/<release-slug>/`` is one record here; :mod:`tars_ci.reports.codec`
turns it into JSON and back, checking every field, and generates its JSON Schema
(``python -m tars_ci.reports.schemas``). Field names follow the seeds' runbook
(``metrics_comparison``, ``drift_analysis``, ``rollback_recommendation``, ``health_score``,
``degradations``, ``mitigation_plan``) so the runbook's ``jq`` one-liners work.

===========================================  ===============================================
file                                         record
===========================================  ===============================================
``ga_kpis/ga_kpi_summary.json``              :class:`GaSummary`
``stability/day_NN_summary.json``            :class:`DaySummary`
``health/day_NN_HEALTH.json``                :class:`HealthReport`
``anomalies/anomaly_events.json``            :class:`AnomalyEvents`
``regression/regression_summary.json``       :class:`RegressionSummary`
``output/GA_<N>DAY_RETROSPECTIVE.json``      :class:`Retrospective`
===========================================  ===============================================

Analysis records (Measurement, Comparison, Finding, …) are reused as they are; where a file
adds the KPI's title and unit beside an analysis record (``metrics_comparison.<kpi>``), the
record here carries both and gives the analysis record back.

Rounding happens once: :func:`as_recorded` is a record exactly as it reads back from its file,
so a day judged in this run and a day read from the history compare equal.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from tars_ci.analysis.drift import Comparison, Status
from tars_ci.analysis.health import Contribution, Degradation, HealthBand
from tars_ci.analysis.kpis import Measurement, MeasureStatus
from tars_ci.analysis.mitigation import MitigationStep
from tars_ci.analysis.priority import Finding
from tars_ci.analysis.regression import Trend
from tars_ci.analysis.rollback import Rollback
from tars_ci.analysis.slo import SloDay
from tars_ci.reports.codec import Json, Location, decode, encode, since
from tars_ci.reports.jsonio import normalise
from tars_ci.spec.model import Better, Priority, Severity

R = TypeVar("R")

SCHEMA_VERSION = 2
"""Version 2 added ``provenance`` (every file) and late baselines; version 1 files load."""
OLDEST_READABLE = 1


class ReleaseBlock(NamedTuple):
    """Which release a file belongs to (the GA summary's copy is the history's identity)."""

    name: str
    slug: str
    ga_time: str  # UTC ISO 8601
    days: int


class Window(NamedTuple):
    """A day window, UTC ISO 8601, ``[start, end)``."""

    start: str
    end: str


class Provenance(NamedTuple):
    """What judged a file: the digest of the spec's judging sections and their values."""

    spec_digest: str  # sha256 of kpis, slos, thresholds and priorities (canonical JSON)
    thresholds_digest: str  # sha256 of thresholds and priorities alone
    thresholds: Json  # thresholds and priorities in effect (the spec's own spelling)
    baseline_file: str  # the GA summary the day was judged against ("" for day 0)


class Coverage(NamedTuple):
    """How much of the day's data arrived."""

    kpis_total: int
    kpis_with_data: int
    kpis_no_data: tuple[str, ...]
    kpis_error: tuple[str, ...]
    mean_coverage: float


@dataclass(frozen=True)
class BaselineEntry:
    """One KPI of the GA-day baseline: its measurement, how it is shown, and when it was
    taken when the KPI joined the spec after day 0 (a late baseline)."""

    kpi: str
    status: MeasureStatus
    value: float | None
    coverage: float
    samples: int
    reason: str
    title: str
    unit: str
    better: Better
    critical: bool
    late_since: str | None = field(default=None, metadata=since(2))
    """UTC time a late baseline was taken (the KPI joined the spec after day 0)."""


    def measurement(self) -> Measurement:
        """The analysis record."""
        return Measurement(self.kpi, self.status, self.value, self.coverage, self.samples,
                           self.reason)


@dataclass(frozen=True)
class GaSummary:
    """``ga_kpis/ga_kpi_summary.json``: the day-0 baseline and the history's identity."""

    release: ReleaseBlock
    day: int
    window: Window
    kpis: dict[str, BaselineEntry]
    slo: dict[str, SloDay]
    data_coverage: Coverage
    provenance: Provenance | None = field(default=None, metadata=since(2))


    def measurements(self) -> dict[str, Measurement]:
        """Each KPI's baseline measurement."""
        return {k: e.measurement() for k, e in self.kpis.items()}


class KpiComparison(NamedTuple):
    """``metrics_comparison.<kpi>``: the KPI's comparison with its baseline, and how it is
    shown (fields of :class:`~tars_ci.analysis.drift.Comparison`, then title/unit/…)."""

    kpi: str
    status: Status
    value: float | None
    baseline: float | None
    drift_percent: float | None
    bad_drift_percent: float | None
    severity: Severity | None
    headroom_remaining: float | None
    coverage: float
    reason: str
    title: str
    unit: str
    better: Better
    critical: bool

    def comparison(self) -> Comparison:
        """The analysis record."""
        return Comparison(*(getattr(self, f) for f in Comparison._fields))


class MaxDrift(NamedTuple):
    """The day's worst bad-direction drift."""

    kpi: str
    bad_drift_percent: float | None
    drift_percent: float | None
    severity: Severity | None


class DriftAnalysis(NamedTuple):
    """Summary of a day's drift."""

    max_bad_drift: MaxDrift | None
    by_severity: dict[Severity, tuple[str, ...]]
    notable: tuple[str, ...]
    no_data: tuple[str, ...]
    thresholds_percent: dict[str, float]


@dataclass(frozen=True)
class DaySummary:
    """``stability/day_NN_summary.json``: a day judged (written last: it marks the day
    recorded)."""

    release: ReleaseBlock
    day: int
    window: Window
    metrics_comparison: dict[str, KpiComparison]
    drift_analysis: DriftAnalysis
    findings: tuple[Finding, ...]
    rollback_recommendation: Rollback
    health_score: float | None
    health_band: HealthBand | None
    anomaly_episodes: int
    slo: dict[str, SloDay]
    data_coverage: Coverage
    provenance: Provenance | None = field(default=None, metadata=since(2))


    def comparisons(self) -> dict[str, Comparison]:
        """Each KPI's comparison."""
        return {k: c.comparison() for k, c in self.metrics_comparison.items()}


@dataclass(frozen=True)
class HealthReport:
    """``health/day_NN_HEALTH.json``: the day's health score, explained."""

    release: ReleaseBlock
    day: int
    window: Window
    score: float | None  # None: no weighted KPI had data
    band: HealthBand
    breakdown: tuple[Contribution, ...]
    anomaly_episodes: int
    anomaly_points_lost: float
    degradations: tuple[Degradation, ...]
    health_score: float | None
    findings: tuple[str, ...]
    mitigation_plan: tuple[MitigationStep, ...]
    rollback_recommendation: Rollback
    provenance: Provenance | None = field(default=None, metadata=since(2))



@dataclass(frozen=True)
class EpisodeEntry:
    """One anomaly episode with UTC times, its program day, and whether it is in its KPI's
    bad direction."""

    kpi: str
    start: str
    end: str
    peak_time: str
    peak_value: float
    peak_z: float
    peak_score: float
    points: int
    direction: typing.Literal["up", "down"]
    expected: float
    day: int
    bad_direction: bool
    onset_z: float | None = field(default=None, metadata=since(2))
    """The z the onset was flagged with (None in files before schema 2)."""
    band_low: float | None = field(default=None, metadata=since(2))
    """The pre-episode band, expected ± z·scale at the onset, it had to come back into."""
    band_high: float | None = field(default=None, metadata=since(2))
    recovered: bool | None = field(default=None, metadata=since(2))
    """False: the series settled at a new normal, or the data ended."""


@dataclass(frozen=True)
class AnomalyEvents:
    """``anomalies/anomaly_events.json``: every episode from GA through ``through_day``."""

    release: ReleaseBlock
    through_day: int
    method: str
    settings: Json
    episodes: tuple[EpisodeEntry, ...]
    count_by_kpi: dict[str, int]
    total: int
    provenance: Provenance | None = field(default=None, metadata=since(2))



class RegressionSummary(NamedTuple):
    """``regression/regression_summary.json``: the day-N trend of every KPI."""

    release: ReleaseBlock
    days: int
    trends: tuple[Trend, ...]
    regressions: tuple[Trend, ...]
    stable_kpis: tuple[str, ...]
    improved_kpis: tuple[str, ...]
    unknown_kpis: tuple[str, ...]


class ActionItem(NamedTuple):
    """A retrospective action item (a checkbox in the Markdown)."""

    id: str
    title: str
    kpi: str
    day: int | None
    severity: Severity
    detail: str
    action: str


class FinalRecommendation(NamedTuple):
    """The program's last word on rollback."""

    decision: typing.Literal["immediate_rollback", "rollback", "monitor", "unknown"]
    reasons: tuple[str, ...]
    rules: tuple[str, ...]


class Retrospective(NamedTuple):
    """``output/GA_<N>DAY_RETROSPECTIVE.json``: the retrospective's model (the Markdown is the
    same model rendered). The sections publishing and people act on are typed; the others
    are checked to be JSON and rendered as they are."""

    release: ReleaseBlock
    executive_summary: str
    final_recommendation: FinalRecommendation
    action_items: dict[Priority, tuple[ActionItem, ...]]
    sections: dict[str, Json]

    def to_json(self) -> dict[str, Any]:
        """The file's body: the typed sections beside the others, at the top level."""
        body = dict(encode(self.sections))
        body.update({"release": encode(self.release),
                     "executive_summary": self.executive_summary,
                     "final_recommendation": encode(self.final_recommendation),
                     "action_items": encode(self.action_items)})
        return body

    @classmethod
    def from_json(cls, data: Any, where: Location, version: int) -> Retrospective:
        """Decode the file's body (see :meth:`to_json`)."""
        if not isinstance(data, Mapping):
            raise where.error("expected an object")
        typed = {"release", "executive_summary", "final_recommendation", "action_items"}
        sections = {k: v for k, v in data.items() if k not in typed}
        return decode(Retrospective, {**{k: data[k] for k in typed if k in data},
                                      "sections": sections}, where, version)


def replace(record: R, **changes: Any) -> R:
    """A copy of a file record with ``changes``."""
    return dataclasses.replace(record, **changes)  # type: ignore[type-var]


def as_recorded(record: R) -> R:
    """``record`` exactly as it reads back from its file (floats rounded as written)."""
    return typing.cast(R, decode(type(record), normalise(encode(record)),
                                 Location(type(record).__name__)))
