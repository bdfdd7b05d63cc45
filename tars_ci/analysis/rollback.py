"""The seeds' rollback decision tree, evaluated on the last day of the history.

Rules (ids in brackets; thresholds from :class:`~tars_ci.spec.model.RollbackRules`)::

    [p0_band]      a KPI value beyond its P0 band bound          → immediate_rollback
                   (seeds: availability < 99%, error rate > 5%)
    [health_floor] health < health_floor (40) on health_days (2)
                   consecutive days ending today                  → rollback
    [slo_drift]    a critical KPI drifts > slo_drift_percent (50%)
                   in its bad direction today, with severity high
                   or critical (not capped to medium by headroom) → rollback
    [worsening]    day ≥ worsening_from_day (3) and a critical KPI's
                   bad drift is ≥ the notable drift today and rose
                   by more than its tolerance on each day of
                   worsening_days (3) consecutive days            → rollback
    otherwise                                                     → monitor

The worsening tolerance is the KPI's ``worsening_step``, else ``rollback.worsening_step``, else
the notable drift step (10 percentage points of bad drift): a rise smaller than that is noise
(+33.03% → +33.06% → +33.07% is flat), and the reasons say which tolerance applied. Far from
the baseline a point of drift is a tiny share of the value, so the tolerance is also at least
``NOISE_SHARE`` (1 %) of the day before's value: an error rate of 8 % against a 0.05 %
baseline is +15,900 %, and 0.1 % noise on it moves the drift by 16 points.

Every rule that fires is listed with its numbers. Missing data never fires or clears a rule
silently: a KPI without data today, or a day missing from the history, is named in the reasons
with the rules it kept from being evaluated; a day whose health band is ``insufficient_data``
does not count towards the health floor.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import pairwise
from typing import Literal, NamedTuple

from tars_ci.analysis.drift import Comparison, at_least, format_drift
from tars_ci.analysis.kpis import format_value
from tars_ci.analysis.rules import RuleSet, band_level, compile_rules
from tars_ci.spec.levels import severity_at_least
from tars_ci.spec.model import Kpi, Spec

Decision = Literal["immediate_rollback", "rollback", "monitor"]

P0_BAND, HEALTH_FLOOR, SLO_DRIFT, WORSENING = "p0_band", "health_floor", "slo_drift", "worsening"
INSUFFICIENT = "insufficient_data"
# Day-over-day changes below this share of the value itself are measurement noise, whatever
# the baseline (ten times the ±0.1 % that a rate()'s extrapolation or a scrape jitter gives).
NOISE_SHARE = 0.01


class DayState(NamedTuple):
    """What the rollback tree needs of one day (``health_score`` None when not computed)."""

    day: int
    health_score: float | None
    comparisons: Mapping[str, Comparison]
    health_band: str | None = None  # "insufficient_data": the score is no verdict


class Rollback(NamedTuple):
    """The recommendation for the last day of the history."""

    decision: Decision
    reasons: tuple[str, ...]
    rules: tuple[str, ...]  # ids of the rules that fired


class _Tally:
    """Collects fired rules, their reasons, missing-data notes and watch items."""

    def __init__(self) -> None:
        self.fired: dict[str, list[str]] = {}
        self.missing: dict[str, tuple[str, list[str]]] = {}  # kpi -> (why, rules)
        self.notes: list[str] = []
        self.watch: list[str] = []

    def fire(self, rule: str, reason: str) -> None:
        self.fired.setdefault(rule, []).append(reason)

    def lacks(self, kpi: Kpi, day: int, c: Comparison | None, rule: str) -> None:
        why = c.reason if c is not None else "no comparison was computed"
        what = "query error" if c is not None and c.status == "error" else "no data"
        label = f"{kpi.display} has {what} on day {day} ({why})"
        entry = self.missing.setdefault(kpi.name, (label, []))
        entry[1].append(rule)


def recommend(history: Sequence[DayState], spec: Spec | RuleSet) -> Rollback:
    """Recommend immediate_rollback, rollback or monitor for the last day of ``history``,
    under the spec's compiled rules (its P0 band rules and its
    :class:`~tars_ci.analysis.rules.RollbackRule`).

    ``history`` holds the compared days (1, 2, …) in ascending order; gaps are allowed and are
    reported when a rule needed the missing day.
    """
    rules = spec if isinstance(spec, RuleSet) else compile_rules(spec)
    if not history:
        raise ValueError("recommend needs at least one day of history")
    days = [s.day for s in history]
    if any(a >= b for a, b in pairwise(days)):
        raise ValueError(f"history days must be strictly ascending, got {days}")
    tally = _Tally()
    _p0_band(history[-1], rules, tally)
    _health_floor(history, rules, tally)
    _slo_drift(history[-1], rules, tally)
    _worsening(history, rules, tally)

    data_notes = [f"{why}: {', '.join(rules)} could not be evaluated for it"
                  for why, rules in tally.missing.values()] + tally.notes
    if P0_BAND in tally.fired:
        decision: Decision = "immediate_rollback"
    elif tally.fired:
        decision = "rollback"
    else:
        return Rollback("monitor", ("no rollback rule fired", *data_notes, *tally.watch), ())
    reasons = [r for rs in tally.fired.values() for r in rs]
    return Rollback(decision, (*reasons, *data_notes), tuple(tally.fired))


def _missing(c: Comparison | None) -> bool:
    return c is None or c.status in ("no_data", "error")


def _p0_band(today: DayState, rules: RuleSet, tally: _Tally) -> None:
    """[p0_band]: today's value beyond a P0 bound is the immediate-rollback class."""
    for kpi in rules.kpis:
        bands = rules.bands_of(kpi.name)
        p0 = next((r for r in bands if r.level == "P0"), None)
        if p0 is None:
            continue
        c = today.comparisons.get(kpi.name)
        if c is None or c.value is None:
            tally.lacks(kpi, today.day, c, P0_BAND)
            continue
        band = band_level(bands, c.value)
        value = format_value(c.value, kpi.unit)
        if band is not None and band.level == "P0":
            tally.fire(P0_BAND, f"{kpi.display} is {value} on day {today.day}, beyond the P0 "
                                f"bound {p0.bound_text()} (immediate-rollback class)")
        elif band is not None and band.level == "P1":
            tally.watch.append(f"{kpi.display} is {value}, in the P1 band "
                               f"({band.bound_text()}); immediate rollback at "
                               f"{p0.bound_text()}")


