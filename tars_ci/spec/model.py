"""The spec as frozen, validated objects.

The YAML is parsed once, by :mod:`tars_ci.spec.loader`, into these dataclasses; nothing past
the loader indexes raw dicts. The loader and the JSON Schema (:mod:`tars_ci.spec.schema`) are
both driven by these class definitions: a field's type hint says what YAML it accepts, its
``metadata["doc"]`` documents it, and ``metadata["keyed"]`` marks a ``tuple`` that is written
in YAML as a mapping from name to object (the key fills the named field).

Cross-field rules live in each class's ``problems()`` method, which returns
``(relative_yaml_path, message)`` pairs; the loader attaches the line numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from itertools import pairwise
from typing import Literal

from tars_ci.cron import parse as parse_cron
from tars_ci.spec.alerting import AlertLabel, RulesSettings
from tars_ci.spec.fields import (
    NAME_RE,
    PRIORITIES,
    SEVERITIES,
    SLUG_RE,
    Aggregate,
    Better,
    Priority,
    Secret,
    Severity,
    doc,
    slugify,
)
from tars_ci.spec.gates import (
    SELECTOR,
    WINDOW,
    Bound,
    GateCriterion,
    GateMetric,
    Gates,
    GateStage,
    GateStatistics,
    parse_bound,
)
from tars_ci.spec.levels import more_urgent
from tars_ci.spec.notify import NotifyTarget, notify_problems
from tars_ci.spec.source import Auth, Header, SourceSpec
from tars_ci.timeline import PERIOD_PATTERN, parse_period

__all__ = [
    "DEFAULT_BURN_ALERTS", "NAME_RE", "PRIORITIES", "SELECTOR", "SEVERITIES", "SLUG_RE",
    "WINDOW", "Aggregate", "AlertLabel", "AnomalySettings", "Auth", "Band", "Better", "Bound",
    "BurnAlert", "DriftThresholds", "GateCriterion", "GateMetric", "GateStage",
    "GateStatistics", "Gates", "GitHubSettings", "Header", "HealthSettings", "Kpi", "KpiRatio",
    "Priorities", "Priority", "RatioSli", "Release", "ReportSchedule", "ReportSettings",
    "RollbackRules", "RulesSettings", "Schedule", "Secret", "Severity", "SeverityMap", "Slo",
    "SourceSpec", "Spec", "ThresholdSli", "Thresholds", "doc", "parse_bound", "slugify",
]

# --------------------------------------------------------------------------- release, schedule


@dataclass(frozen=True)
class Release:
    """The release under watch."""

    name: str = field(metadata=doc("Release name as people say it, e.g. `payments-api v2.4.0`."))
    ga_time: datetime = field(
        metadata=doc("GA timestamp, ISO 8601 with a timezone (`2026-11-01T00:00:00Z`). Day N "
                     "covers [GA + N·24h, GA + (N+1)·24h).")
    )
    days: int = field(default=7, metadata=doc("Days compared to the GA-day baseline (day 0).",
                                              minimum=1, maximum=90))
    slug: str = field(default="", metadata=doc(
        "Directory and label name for the release; derived from `name` when empty.",
        pattern=SLUG_RE.pattern))

    def problems(self) -> list[tuple[str, str]]:
        out = []
        if not self.name.strip():
            out.append(("name", "must not be empty"))
        if self.slug and not SLUG_RE.match(self.slug):
            out.append(("slug", f"must match {SLUG_RE.pattern} (it names a directory)"))
        return out

    @property
    def release_slug(self) -> str:
        """The slug to use for paths and labels."""
        return self.slug or slugify(self.name)


@dataclass(frozen=True)
class Schedule:
    """When the scheduled job runs."""

    daily_time: time = field(
        default=time(0, 45),
        metadata=doc("UTC time of day (`HH:MM`) the daily workflow runs; it should fall after "
                     "the day window closes plus `settle`. Drives the workflow's cron."),
    )
    settle: timedelta = field(
        default=timedelta(minutes=30),
        metadata=doc("How long after a day window closes before it is processed (late "
                     "scrapes, recording rules). Duration: `30s`, `15m`, `1h`, `1d`."),
    )


# --------------------------------------------------------------------------- KPIs and SLOs


@dataclass(frozen=True)
class KpiRatio:
    """A traffic-weighted ratio: the day's value is `scale · Σnumerator / Σdenominator` over the
    steps where both have a value, not a mean of per-step ratios. Give `numerator` and
    `denominator`, or `slo` (and `of`) to reuse a ratio SLO's good/total series."""

    numerator: str = field(default="", metadata=doc("PromQL of the numerator (e.g. a rate of "
                                                    "errors)."))
    denominator: str = field(default="", metadata=doc("PromQL of the denominator (e.g. a rate "
                                                      "of all requests)."))
    slo: str = field(default="", metadata=doc(
        "A ratio SLO whose `good`/`total` series to use instead (no extra query)."))
    of: Literal["good", "bad"] = field(default="good", metadata=doc(
        "With `slo`: `good` is good/total, `bad` is (total − good)/total."))
    scale: float = field(default=1.0, metadata=doc(
        "Factor applied to the ratio, e.g. `100` for percent.", exclusiveMinimum=0))

    def problems(self) -> list[tuple[str, str]]:
        out = []
        explicit = bool(self.numerator.strip() or self.denominator.strip())
        if explicit and self.slo:
            out.append(("", "give numerator and denominator, or slo, not both"))
        elif explicit and not (self.numerator.strip() and self.denominator.strip()):
            missing = "denominator" if self.numerator.strip() else "numerator"
            out.append((missing, "must not be empty when the other part is given"))
        elif not explicit and not self.slo:
            out.append(("", "give numerator and denominator, or slo"))
        if self.scale <= 0:
            out.append(("scale", "must be > 0"))
        return out


