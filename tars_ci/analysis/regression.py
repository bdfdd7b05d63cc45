"""Day-N regression analysis: each KPI's trend over days 1..N against its GA baseline.

Each day's value becomes its signed drift ``y = (value − baseline) / |baseline| · 100`` (and
its severity) through :func:`tars_ci.analysis.drift.compare`, so the days read exactly as in
the daily summaries. The trend is a least-squares line ``y = a + b·day`` through the days with
data; with F = half the notable drift (5 % for the seed 10 %):

1. **One-day spike.** With ≥ 5 days, the day farthest from the line is refitted out; if it
   lies ≥ 3σ (σ = RMS residual of the other days) and ≥ F from their line, it is a spike
   (``spike_day``) and stays out of the fit. Its drift still counts for the worst day.
2. **Fit.** ``slope_percent_per_day = b``; ``volatility_percent`` = RMS of the residuals;
   ``change = b · (last − first day fitted)``, the move the line makes over the program.
3. **Direction** (needs ≥ 3 fitted days and a non-zero baseline, else ``unknown``):
   ``volatile`` when volatility ≥ F and ≥ |change| / 2 (the noise is at least half the move);
   else ``increasing`` / ``decreasing`` when |change| ≥ F; else ``stable``.

For a KPI with a ``limit`` whose baseline keeps headroom to it, F is at most half that
headroom (in % of the baseline): availability 99.95 % against a 99.9 % limit moves notably at
0.025 %, so a drop to 98.95 % (−1.0 %) is a shape, not noise.

4. **Shape** (:mod:`tars_ci.analysis.shape`): step (a change-point, its day and size, flat
   after), steady slope, spike, recovered, volatile or stable, with a one-line ``summary``
   that gives drifts in the KPI's bad direction ("step on day 3: +12.0% (worse), flat
   after"; "step on day 3: -1.0% (worse)" for an availability drop).

The **worst day** is computed in one place, :func:`worst_day`: the most severe day, then the
largest bad drift, then the earliest; ``worst_bad_drift_percent`` is that same day's bad
drift, so every consumer that shows a KPI's worst day and worst drift shows one pair.

``severity`` is the worst day's severity (drift bands with the headroom caps of the KPI's
limit); ``regression`` is true for a trend in the KPI's bad direction or any severity (bad
drift ≥ notable). Worked examples (seed thresholds):

- CPU 46.2, 47.4, 48.5, 49.6, 50.7, 51.5, 52.3 on a 45.2 baseline: +2.27 %/day, change
  +13.6 %, spread 0.33 % → increasing; worst day 7 (+15.7 %, medium): a regression.
- memory +12, −15, +18, −10, +16, −17, +14 %: slope 0, spread 14.6 % → volatile, worst day 3.
- ±1 % noise → stable. A lone +37 % on day 2 (others ±2 %) is a spike, not a trend → stable,
  but a regression through its severity (high).
- error rate 0.05 → 0.05, 0.05, 0.05, 0.08, 0.055, 0.055, 0.055: day 4 is a spike; the rest
  step from 0 to +10 % (change +12.9 %, spread 1.9 %) → increasing, shape "step on day 4:
  +10.0% (worse), flat after; day 4 itself spiked to +60.0% (worse)"; severity medium (+60 %
  on day 4, but 96.8 % of the headroom to a 1 % limit remains).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal, NamedTuple

import numpy as np

from tars_ci.analysis.drift import Comparison, compare
from tars_ci.analysis.kinds import potential_causes
from tars_ci.analysis.kpis import Measurement
from tars_ci.analysis.shape import ShapeName, classify_shape
from tars_ci.spec.levels import severity_rank
from tars_ci.spec.model import DriftThresholds, Kpi, Severity

Direction = Literal["increasing", "decreasing", "stable", "volatile", "unknown"]

FLOOR_SHARE = 0.5  # trend and volatility floors: this share of the notable drift
SPIKE_SIGMAS = 3.0  # a spike lies this many RMS residuals from the other days' line
MIN_TREND_DAYS = 3
MIN_SPIKE_DAYS = 5


class Trend(NamedTuple):
    """One KPI over days 1..N (drifts and slopes in % of the GA baseline)."""

    kpi: str
    direction: Direction
    slope_percent_per_day: float | None
    volatility_percent: float | None  # RMS residual around the fitted line
    worst_day: int | None  # the day of the worst bad drift; None if never worse
    worst_bad_drift_percent: float | None
    values_by_day: tuple[tuple[int, float | None], ...]
    severity: Severity | None
    regression: bool
    baseline: float | None
    final_bad_drift_percent: float | None  # on the last day with data
    spike_day: int | None
    days_with_data: int
    reason: str
    shape: ShapeName = "unknown"
    summary: str = ""  # the shape in one line, drifts in the KPI's bad direction
    step_day: int | None = None
    step_percent: float | None = None  # the step's size in drift points (signed)
    recovered_day: int | None = None


class RegressionReport(NamedTuple):
    """Every KPI's trend, and the regressions ranked most severe first."""

    days: int
    trends: tuple[Trend, ...]  # KPI order
    regressions: tuple[Trend, ...]  # severity desc, then worst bad drift desc
    stable_kpis: tuple[str, ...]  # stable and no regression
    improved_kpis: tuple[str, ...]  # trending in the good direction, no regression
    unknown_kpis: tuple[str, ...]  # too little data (or no usable baseline) for a trend