def _health_floor(history: Sequence[DayState], ruleset: RuleSet, tally: _Tally) -> None:
    """[health_floor]: health below the floor for ``health_days`` consecutive days."""
    rules = ruleset.rollback
    today = history[-1]
    if today.health_score is None or today.health_band == INSUFFICIENT:
        why = ("is missing" if today.health_score is None
               else "is no verdict (insufficient data)")
        tally.notes.append(f"health score of day {today.day} {why}: {HEALTH_FLOOR} could "
                           f"not be evaluated")
        return
    if today.health_score >= rules.health_floor:
        return
    by_day = {s.day: s for s in history}
    window = range(today.day - rules.health_days + 1, today.day + 1)
    below, gaps = [], []
    for d in reversed(window):
        past = by_day.get(d)
        score = (None if past is None or past.health_band == INSUFFICIENT
                 else past.health_score)
        if score is None:
            if d >= 1:
                gaps.append(d)
            break
        if score >= rules.health_floor:
            break
        below.append((d, score))
    run = ", ".join(f"{s:.1f} on day {d}" for d, s in reversed(below))
    if len(below) == rules.health_days:
        blind = _no_data_kpis(today, ruleset)
        tally.fire(HEALTH_FLOOR, f"health below {rules.health_floor:g} for {rules.health_days} "
                                 f"days running ({run})" + blind)
    elif gaps:
        tally.notes.append(f"health is below {rules.health_floor:g} ({run}) but the health of "
                           f"day {gaps[0]} is missing or insufficient: {HEALTH_FLOOR} cannot be "
                           f"confirmed")
    else:
        tally.watch.append(f"health below {rules.health_floor:g} ({run}): {len(below)} of "
                           f"{rules.health_days} days needed for rollback")


def _no_data_kpis(today: DayState, rules: RuleSet) -> str:
    """``; on day 3 error_rate had no data …``: the score covers only the KPIs with data."""
    names = [k.display for k in rules.kpis if _missing(today.comparisons.get(k.name))]
    if not names:
        return ""
    return (f"; on day {today.day} {', '.join(names)} had no data and "
            f"{'was' if len(names) == 1 else 'were'} left out of the score")


def _critical_with_data(today: DayState, rules: RuleSet, tally: _Tally,
                        rule: str) -> Iterator[tuple[Kpi, Comparison]]:
    """The critical KPIs with data today; the others are recorded as not evaluated."""
    for kpi in rules.kpis:
        if not kpi.critical:
            continue
        c = today.comparisons.get(kpi.name)
        if c is None or _missing(c):
            tally.lacks(kpi, today.day, c, rule)
            continue
        yield kpi, c