@dataclass(frozen=True)
class Kpi:
    """One key performance indicator, watched every day."""

    name: str = field(metadata=doc("KPI name (the mapping key): lowercase, digits, `_`."))
    query: str = field(default="", metadata=doc(
        "PromQL returning one series (a range query is run over each day window at the "
        "source's step); give `query` or `ratio`."))
    unit: str = field(kw_only=True, metadata=doc(
        "Unit shown in reports: `percent`, `ms`, `usd_per_hour`, …"))
    better: Better = field(kw_only=True, metadata=doc("Which direction is better."))
    ratio: KpiRatio | None = field(default=None, kw_only=True, metadata=doc(
        "A traffic-weighted ratio of two series instead of `query` (README, \"Ratio KPIs\")."))
    title: str = field(default="", metadata=doc("Display name; defaults to the KPI name."))
    critical: bool = field(default=False, metadata=doc(
        "An SLO metric: drift on it can trigger a rollback."))
    weight: float = field(default=1.0, metadata=doc("Weight in the health score.", minimum=0))
    cost: bool = field(default=False, metadata=doc(
        "A cost rate in currency per hour; cost KPIs are summed in the cost analysis."))
    aggregate: Aggregate = field(default="mean", metadata=doc(
        "How a day's samples reduce to the day's value."))
    limit: float | None = field(default=None, metadata=doc(
        "Absolute SLO bound of the daily value (e.g. error rate ≤ 1.0); drift severity is "
        "capped while the value keeps most of its headroom to this bound."))
    mitigations: tuple[str, ...] = field(default=(), metadata=doc(
        "Mitigation steps proposed when this KPI degrades."))
    worsening_step: float | None = field(default=None, metadata=doc(
        "This KPI's tolerance for the `worsening` rollback rule, in percentage points of bad "
        "drift per day; `null`: `thresholds.rollback.worsening_step`.", minimum=0))

    @property
    def display(self) -> str:
        """Name to show people."""
        return self.title or self.name

    def problems(self) -> list[tuple[str, str]]:
        out = []
        if not NAME_RE.match(self.name):
            out.append(("", f"KPI name {self.name!r} must match {NAME_RE.pattern}"))
        if self.ratio is None and not self.query.strip():
            out.append(("query", "must not be empty (or give `ratio` instead)"))
        if self.ratio is not None and self.query.strip():
            out.append(("", "give `query` or `ratio`, not both"))
        if self.ratio is not None and self.aggregate != "mean":
            out.append(("aggregate", "does not apply to a ratio KPI: its day value is "
                                     "Σnumerator / Σdenominator"))
        if self.weight < 0:
            out.append(("weight", "must be ≥ 0"))
        return out


@dataclass(frozen=True)
class RatioSli:
    """Event-based SLI: good events / total events."""

    good: str = field(metadata=doc("PromQL rate of good events."))
    total: str = field(metadata=doc("PromQL rate of all events."))


@dataclass(frozen=True)
class ThresholdSli:
    """Time-based SLI: the share of samples of a KPI that meet a bound."""

    kpi: str = field(metadata=doc("KPI name."))
    max: float | None = field(default=None, metadata=doc("A sample is good when ≤ max."))
    min: float | None = field(default=None, metadata=doc("A sample is good when ≥ min."))

    def problems(self) -> list[tuple[str, str]]:
        if (self.max is None) == (self.min is None):
            return [("", "give exactly one of max or min")]
        return []