class UnexpectedDrift(NamedTuple):
    """A KPI that drifted 10–30 % (notable ≤ bad drift < high) for the retrospective."""

    kpi: str
    title: str
    worst_bad_drift_percent: float | None
    final_bad_drift_percent: float | None
    worst_day: int | None
    direction: Direction
    slope_percent_per_day: float | None
    potential_causes: str


def trend(kpi: Kpi, baseline: float | None, values: Mapping[int, float | None],
          th: DriftThresholds, days: int) -> Trend:
    """The trend of ``kpi`` over days 1..``days`` from {day: value}; absent, None or NaN is
    no data that day. Each day is compared with ``baseline`` here (:func:`trend_of` takes
    the days' comparisons as they were recorded)."""
    _check_days(kpi, values, days)
    base = _finite(baseline)
    by_day = tuple((d, _finite(values.get(d))) for d in range(1, days + 1))
    if base is None:
        return _unknown(kpi, base, by_day, "no GA baseline")
    base_m = Measurement(kpi.name, "ok", base, 1.0, 1, "")
    comps = {d: compare(kpi, Measurement(kpi.name, "ok", v, 1.0, 1, ""), base_m, th)
             for d, v in by_day if v is not None}
    return _trend(kpi, base, comps, by_day, th)


def trend_of(kpi: Kpi, baseline: float | None, comparisons: Mapping[int, Comparison],
             th: DriftThresholds, days: int) -> Trend:
    """The trend of ``kpi`` over days 1..``days`` from each day's comparison as the day
    summaries recorded it, so the trend's drifts, severities and worst day are the very
    numbers the days and their findings were judged with (even when thresholds changed
    mid-program). A day without a comparison, or whose comparison has no value, no GA
    baseline or a failed query, is no data for the trend."""
    _check_days(kpi, comparisons, days)
    by_day = tuple((d, _finite(comparisons[d].value) if d in comparisons else None)
                   for d in range(1, days + 1))
    base = _finite(baseline)
    if base is None:
        return _unknown(kpi, base, by_day, "no GA baseline")
    return _trend(kpi, base, judged_days(comparisons), by_day, th)


def judged_days(comparisons: Mapping[int, Comparison]) -> dict[int, Comparison]:
    """The days a trend uses: a value compared with the baseline (pass, warning or fail)."""
    return {d: c for d, c in sorted(comparisons.items())
            if c.status in ("pass", "warning", "fail") and _finite(c.value) is not None}


