"""The periodic SLO and health report: ``periodic/<period>_<end>.json`` (and ``.md``).

One window of any length (``24h``, ``7d``, ``30d``, …), judged with the same records and the
same computations as the daily files: each KPI's value over the window and its comparison
with the recorded GA baseline (:class:`~tars_ci.reports.records.KpiComparison`), the
findings with their P0–P3 priorities (:class:`~tars_ci.analysis.priority.Finding`), each
SLO's SLI (Σgood / Σtotal), burn rate and error budget with the burn-rate alerts that fired
(:class:`~tars_ci.reports.records.SloBurn`), the health score and its breakdown, data
coverage and gaps, and the spec's provenance. Only the window differs.

An SLO's error budget is given two ways, each labelled: the **window's own budget** (the bad
events the objective allows among the window's events: ``(1 − O/100) · total``, consumed at
``burn rate · 100 %``), and the share of the **SLO's compliance window's budget** (its
``window``, 30d by default) that the window spent, ``burn rate · hours with data / SLO
window`` — the same estimate the burn-rate alerts use for the budget spent while firing
(:func:`~tars_ci.analysis.burn.budget_consumed`). Hours without data are not counted as
spending nothing: the coverage says how much of the window is behind the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, NamedTuple

from tars_ci.analysis.burn import budget_consumed
from tars_ci.analysis.findings import Finding
from tars_ci.analysis.health import Contribution, Degradation, Health, HealthBand
from tars_ci.analysis.slo import SloDay, SloStatus, assess_day, budget_fraction
from tars_ci.reports.records import (
    Coverage,
    DataGap,
    EpisodeEntry,
    KpiComparison,
    Provenance,
    ReleaseBlock,
    SloBurn,
)
from tars_ci.spec.model import Priority, Slo
from tars_ci.spec.values import format_duration


class PeriodBlock(NamedTuple):
    """The report's window, ``[start, end)`` in UTC."""

    period: str  # "7d", "24h": its canonical name
    start: str
    end: str
    program_days: tuple[int, ...]  # days 0..N of the program the window overlaps


class SloWindow(NamedTuple):
    """One SLO over the window."""

    objective: float
    slo_window: str  # "30d": the compliance window of slo_budget_consumed_percent
    status: SloStatus  # ok, no_data, error (a failed query: the reason has its message)
    reason: str
    sli_percent: float | None  # Σgood / Σtotal · 100 over the steps with data
    met: bool | None  # SLI ≥ objective; None without data, or met on too little of the window
    coverage: float  # share of the window's steps (samples) with usable data
    unit: Literal["events", "samples"]  # ratio SLI: events (Σrate · step); threshold: samples
    good: float | None
    bad: float | None
    total: float | None
    burn_rate: float | None  # (bad / total) / (1 − objective/100)
    window_budget: float | None  # bad events (samples) the objective allows in the window
    window_budget_consumed_percent: float | None  # bad / window_budget · 100 = burn_rate · 100
    slo_budget_consumed_percent: float | None  # of the SLO window's budget: burn · hours / window
    hours_with_data: float  # coverage · the window's length
    burn: SloBurn  # the burn-rate alerts that fired in the window, and peaks per window


class KpiVerdict(NamedTuple):
    """How a KPI's window value ranks: its absolute band and its finding's priority."""

    band: Priority | None  # the absolute band (priorities.bands) the value is in
    priority: Priority | None  # the priority of its finding; None without one
    finding: str | None  # that finding's id


class WindowHealth(NamedTuple):
    """The health score of the window (the daily formula over the window's comparisons)."""

    score: float | None  # None: no baseline, or no weighted KPI with data
    band: HealthBand
    coverage: float  # the least-covered critical KPI's share of the window with data
    data_note: str
    anomaly_episodes: int  # episodes in a KPI's bad direction overlapping the window
    anomaly_points_lost: float
    breakdown: tuple[Contribution, ...]
    degradations: tuple[Degradation, ...]


@dataclass(frozen=True)
class PeriodicReport:
    """``periodic/<period>_<end>.json``: the SLO and health report of one window."""

    release: ReleaseBlock
    period: PeriodBlock
    baseline_file: str  # the GA summary the KPIs were compared with ("" when none)
    metrics_comparison: dict[str, KpiComparison]
    kpis: dict[str, KpiVerdict]
    slo: dict[str, SloWindow]
    health: WindowHealth
    findings: tuple[Finding, ...]
    anomalies: tuple[EpisodeEntry, ...]  # episodes overlapping the window, both directions
    data_coverage: Coverage
    data_gaps: tuple[DataGap, ...]
    provenance: Provenance
    notes: tuple[str, ...]


# --------------------------------------------------------------------------- builders


def slo_window(slo: Slo, sli: SloDay, evaluation: SloBurn, *, period: timedelta,
               step: float, min_coverage: float) -> SloWindow:
    """One SLO over the window from its SLI (:func:`~tars_ci.analysis.slo.ratio_day` /
    ``threshold_day`` over the window) judged by :func:`~tars_ci.analysis.slo.assess_day`.

    ``met`` is False when the SLI misses the objective, True when it meets it on at least
    ``min_coverage`` of the window, else None: nobody can claim compliance for hours
    without data."""
    judged = assess_day(slo, sli)
    window = format_duration(slo.window)
    unit: Literal["events", "samples"] = "events" if slo.ratio is not None else "samples"
    hours = judged.coverage * period / timedelta(hours=1)
    if judged.status != "ok" or judged.burn_rate is None or judged.sli_percent is None:
        return SloWindow(slo.objective, window, judged.status, judged.reason, None, None,
                         judged.coverage, unit, None, None, None, None, None, None, None, hours,
                         evaluation)
    scale = step if slo.ratio is not None else 1.0  # rates at a fixed step → event counts
    bad, total = judged.bad * scale, judged.total * scale
    allowed = budget_fraction(slo) * total
    met: bool | None = bool(judged.compliant)
    reason = judged.reason
    if met and judged.coverage < min_coverage:
        met = None
        reason = "; ".join(x for x in (reason, (
            f"the SLI meets the objective on the {judged.coverage:.1%} of the window with "
            f"data, below the {min_coverage:.0%} needed to call it met")) if x)
    spent = budget_consumed(judged.burn_rate, timedelta(hours=hours), slo.window) * 100.0
    return SloWindow(slo.objective, window, "ok", reason, judged.sli_percent, met,
                     judged.coverage, unit, total - bad, bad, total, judged.burn_rate, allowed,
                     judged.burn_rate * 100.0, spent, hours, evaluation)


def window_health(health: Health | None, note: str = "") -> WindowHealth:
    """The window's health record; without ``health`` (no GA baseline) no score, saying why."""
    if health is None:
        return WindowHealth(None, "insufficient_data", 0.0, note, 0, 0.0, (), ())
    return WindowHealth(health.score, health.band, health.coverage, health.data_note,
                        health.anomaly_episodes, health.anomaly_points_lost,
                        health.contributions, health.degradations)