@dataclass(frozen=True)
class BurnAlert:
    """A multi-window burn-rate alert (the SRE Workbook's alerting model): it fires while the
    burn rate over both its long and its short window exceeds its factor."""

    name: str = field(metadata=doc("Alert name (the mapping key), e.g. `page_fast`."))
    long: timedelta = field(metadata=doc(
        "Long window: how much budget must burn before the alert fires."))
    short: timedelta = field(metadata=doc(
        "Short window: the alert resets soon after the burn stops."))
    factor: float = field(metadata=doc(
        "Burn rate both windows must exceed (1 spends the budget exactly over the SLO "
        "window).", exclusiveMinimum=0))
    priority: Priority = field(metadata=doc("Priority of the `slo_burn` finding it raises."))

    def problems(self) -> list[tuple[str, str]]:
        out = []
        if not NAME_RE.match(self.name):
            out.append(("", f"alert name {self.name!r} must match {NAME_RE.pattern}"))
        if self.short <= timedelta(0):
            out.append(("short", "must be positive"))
        if self.short >= self.long:
            out.append(("short", "must be shorter than long"))
        if self.factor <= 0:
            out.append(("factor", "must be > 0"))
        return out


# The SRE Workbook's recommended alerts for a 30-day SLO (chapter 5, "Alerting on SLOs"):
# 2 % of the budget in 1 h, 5 % in 6 h, 10 % in 1 d and 10 % in 3 d.
DEFAULT_BURN_ALERTS: tuple[BurnAlert, ...] = (
    BurnAlert("page_fast", timedelta(hours=1), timedelta(minutes=5), 14.4, "P0"),
    BurnAlert("page_slow", timedelta(hours=6), timedelta(minutes=30), 6.0, "P1"),
    BurnAlert("ticket_fast", timedelta(days=1), timedelta(hours=2), 3.0, "P2"),
    BurnAlert("ticket_slow", timedelta(days=3), timedelta(hours=6), 1.0, "P3"),
)


@dataclass(frozen=True)
class Slo:
    """A service level objective."""

    name: str = field(metadata=doc("SLO name (the mapping key)."))
    objective: float = field(metadata=doc("Target percentage of good, e.g. 99.9.",
                                          exclusiveMinimum=0, exclusiveMaximum=100))
    window: timedelta = field(default=timedelta(days=30), metadata=doc(
        "Compliance window for the error budget."))
    ratio: RatioSli | None = field(default=None, metadata=doc("Event-based SLI."))
    threshold: ThresholdSli | None = field(default=None, metadata=doc("Time-based SLI."))
    burn_alerts: tuple[BurnAlert, ...] = field(default=DEFAULT_BURN_ALERTS, metadata=doc(
        "Multi-window burn-rate alerts, evaluated at every step of each day; each firing is "
        "an `slo_burn` finding. Writing this mapping replaces the defaults (`{}`: none). "
        "Default, the SRE Workbook's: `page_fast` 1h/5m > 14.4× P0, `page_slow` 6h/30m > 6× "
        "P1, `ticket_fast` 1d/2h > 3× P2, `ticket_slow` 3d/6h > 1× P3.", keyed="name"))
    burn_min_coverage: float = field(default=0.5, metadata=doc(
        "A burn-rate window is evaluated only where at least this share of its steps has "
        "data; below it the window says \"not evaluated\" rather than guess.",
        exclusiveMinimum=0, maximum=1))

    def problems(self) -> list[tuple[str, str]]:
        out = []
        if not NAME_RE.match(self.name):
            out.append(("", f"SLO name {self.name!r} must match {NAME_RE.pattern}"))
        if (self.ratio is None) == (self.threshold is None):
            out.append(("", "give exactly one SLI: ratio or threshold"))
        if not 0 < self.objective < 100:
            out.append(("objective", "must be between 0 and 100 (exclusive)"))
        return out


# --------------------------------------------------------------------------- thresholds