def _trend(kpi: Kpi, base: float, comps: Mapping[int, Comparison],
           by_day: tuple[tuple[int, float | None], ...], th: DriftThresholds) -> Trend:
    """The trend from the days' comparisons with a known baseline."""
    if not comps:
        return _unknown(kpi, base, by_day, "no day has data")
    seen = sorted(comps)
    worst, wc = worst_day(comps)
    is_bad = wc.severity is not None or (wc.bad_drift_percent or 0.0) > 0
    final_bad = comps[seen[-1]].bad_drift_percent
    floor = trend_floor(kpi, base, th)
    direction, slope, spread, spike, why, fitted = _classify(comps, floor)
    sign = 1.0 if kpi.better == "lower" else -1.0
    points = [(d, c.drift_percent) for d, c in sorted(comps.items())
              if c.drift_percent is not None]
    shape = classify_shape(points, fitted, direction=direction, slope=slope, spread=spread,
                           spike_day=spike, floor=floor, sign=sign,
                           severe_days=frozenset(d for d, c in comps.items()
                                                 if c.severity is not None))
    worsening = (direction, kpi.better) in (("increasing", "lower"), ("decreasing", "higher"))
    return Trend(kpi.name, direction, slope, spread, worst if is_bad else None,
                 wc.bad_drift_percent, by_day, wc.severity, worsening or wc.severity is not None,
                 base, final_bad, spike, len(seen), why, shape.name, shape.summary,
                 shape.step_day, shape.step_percent, shape.recovered_day)


def _unknown(kpi: Kpi, base: float | None, by_day: tuple[tuple[int, float | None], ...],
             why: str) -> Trend:
    return Trend(kpi.name, "unknown", None, None, None, None, by_day, None, False, base, None,
                 None, sum(1 for _, v in by_day if v is not None), why)


def _check_days(kpi: Kpi, days_given: Mapping[int, object], days: int) -> None:
    if any(not 1 <= d <= days for d in days_given):
        raise ValueError(f"{kpi.name}: days must be within 1..{days}, got {sorted(days_given)}")


def worst_day(days: Mapping[int, Comparison]) -> tuple[int, Comparison]:
    """The worst of a KPI's days, (day, its comparison): the most severe, then the largest bad
    drift, then the earliest. The one rule every worst-day number comes from."""
    if not days:
        raise ValueError("worst_day needs at least one day")
    day = max(days, key=lambda d: (severity_rank(days[d].severity),
                                   days[d].bad_drift_percent or 0.0, -d))
    return day, days[day]


def trend_floor(kpi: Kpi, baseline: float, th: DriftThresholds) -> float:
    """The smallest move (in % of the baseline) a trend counts: half the notable drift, or
    half the baseline's headroom to the KPI's limit when that is smaller."""
    floor = FLOOR_SHARE * th.notable
    if kpi.limit is not None and baseline != 0:
        room = (kpi.limit - baseline) if kpi.better == "lower" else (baseline - kpi.limit)
        if room > 0:
            floor = min(floor, FLOOR_SHARE * room / abs(baseline) * 100.0)
    return floor


def regression_report(kpis: Sequence[Kpi], baselines: Mapping[str, float | None],
                      values: Mapping[str, Mapping[int, float | None]], th: DriftThresholds,
                      days: int) -> RegressionReport:
    """Trends of every KPI over days 1..``days`` from {kpi: {day: value}}; a missing KPI or
    day is no data."""
    return ranked_report(kpis, [trend(k, baselines.get(k.name), values.get(k.name, {}), th,
                                      days) for k in kpis], days)


def regression_report_of(kpis: Sequence[Kpi], baselines: Mapping[str, float | None],
                         comparisons: Mapping[str, Mapping[int, Comparison]],
                         th: DriftThresholds, days: int) -> RegressionReport:
    """Trends of every KPI from the days' recorded comparisons (:func:`trend_of`)."""
    return ranked_report(kpis, [trend_of(k, baselines.get(k.name),
                                         comparisons.get(k.name, {}), th, days)
                                for k in kpis], days)


def ranked_report(kpis: Sequence[Kpi], trends: Sequence[Trend], days: int) -> RegressionReport:
    """The report of ``trends`` (one per KPI, in KPI order): regressions ranked."""
    better = {k.name: k.better for k in kpis}
    ranked = sorted((t for t in trends if t.regression),
                    key=lambda t: (-severity_rank(t.severity), -(t.worst_bad_drift_percent or 0.0)))
    improving = {"lower": "decreasing", "higher": "increasing"}
    return RegressionReport(
        days, tuple(trends), tuple(ranked),
        tuple(t.kpi for t in trends if not t.regression and t.direction == "stable"),
        tuple(t.kpi for t in trends
              if not t.regression and t.direction == improving[better[t.kpi]]),
        tuple(t.kpi for t in trends if t.direction == "unknown"))