def _slo_drift(today: DayState, rules: RuleSet, tally: _Tally) -> None:
    """[slo_drift]: a critical KPI drifting beyond ``slo_drift_percent`` today."""
    limit = rules.rollback.slo_drift_percent
    notable = rules.rollback.notable
    for kpi, c in _critical_with_data(today, rules, tally, SLO_DRIFT):
        value, base = format_value(c.value, kpi.unit), format_value(c.baseline, kpi.unit)
        if (c.bad_drift_percent is not None and c.bad_drift_percent > limit
                and not severity_at_least(c.severity, "high")):
            # Severity already weighs the absolute headroom to the KPI's limit: a large relative
            # drift that keeps most of its headroom (0.05% → 0.08% error rate against a 1%
            # limit is capped at medium) is not a rollback.
            tally.watch.append(f"{kpi.display} {format_drift(c.drift_percent)} vs GA baseline "
                               f"({value} vs {base}) is beyond {limit:g}% but keeps most of "
                               f"its headroom to the SLO limit (severity {c.severity}): not a "
                               f"rollback trigger")
        elif c.bad_drift_percent is not None and c.bad_drift_percent > limit:
            tally.fire(SLO_DRIFT, f"{kpi.display} (an SLO metric) drifted "
                                  f"{format_drift(c.drift_percent)} vs GA baseline ({value} vs "
                                  f"{base}) on day {today.day}, beyond the {limit:g}% rollback "
                                  f"threshold")
        elif c.drift_percent is None and c.severity == "critical":
            # A zero baseline has no drift percentage; the bad-direction severity stands in.
            tally.fire(SLO_DRIFT, f"{kpi.display} (an SLO metric) rose from a zero GA baseline "
                                  f"to {value} on day {today.day} (severity critical)")
        elif c.bad_drift_percent is not None and at_least(c.bad_drift_percent, notable):
            tally.watch.append(f"{kpi.display} {format_drift(c.drift_percent)} vs GA baseline "
                               f"({value} vs {base}, severity {c.severity}); rollback above "
                               f"{limit:g}%")
    # Resource and cost KPIs (CPU, memory, spend) drifting are capacity findings, not rollback
    # triggers: they are listed to watch, never fired.
    for kpi in rules.kpis:
        other = today.comparisons.get(kpi.name)
        if not kpi.critical and other is not None and severity_at_least(other.severity, "high"):
            tally.watch.append(f"{kpi.display} {format_drift(other.drift_percent)} vs GA "
                               f"baseline (severity {other.severity}): a capacity finding, not "
                               f"a rollback trigger")


def worsening_tolerance(kpi: Kpi, spec: Spec | RuleSet) -> tuple[float, str]:
    """(percentage points, where it comes from) of the smallest day-over-day rise of ``kpi``'s
    bad drift that counts as worsening."""
    rules = spec if isinstance(spec, RuleSet) else compile_rules(spec)
    return rules.rollback.tolerances[kpi.name]


def _worsening(history: Sequence[DayState], ruleset: RuleSet, tally: _Tally) -> None:
    """[worsening]: from ``worsening_from_day``, a critical KPI's bad drift keeps rising by
    more than its tolerance."""
    rules, notable = ruleset.rollback, ruleset.rollback.notable
    today = history[-1]
    if today.day < rules.worsening_from_day:
        return
    by_day = {s.day: s for s in history}
    window = range(today.day - rules.worsening_days + 1, today.day + 1)
    if window[0] < 1:  # the window would reach the baseline day: too early, like worsening_from_day
        return
    for kpi, c in _critical_with_data(today, ruleset, tally, WORSENING):
        if c.bad_drift_percent is None:
            if c.severity is not None:
                tally.notes.append(f"{kpi.display}: the drift trend cannot be measured against "
                                   f"a zero GA baseline, so {WORSENING} was not evaluated")
            continue
        if not at_least(c.bad_drift_percent, notable):
            continue
        series, gap = [], None
        for d in window:
            past = by_day[d].comparisons.get(kpi.name) if d in by_day else None
            if past is None or past.bad_drift_percent is None:
                gap = d
                continue
            series.append((d, past))
        if gap is not None:
            tally.notes.append(f"{kpi.display} is {format_drift(c.drift_percent)} on day "
                               f"{today.day} but has no drift for day {gap}: {WORSENING} over "
                               f"days {window[0]}–{today.day} cannot be confirmed")
            continue
        bads = [p.bad_drift_percent or 0.0 for _, p in series]
        step, source = rules.tolerances[kpi.name]
        rising = _rising_tail([p for _, p in series], step)
        trend = " → ".join(f"{format_drift(p.drift_percent)}" for _, p in series)
        tolerance = f"by more than {step:g} points a day ({source})"
        if rising == len(bads):
            tally.fire(WORSENING, f"{kpi.display} (an SLO metric) worsened {len(bads)} days "
                                  f"running (days {window[0]}–{today.day}: {trend}), each "
                                  f"{tolerance}, from day {rules.worsening_from_day} on")
        elif rising >= 2:
            tally.watch.append(f"{kpi.display} worsening {rising} of {len(bads)} days needed "
                               f"for rollback ({trend}; each {tolerance})")
        elif any(b > a for a, b in pairwise(bads)):
            tally.watch.append(f"{kpi.display} {trend}: within the worsening tolerance of "
                               f"{step:g} points a day ({source}), not a trend")


def _rising_tail(days: Sequence[Comparison], step: float) -> int:
    """How many of ``days`` (oldest first), ending with the last, form a run in which each
    day's bad drift exceeds the day before's by more than the tolerance: ``step`` points, or
    ``NOISE_SHARE`` of the day before's value (in points of the baseline) when that is more."""
    run = 1
    for before, after in reversed(list(pairwise(days))):
        tolerance = step
        if before.value is not None and before.baseline:
            tolerance = max(step, NOISE_SHARE * abs(before.value) / abs(before.baseline) * 100)
        if not (after.bad_drift_percent or 0.0) - (before.bad_drift_percent or 0.0) > tolerance:
            break
        run += 1
    return run