@dataclass(frozen=True)
class DriftThresholds:
    """Relative drift from the GA baseline, in percent, judged in the bad direction."""

    notable: float = field(default=10.0, metadata=doc("Severity low from here.", minimum=0))
    medium: float = field(default=15.0, metadata=doc("Severity medium from here.", minimum=0))
    high: float = field(default=30.0, metadata=doc("Severity high from here.", minimum=0))
    critical: float = field(default=50.0, metadata=doc("Severity critical from here.",
                                                       minimum=0))
    headroom_cap_medium: float = field(default=0.75, metadata=doc(
        "While the value keeps at least this share of its baseline headroom to the KPI's "
        "`limit`, severity is at most medium.", minimum=0, maximum=1))
    headroom_cap_high: float = field(default=0.5, metadata=doc(
        "While it keeps at least this share, severity is at most high.", minimum=0, maximum=1))

    def problems(self) -> list[tuple[str, str]]:
        out = []
        if not self.notable < self.medium < self.high < self.critical:
            out.append(("", "must increase: notable < medium < high < critical, got "
                            f"{self.notable} / {self.medium} / {self.high} / {self.critical}"))
        if self.headroom_cap_high > self.headroom_cap_medium:
            out.append(("headroom_cap_high", "must be ≤ headroom_cap_medium"))
        return out


@dataclass(frozen=True)
class AnomalySettings:
    """EWMA + z-score anomaly detection (README, "Anomaly detection").

    The defaults are one parameter set tuned on the labelled NAB benchmark data; see
    :mod:`tars_ci.analysis.anomaly` for the method.
    """

    z: float = field(default=3.0, metadata=doc(
        "The runbook's z-score rule: an episode lasts while the series is outside its "
        "pre-episode band, the onset's baseline ± this many of its scales.", exclusiveMinimum=0))
    alpha: float = field(default=0.05, metadata=doc(
        "EWMA smoothing factor of the level baseline (0, 1].", exclusiveMinimum=0, maximum=1))
    scale_alpha: float = field(default=0.03, metadata=doc(
        "EWMA factor of the mean absolute residual, the robust scale of the z-score (0, 1].",
        exclusiveMinimum=0, maximum=1))
    floor: float = field(default=0.001, metadata=doc(
        "Variance floor: the scale is at least this share of |level|, so a flat series does "
        "not alarm on a rounding change.", minimum=0))
    season_hours: float = field(default=24.0, metadata=doc(
        "Seasonal period in hours: a second baseline from the same time of earlier periods, "
        "and a time-of-day scale for both baselines; 0 turns seasonality off.", minimum=0))
    season_alpha: float = field(default=0.5, metadata=doc(
        "EWMA factor across periods of the seasonal baseline (0, 1].",
        exclusiveMinimum=0, maximum=1))
    season_scale_alpha: float = field(default=0.5, metadata=doc(
        "EWMA factor across periods of the |residual| at each phase, the time-of-day scale "
        "(0, 1].", exclusiveMinimum=0, maximum=1))
    season_width: int = field(default=2, metadata=doc(
        "Phase tolerance of the time-of-day scale, in steps either side.", minimum=0))
    tail_z: float = field(default=4.0, metadata=doc(
        "|z| above which a point is an exceedance: the rare events whose rate and size the "
        "evidence model learns, separately upwards and downwards.", exclusiveMinimum=0))
    rate_alpha: float = field(default=0.001, metadata=doc(
        "EWMA factor of the exceedance rate and size (memory ≈ 1/rate_alpha steps).",
        exclusiveMinimum=0, maximum=1))
    prior_rate: float = field(default=0.005, metadata=doc(
        "Prior exceedance rate (both directions) …", exclusiveMinimum=0, exclusiveMaximum=1))
    prior_weight: float = field(default=800.0, metadata=doc(
        "… worth this many observations.", exclusiveMinimum=0))
    prior_tail: float = field(default=1.0, metadata=doc(
        "Prior mean log-excess ln(|z|/tail_z) of an exceedance …", exclusiveMinimum=0))
    prior_tail_weight: float = field(default=5.0, metadata=doc(
        "… worth this many exceedances.", exclusiveMinimum=0))
    count_windows: tuple[int, ...] = field(default=(8, 32, 128), metadata=doc(
        "Windows (steps) in which an unusual number of exceedances is evidence too: bursts "
        "and level shifts, not only single extreme points."))
    periodic_lookback: int = field(default=4, metadata=doc(
        "An exceedance that repeats the gap back to one of the last this-many exceedances "
        "twice (±1 step) is a periodic job on schedule and no evidence by itself; 0 turns "
        "this off.", minimum=0))
    periodic_min_gap: int = field(default=10, metadata=doc(
        "Shortest gap (steps) that counts as a period; closer exceedances are a burst.",
        minimum=1))
    refractory: float = field(default=1.0, metadata=doc(
        "Share of the decaying maximum of earlier evidence that is subtracted, so one event "
        "raises one alarm, not a run of them; 0 turns it off.", minimum=0, maximum=1))
    refractory_decay: float = field(default=0.98, metadata=doc(
        "Per-step decay of that maximum [0, 1).", minimum=0, exclusiveMaximum=1))
    novelty_hours: float = field(default=168.0, metadata=doc(
        "A deviation is novel when the value goes beyond the highest (lowest) value of this "
        "many previous hours and its residual beyond the largest residual in that direction "
        "in the same window; 0 turns the novelty test off.", minimum=0))
    novelty_weight: float = field(default=2.0, metadata=doc(
        "The evidence of a novel deviation is multiplied by this (at least 1; 1 turns the "
        "novelty test off): somewhere the series has not been within novelty_hours counts "
        "as that many independent surprises of its size.", minimum=1))
    warmup: int = field(default=60, metadata=doc(
        "First observed points of a series that always score 0 (baselines still forming).",
        minimum=0))
    threshold: float = field(default=0.5, metadata=doc(
        "Anomaly score from which a point is flagged. score = e / (e + 2) where e = −log10 "
        "of the tail probability, so 0.5 is a one-in-a-hundred surprise.",
        exclusiveMinimum=0, exclusiveMaximum=1))
    min_points: int = field(default=1, metadata=doc(
        "Anomalous points an episode needs (alarms, and points outside its band).", minimum=1))
    merge_gap: int = field(default=5, metadata=doc(
        "An episode ends once the series has been back in its band for more than this many "
        "steps; alarms at most this many steps after its last anomalous point join it.",
        minimum=0))
    max_episode_hours: float = field(default=24.0, metadata=doc(
        "A series still outside its band this long after the onset has a new normal: the "
        "episode ends there (recovered: false).", exclusiveMinimum=0))

    def problems(self) -> list[tuple[str, str]]:
        out = []
        for name in ("alpha", "scale_alpha", "season_alpha", "season_scale_alpha",
                     "rate_alpha"):
            if not 0 < getattr(self, name) <= 1:
                out.append((name, "must be in (0, 1]"))
        if not 0 < self.prior_rate < 1:
            out.append(("prior_rate", "must be in (0, 1)"))
        if not 0 <= self.refractory <= 1:
            out.append(("refractory", "must be in [0, 1]"))
        if not 0 <= self.refractory_decay < 1:
            out.append(("refractory_decay", "must be in [0, 1)"))
        if not self.novelty_weight >= 1:
            out.append(("novelty_weight", "must be ≥ 1"))
        if not 0 < self.threshold < 1:
            out.append(("threshold", "must be in (0, 1)"))
        if any(n < 1 for n in self.count_windows):
            out.append(("count_windows", "windows must be at least 1 step"))
        for name in ("z", "tail_z", "prior_weight", "prior_tail", "prior_tail_weight",
                     "max_episode_hours"):
            if not getattr(self, name) > 0:
                out.append((name, "must be > 0"))
        for name in ("floor", "season_hours", "season_width", "warmup", "periodic_lookback",
                     "novelty_hours"):
            if getattr(self, name) < 0:
                out.append((name, "must be ≥ 0"))
        if self.min_points < 1:
            out.append(("min_points", "must be ≥ 1"))
        if self.periodic_min_gap < 1:
            out.append(("periodic_min_gap", "must be ≥ 1"))
        if self.merge_gap < 0:
            out.append(("merge_gap", "must be ≥ 0"))
        return out