def unexpected_drifts(report: RegressionReport, kpis: Sequence[Kpi],
                      th: DriftThresholds) -> tuple[UnexpectedDrift, ...]:
    """KPIs whose worst or final bad drift is in [notable, high): largest worst drift first."""
    def in_band(x: float | None) -> bool:
        return x is not None and th.notable * (1 - 1e-9) <= x < th.high

    by_name = {k.name: k for k in kpis}
    out = [UnexpectedDrift(t.kpi, by_name[t.kpi].display, t.worst_bad_drift_percent,
                           t.final_bad_drift_percent, t.worst_day, t.direction,
                           t.slope_percent_per_day, potential_causes(by_name[t.kpi]))
           for t in report.trends
           if in_band(t.worst_bad_drift_percent) or in_band(t.final_bad_drift_percent)]
    return tuple(sorted(out, key=lambda u: -(u.worst_bad_drift_percent or 0.0)))


Fit = tuple[Direction, float | None, float | None, int | None, str, list[tuple[int, float]]]


def _classify(days: Mapping[int, Comparison], floor: float) -> Fit:
    """(direction, slope, volatility, spike day, reason, fitted points) from the days'
    drifts; ``floor`` is the smallest move that counts (:func:`trend_floor`)."""
    points = [(d, c.drift_percent) for d, c in sorted(days.items())
              if c.drift_percent is not None]
    if any(c.drift_percent is None for c in days.values()):
        return "unknown", None, None, None, "baseline is zero: no trend in % of baseline", []
    if len(points) < MIN_TREND_DAYS:
        return ("unknown", None, None, None,
                f"{len(points)} day(s) with data; a trend needs {MIN_TREND_DAYS}", [])
    x = np.array([d for d, _ in points], dtype=np.float64)
    y = np.array([v for _, v in points], dtype=np.float64)
    spike, notes = None, []
    if len(points) >= MIN_SPIKE_DAYS:
        far = int(np.argmax(np.abs(_fit(x, y)[2])))
        keep = np.arange(len(x)) != far
        slope, intercept, residuals = _fit(x[keep], y[keep])
        off = y[far] - (intercept + slope * x[far])
        sigma = float(np.sqrt(np.mean(residuals ** 2)))
        if abs(off) >= floor and abs(off) >= SPIKE_SIGMAS * sigma:
            spike = int(x[far])
            notes.append(f"day {spike} ({y[far]:+.1f}%) is a one-day spike, {off:+.1f} points "
                         "off the other days' line, left out of the fit")
            x, y = x[keep], y[keep]
    slope, _, residuals = _fit(x, y)
    spread = float(np.sqrt(np.mean(residuals ** 2)))
    change = slope * float(x[-1] - x[0])
    numbers = (f"fitted change {change:+.1f}% over days {int(x[0])}–{int(x[-1])} "
               f"({slope:+.2f}%/day), residual spread {spread:.1f}%")
    direction: Direction
    if spread >= floor and spread >= abs(change) / 2:
        direction, rule = "volatile", f"spread ≥ {floor:.3g}% and ≥ half the change"
    elif abs(change) >= floor:
        direction = "increasing" if change > 0 else "decreasing"
        rule = f"|change| ≥ {floor:.3g}%, spread below {floor:.3g}% or half the change"
    else:
        direction, rule = "stable", f"|change| and spread below {floor:.3g}%"
    notes.append(f"{numbers}: {direction} ({rule})")
    fitted = [(int(d), float(v)) for d, v in zip(x, y)]
    return direction, slope, spread, spike, "; ".join(notes), fitted


def _fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Least-squares line through (x, y): slope, intercept, residuals."""
    dx = x - x.mean()
    slope = float(np.dot(dx, y - y.mean()) / np.dot(dx, dx))
    intercept = float(y.mean() - slope * x.mean())
    return slope, intercept, y - (intercept + slope * x)


def _finite(value: float | None) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None

