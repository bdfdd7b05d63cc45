"""The day's health score, 0–100, with the contribution of every KPI spelled out.

::

    score = 100 · (1 − Σ weight_i · penalty_i / Σ weight_i)        over the KPIs with data
            − min(anomaly_cap, anomaly_points · anomaly_episodes)        clipped to [0, 100]

A KPI's penalty comes from its severity (seeds: none 0, low 0.1, medium 0.3, high 0.6,
critical 1.0). When bands are given, a KPI whose value is inside an absolute band is scored at
least at the band's severity (P0 critical, P1 high, P2 medium), the same severity its finding
carries.

Missing data is inconclusive, never a score: a KPI with ``no_data`` or ``error`` (or no
comparison at all) neither lowers nor raises the score — its weight leaves the denominator,
its breakdown line (status ``no_data``/``error``, penalty 0) says so. When no weighted KPI has data the score is None. A day whose
least-covered critical KPI (every KPI when none is critical) has data for less than
``min_coverage`` of the day gets the band ``insufficient_data`` instead of
excellent/good/fair/poor: never "excellent" on missing data, never "poor" either (the score is
still shown, over the KPIs that have data).

The score is monotonic: a worse severity or one more anomaly episode never raises it.

Bands (seeds): ≥ 90 excellent, ≥ 70 good, ≥ 50 fair, below poor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, NamedTuple

from tars_ci.analysis.drift import (
    Comparison,
    Status,
    at_least,
    format_drift,
    max_severity,
)
from tars_ci.analysis.priority import band_priority, band_severity
from tars_ci.spec.model import Band, HealthSettings, Kpi, Severity

HealthBand = Literal["excellent", "good", "fair", "poor", "insufficient_data"]


class Contribution(NamedTuple):
    """What one KPI cost the score."""

    kpi: str
    weight: float
    status: Status
    severity: Severity | None
    penalty: float  # share of the weight lost, 0–1 (0 when not scored)
    points_lost: float
    explanation: str


class Degradation(NamedTuple):
    """A KPI that scored a severity on the day."""

    kpi: str
    severity: Severity
    drift_percent: float | None
    status: Status


class Health(NamedTuple):
    """A day's health score and its breakdown."""

    day: int
    score: float | None  # None when no weighted KPI has data
    band: HealthBand
    contributions: tuple[Contribution, ...]  # in KPI order
    anomaly_episodes: int
    anomaly_points_lost: float
    degradations: tuple[Degradation, ...]  # in KPI order
    coverage: float = 1.0  # the least-covered critical KPI's share of the day with data
    data_note: str = ""  # why the band is insufficient_data, or which KPIs were left out


def health_score(day: int, kpis: Sequence[Kpi], comparisons: Mapping[str, Comparison],
                 anomaly_episodes: int, settings: HealthSettings, *,
                 bands: Sequence[Band] = ()) -> Health:
    """Score day ``day`` from its comparisons and anomaly episode count.

    Pass ``bands=spec.priorities.bands`` so that a value inside an absolute band costs at
    least that band's severity.
    """
    if anomaly_episodes < 0:
        raise ValueError(f"anomaly_episodes must be ≥ 0, got {anomaly_episodes}")
    if sum(k.weight for k in kpis) <= 0:
        raise ValueError("the health score needs at least one KPI with weight > 0")
    present = [k for k in kpis if not _missing(comparisons.get(k.name))]
    total = sum(k.weight for k in present)
    by_band = {b.kpi: b for b in bands}
    contributions, degradations = [], []
    for kpi in kpis:
        c = comparisons.get(kpi.name)
        contribution = _contribution(kpi, c, by_band.get(kpi.name), total, settings)
        contributions.append(contribution)
        if contribution.severity is not None and c is not None:
            degradations.append(Degradation(kpi.name, contribution.severity, c.drift_percent,
                                            c.status))
    anomaly_lost = min(settings.anomaly_cap, settings.anomaly_points * anomaly_episodes)
    coverage, gauge = data_coverage(kpis, comparisons)
    left_out = [k.name for k in kpis if _missing(comparisons.get(k.name)) and k.weight > 0]
    notes = []
    if left_out:
        notes.append(f"left out of the score for lack of data: {', '.join(left_out)}")
    score: float | None = None
    if total > 0:
        lost = sum(k.weight * c.penalty for k, c in zip(kpis, contributions))
        # Rounded so that a score exactly on a band boundary is not moved by float noise.
        score = round(min(100.0, max(0.0, 100.0 * (1.0 - lost / total) - anomaly_lost)), 6)
    else:
        notes.append("no weighted KPI has data: no score")
    band: HealthBand
    if score is None or not at_least(coverage, settings.min_coverage):
        band = "insufficient_data"
        notes.insert(0, f"{gauge} has data for {coverage:.1%} of the day, below the "
                        f"{settings.min_coverage:.0%} needed for a verdict")
    else:
        band = health_band(score, settings)
    return Health(day, score, band, tuple(contributions), anomaly_episodes, anomaly_lost,
                  tuple(degradations), coverage, "; ".join(notes))


def data_coverage(kpis: Sequence[Kpi], comparisons: Mapping[str, Comparison]
                  ) -> tuple[float, str]:
    """(coverage, which KPI) of the least-covered critical KPI — every KPI when none is
    critical; a KPI without a comparison or without data counts as 0."""
    gauged = [k for k in kpis if k.critical] or list(kpis)
    def cover(k: Kpi) -> float:
        c = comparisons.get(k.name)
        return 0.0 if _missing(c) or c is None else min(1.0, max(0.0, c.coverage))
    least = min(gauged, key=lambda k: (cover(k), k.name))
    what = "critical KPI" if least.critical else "KPI"
    return cover(least), f"{what} {least.display}"


def health_band(score: float, settings: HealthSettings) -> HealthBand:
    """excellent / good / fair / poor for ``score``."""
    if at_least(score, settings.excellent):
        return "excellent"
    if at_least(score, settings.good):
        return "good"
    if at_least(score, settings.fair):
        return "fair"
    return "poor"


def penalty_for(severity: Severity | None, settings: HealthSettings) -> float:
    """Share of a KPI's weight lost at ``severity`` (0 for none)."""
    if severity is None:
        return 0.0
    penalty: float = getattr(settings, f"penalty_{severity}")
    return penalty


def _missing(c: Comparison | None) -> bool:
    return c is None or c.status in ("no_data", "error")


def _contribution(kpi: Kpi, c: Comparison | None, band: Band | None, total: float,
                  settings: HealthSettings) -> Contribution:
    if c is None or _missing(c):
        why = ("no comparison was computed" if c is None
               else "the query failed" if c.status == "error" else "no data for the day")
        return Contribution(kpi.name, kpi.weight, "no_data" if c is None else c.status, None,
                            0.0, 0.0,
                            f"not scored ({why}): its weight {kpi.weight:g} leaves the "
                            f"denominator, so it neither lowers nor raises the score")
    share = f"weight {kpi.weight:g} of {total:g}"
    level = band_priority(kpi, c.value, band)
    severity = max_severity(c.severity, band_severity(level))
    penalty = penalty_for(severity, settings)
    points = 100.0 * kpi.weight * penalty / total if total > 0 else 0.0
    if severity is None:
        what = "no severity"
    else:
        what = f"severity {severity}"
        if c.drift_percent is not None:
            what += f" (drift {format_drift(c.drift_percent)})"
        if level is not None and severity != c.severity:
            what += f" (value in band {level})"
    return Contribution(kpi.name, kpi.weight, c.status, severity, penalty, points,
                        f"{what}: {penalty:g} × {share} → {points:.1f} points lost")