@dataclass(frozen=True)
class HealthSettings:
    """Health score bands and penalties (score starts at 100)."""

    excellent: float = field(default=90.0, metadata=doc("Band excellent from here."))
    good: float = field(default=70.0, metadata=doc("Band good from here."))
    fair: float = field(default=50.0, metadata=doc("Band fair from here; below is poor."))
    penalty_low: float = field(default=0.1, metadata=doc(
        "Share of a KPI's weight lost at severity low.", minimum=0, maximum=1))
    penalty_medium: float = field(default=0.3, metadata=doc("… at medium.", minimum=0, maximum=1))
    penalty_high: float = field(default=0.6, metadata=doc("… at high.", minimum=0, maximum=1))
    penalty_critical: float = field(default=1.0, metadata=doc("… at critical.",
                                                              minimum=0, maximum=1))
    anomaly_points: float = field(default=2.0, metadata=doc(
        "Points lost per anomaly episode on the day.", minimum=0))
    anomaly_cap: float = field(default=10.0, metadata=doc(
        "Most points anomalies can cost in one day.", minimum=0))
    min_coverage: float = field(default=0.8, metadata=doc(
        "A day whose least-covered critical KPI (every KPI when none is critical) has data for "
        "less than this share of the day is `insufficient_data`, not a band. 0.8 leaves at "
        "most ~5 hours unseen: less than a working day's peak, so a peak-hour incident cannot "
        "hide in the gap, while a routine 1–2 hour scrape outage still gets a verdict.",
        minimum=0, maximum=1))

    def problems(self) -> list[tuple[str, str]]:
        out = []
        if not 0 <= self.fair < self.good < self.excellent <= 100:
            out.append(("", "bands must increase within 0–100: fair < good < excellent"))
        if not (self.penalty_low <= self.penalty_medium <= self.penalty_high
                <= self.penalty_critical):
            out.append(("", "penalties must not decrease with severity"))
        return out


