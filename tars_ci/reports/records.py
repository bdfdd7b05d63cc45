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
``notifications/notifications_sent.json``    :class:`~tars_ci.reports.ledger.NotificationLedger`
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
from tars_ci.analysis.findings import Finding
from tars_ci.analysis.health import Contribution, Degradation, HealthBand
from tars_ci.analysis.kpis import Measurement, MeasureStatus
from tars_ci.analysis.mitigation import MitigationStep
from tars_ci.analysis.regression import Trend
from tars_ci.analysis.rollback import Rollback
from tars_ci.analysis.slo import SloDay
from tars_ci.reports.codec import Json, Location, added_in, decode, encode, since
from tars_ci.reports.jsonio import normalise
from tars_ci.spec.model import Better, Priority, Severity

R = TypeVar("R")

SCHEMA_VERSION = 2
"""Version 2 added ``provenance`` (every file), late baselines, SLO burn-rate alerts, data
gaps, the health score's coverage, trend shapes and action items naming every finding of
one incident; version 1 files load."""
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


class BurnAlert(NamedTuple):
    """One firing of an SLO burn-rate alert on the day (the SRE Workbook's model)."""

    alert: str  # page_fast, page_slow, ticket_fast, ticket_slow or the spec's own name
    long_window: str  # "1h"
    short_window: str  # "5m"
    factor: float  # burn rate both windows had to exceed
    priority: Priority
    start: str  # UTC: the first firing step
    end: str  # UTC: after the last firing step (clipped to the day)
    peak_burn: float  # highest long-window burn rate while firing
    peak_time: str
    budget_consumed_percent: float  # of the SLO window's error budget, while firing
    open_at_start: bool  # already firing when the day began
    open_at_end: bool  # still firing when the day ended


class BurnPeak(NamedTuple):
    """The day's highest burn rate over one window length."""

    window: str
    peak_burn: float | None  # None when no step of the day could be evaluated
    peak_time: str | None
    evaluated: int  # steps with enough data and traffic
    steps: int


class SloBurn(NamedTuple):
    """An SLO's burn-rate alerts on the day: every firing and the peak per window."""

    objective: float
    slo_window: str  # "30d": the budget the shares refer to
    alerts: tuple[BurnAlert, ...]
    peaks: tuple[BurnPeak, ...]
    notes: tuple[str, ...]


class DataGap(NamedTuple):
    """A stretch of the day without samples of a KPI, as long as the report names (15 min)."""

    kpi: str
    start: str
    end: str
    minutes: float


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
    slo_burn: dict[str, SloBurn] = field(default_factory=dict, metadata=since(2))
    data_gaps: tuple[DataGap, ...] = field(default=(), metadata=since(2))

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
    coverage: float | None = field(default=None, metadata=since(2))
    """The least-covered critical KPI's share of the day with data."""
    data_note: str = field(default="", metadata=since(2))
    """Why the band is insufficient_data, or which KPIs were left out of the score."""


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
    """A retrospective action item (a checkbox in the Markdown): one incident, which may
    name several findings of one cause on one day (availability and error rate)."""

    id: str  # the lead finding's id: publishing's checkbox marker
    title: str
    kpi: str  # the lead finding's KPI (or SLO)
    day: int | None
    severity: Severity
    detail: str
    action: str
    ids: tuple[str, ...] = ()  # every finding of the incident, lead first
    kpis: tuple[str, ...] = ()  # every KPI (or SLO) it names, lead first


class FinalRecommendation(NamedTuple):
    """The program's last word: the week's verdict, why, and every change of decision."""

    decision: typing.Literal["immediate_rollback", "rollback", "insufficient_data",
                             "recovered", "monitor", "unknown"]
    reasons: tuple[str, ...]
    rules: tuple[str, ...]  # the rollback rules that fired on the last day
    headline: str = ""  # "rollback recommended on days 2–3; recovered from day 4"
    changes: tuple[str, ...] = ()  # one sentence per change of decision between days


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


added_in(2, Trend, "shape", "summary", "step_day", "step_percent", "recovered_day")
added_in(2, FinalRecommendation, "headline", "changes")
added_in(2, ActionItem, "ids", "kpis")