@dataclass(frozen=True)
class RollbackRules:
    """The seeds' rollback decision tree; `immediate` comes from the P0 bands."""

    health_floor: float = field(default=40.0, metadata=doc(
        "Recommend rollback when health stays below this …"))
    health_days: int = field(default=2, metadata=doc("… for this many days running.", minimum=1))
    slo_drift_percent: float = field(default=50.0, metadata=doc(
        "Recommend rollback when a critical KPI drifts this far in its bad direction."))
    worsening_from_day: int = field(default=3, metadata=doc(
        "From this day on, degradations that keep worsening …", minimum=1))
    worsening_days: int = field(default=3, metadata=doc(
        "… for this many consecutive days recommend rollback.", minimum=2))
    worsening_step: float | None = field(default=None, metadata=doc(
        "Tolerance of `worsening`: a day counts as worse only when a critical KPI's bad drift "
        "rose by more than this many percentage points since the day before, so noise on a "
        "flat drift (+33.03% → +33.06%) never reads as a trend; `null`: the notable drift "
        "step (`thresholds.drift.notable`). A KPI's own `worsening_step` overrides it.",
        minimum=0))


@dataclass(frozen=True)
class Thresholds:
    """All analysis thresholds."""

    drift: DriftThresholds = field(default_factory=DriftThresholds, metadata=doc("Drift."))
    anomaly: AnomalySettings = field(default_factory=AnomalySettings, metadata=doc("Anomalies."))
    health: HealthSettings = field(default_factory=HealthSettings, metadata=doc("Health score."))
    rollback: RollbackRules = field(default_factory=RollbackRules, metadata=doc("Rollback."))


# --------------------------------------------------------------------------- priorities


@dataclass(frozen=True)
class Band:
    """Absolute value bands of one KPI (the seeds' severity levels)."""

    kpi: str = field(metadata=doc("KPI name (the mapping key)."))
    P0: float | None = field(default=None, metadata=doc(
        "Beyond this bound (below for higher-is-better, above for lower-is-better) the KPI is "
        "P0: the immediate-rollback class."))
    P1: float | None = field(default=None, metadata=doc("Beyond this bound: P1."))
    P2: float | None = field(default=None, metadata=doc("Beyond this bound: P2."))


@dataclass(frozen=True)
class SeverityMap:
    """Which priority each finding severity gets."""

    critical: Priority = field(default="P1", metadata=doc("Priority of a critical finding."))
    high: Priority = field(default="P1", metadata=doc("Priority of a high finding."))
    medium: Priority = field(default="P2", metadata=doc("Priority of a medium finding."))
    low: Priority = field(default="P3", metadata=doc("Priority of a low finding."))

    def problems(self) -> list[tuple[str, str]]:
        # A worse severity must never be less urgent: the findings and the rendered alerts
        # (one alert per severity step) then agree on the most urgent priority of a value.
        out: list[tuple[str, str]] = []
        for lower, worse in pairwise(SEVERITIES):
            if more_urgent(getattr(self, lower), getattr(self, worse)):
                out.append((worse, f"{getattr(self, worse)} is less urgent than {lower}'s "
                                   f"{getattr(self, lower)}: a worse severity must map to the "
                                   f"same or a more urgent priority"))
        return out


@dataclass(frozen=True)
class Priorities:
    """How findings become P0–P3; a finding takes the most urgent of its severity's priority
    and its KPI's absolute band."""

    severity: SeverityMap = field(default_factory=SeverityMap, metadata=doc(
        "Severity → priority."))
    bands: tuple[Band, ...] = field(default=(), metadata=doc(
        "Absolute bands per KPI, as a mapping KPI → {P0, P1, P2}.", keyed="kpi"))
    fail_level: Priority = field(default="P1", metadata=doc(
        "`tars-ci run` exits 1 when a processed day has a finding at this priority or more "
        "urgent."))
    fail_on_rollback: bool = field(default=True, metadata=doc(
        "`tars-ci run` also exits 1 when a processed day's rollback recommendation is "
        "`rollback` or `immediate_rollback`, whatever its findings' priorities."))
    no_data_critical: Priority = field(default="P1", metadata=doc(
        "Priority of a `no_data` finding for a critical KPI (or an SLO): a day the release "
        "cannot be judged on is as urgent as a high-severity regression."))
    no_data: Priority | None = field(default=None, metadata=doc(
        "Priority of a `no_data` finding for a non-critical KPI; `null`: what `severity` maps "
        "medium to (P2 by default)."))
    query_error: Priority = field(default="P1", metadata=doc(
        "Priority of a `query_error` finding (a KPI or SLO query the source refused); it "
        "carries the source's message."))


# --------------------------------------------------------------------------- GitHub, reports


@dataclass(frozen=True)
class GitHubSettings:
    """GitOps behaviour."""

    issue_priorities: tuple[Priority, ...] = field(default=("P0", "P1"), metadata=doc(
        "Findings at these priorities open issues."))
    labels: tuple[str, ...] = field(default=("tars-ci",), metadata=doc(
        "Labels on every issue and PR (priority and release labels are added)."))
    assignees: tuple[str, ...] = field(default=(), metadata=doc("Issue assignees (logins)."))
    reviewers: tuple[str, ...] = field(default=(), metadata=doc("Retrospective PR reviewers."))
    close_after_days: int = field(default=2, metadata=doc(
        "Close an issue once its finding has been clear this many consecutive days.",
        minimum=1))
    retro_branch: str = field(default="", metadata=doc(
        "Branch of the retrospective PR; default `tars-ci/retro-<release-slug>`."))
    base_branch: str = field(default="main", metadata=doc("Branch the history is committed to "
                                                          "and the PR targets."))
    api_url: str = field(default="https://api.github.com", metadata=doc(
        "REST API base URL (GitHub Enterprise: `https://HOST/api/v3`)."))
    max_writes: int = field(default=60, metadata=doc(
        "Most GitHub writes in one run (below GitHub's 80/min content-creation limit).",
        minimum=1, maximum=400))
    install: str = field(default="", metadata=doc(
        "pip requirement the generated workflow installs, e.g. `tars-ci==0.1.0` or `.` (the "
        "repository itself); default: the tars-ci version that generated the workflow."))
    python_version: str = field(default="3.11", metadata=doc(
        "Python version the generated workflow sets up (`3.MINOR`).",
        pattern=r"^3\.[0-9]{1,2}$"))


@dataclass(frozen=True)
class ReportSchedule:
    """A periodic SLO and health report (`tars-ci report --period`) the generated workflow
    runs on a schedule and commits under `periodic/`."""

    name: str = field(metadata=doc("Schedule name (the mapping key), e.g. `weekly`."))
    period: str = field(metadata=doc(
        "Window the report covers, ending at each scheduled time: `<N>h` or `<N>d` (`24h`, "
        "`7d`, `30d`), 1h to 90d, a multiple of `source.step`.", pattern=PERIOD_PATTERN))
    cron: str = field(metadata=doc(
        "When it runs and where its window ends: a five-field cron expression in UTC as "
        "GitHub Actions reads it, e.g. `\"0 6 * * 1\"` (Mondays 06:00). A delayed or "
        "re-run job still reports the window ending at the scheduled time."))

    def problems(self) -> list[tuple[str, str]]:
        out = []
        if not NAME_RE.match(self.name):
            out.append(("", f"schedule name {self.name!r} must match {NAME_RE.pattern}"))
        try:
            parse_period(self.period)
        except ValueError as exc:
            out.append(("period", str(exc)))
        try:
            cron = parse_cron(self.cron)
        except ValueError as exc:
            out.append(("cron", str(exc)))
        else:
            if len(cron.minutes) > 12:
                out.append(("cron", "runs more than 12 times an hour; GitHub runs schedules "
                                    "at most every 5 minutes and a report needs far fewer"))
        return out


@dataclass(frozen=True)
class ReportSettings:
    """Where the history goes."""

    dir: str = field(default="reports", metadata=doc(
        "Reports directory, relative to the working directory (the repository root in CI; "
        "`--reports` overrides it); must stay inside the repository."))
    periodic: tuple[ReportSchedule, ...] = field(default=(), metadata=doc(
        "Periodic SLO and health reports by name, e.g. `daily: {period: 24h, cron: \"0 6 * * "
        "*\"}`; the generated workflow runs each on its cron (README, \"Periodic reports\").",
        keyed="name"))

    def problems(self) -> list[tuple[str, str]]:
        if self.dir.startswith("/") or ".." in self.dir.replace("\\", "/").split("/"):
            return [("dir", "must be a relative path inside the repository (no `..`)")]
        return []


# --------------------------------------------------------------------------- the spec


@dataclass(frozen=True)
class Spec:
    """A tars-ci spec: one file drives the whole 7-day program."""

    version: Literal[1] = field(metadata=doc("Spec format version."))
    release: Release = field(metadata=doc("The release under watch."))
    source: SourceSpec = field(metadata=doc("The metrics source."))
    kpis: tuple[Kpi, ...] = field(metadata=doc("KPIs by name.", keyed="name", min_items=1))
    schedule: Schedule = field(default_factory=Schedule, metadata=doc("The schedule."))
    slos: tuple[Slo, ...] = field(default=(), metadata=doc("SLOs by name.", keyed="name"))
    thresholds: Thresholds = field(default_factory=Thresholds, metadata=doc("Thresholds."))
    priorities: Priorities = field(default_factory=Priorities, metadata=doc("Priorities."))
    github: GitHubSettings = field(default_factory=GitHubSettings, metadata=doc("GitHub."))
    reports: ReportSettings = field(default_factory=ReportSettings, metadata=doc("Reports."))
    rules: RulesSettings = field(default_factory=RulesSettings, metadata=doc(
        "The Prometheus rules file `tars-ci rules` generates from the spec."))
    gates: Gates = field(default_factory=Gates, metadata=doc(
        "Canary stage gates (`tars-ci gate --stage NAME`): metrics queried per track and the "
        "criteria each rollout stage must meet before the next one."))
    notify: tuple[NotifyTarget, ...] = field(default=(), metadata=doc(
        "Notification targets (Slack, Microsoft Teams, JSON webhook); sent by `publish` and "
        "`run --publish` after the history is pushed, each event once per target."))

    def problems(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        names = {k.name for k in self.kpis}
        for slo in self.slos:
            if slo.threshold is not None and slo.threshold.kpi not in names:
                out.append((f"slos.{slo.name}.threshold.kpi",
                            f"unknown KPI {slo.threshold.kpi!r}; known: {', '.join(sorted(names))}"))
        ratio_slos = {o.name for o in self.slos if o.ratio is not None}
        for k in self.kpis:
            if k.ratio is not None and k.ratio.slo and k.ratio.slo not in ratio_slos:
                out.append((f"kpis.{k.name}.ratio.slo",
                            f"unknown ratio SLO {k.ratio.slo!r}; ratio SLOs: "
                            f"{', '.join(sorted(ratio_slos)) or 'none'}"))
        for band in self.priorities.bands:
            if band.kpi not in names:
                out.append((f"priorities.bands.{band.kpi}",
                            f"unknown KPI {band.kpi!r}; known: {', '.join(sorted(names))}"))
                continue
            better = self.kpi(band.kpi).better
            bounds = [b for b in (band.P0, band.P1, band.P2) if b is not None]
            ordered = sorted(bounds) if better == "higher" else sorted(bounds, reverse=True)
            if bounds != ordered:
                out.append((f"priorities.bands.{band.kpi}",
                            "bounds must go from most to least urgent (P0, P1, P2): "
                            f"{'increasing' if better == 'higher' else 'decreasing'} for a "
                            f"{better}-is-better KPI"))
        out += notify_problems(self.notify)
        step = self.source.step.total_seconds()
        for sched in self.reports.periodic:
            try:
                seconds = parse_period(sched.period).total_seconds()
            except ValueError:
                continue  # said by the schedule itself
            if step > 0 and seconds % step:
                out.append((f"reports.periodic.{sched.name}.period",
                            f"{sched.period} is not a whole number of source.step "
                            f"({self.source.step.total_seconds():g}s)"))
        if not any(k.weight > 0 for k in self.kpis):
            out.append(("kpis", "at least one KPI needs a weight > 0 for the health score"))
        return out

    def kpi(self, name: str) -> Kpi:
        """The KPI called ``name`` (KeyError when absent)."""
        for k in self.kpis:
            if k.name == name:
                return k
        raise KeyError(name)

    def band(self, kpi: str) -> Band | None:
        """The absolute bands of ``kpi``, if any."""
        return next((b for b in self.priorities.bands if b.kpi == kpi), None)

    @property
    def retro_branch(self) -> str:
        """Branch of the retrospective pull request."""
        return self.github.retro_branch or f"tars-ci/retro-{self.release.release_slug}"
