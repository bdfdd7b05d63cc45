"""The spec's judging rules as data: compiled once, judged by CI, rendered as alerts.

:func:`compile_rules` turns a spec (and, for drift, the recorded GA baseline) into frozen
records; the CI verdict evaluates them (:mod:`~tars_ci.analysis.findings`,
:mod:`~tars_ci.analysis.burn`, :mod:`~tars_ci.analysis.rollback`,
:mod:`~tars_ci.analysis.health`) and :mod:`tars_ci.rules` renders the same records as
Prometheus rules, so the daily verdict and the live alerts cannot disagree::

    BandRule      a KPI's absolute bound (priorities.bands): beyond it the value is in the
                  P0/P1/P2 band, with at least the band's severity (critical/high/medium)
    DriftRule     a KPI's drift from its GA baseline: severity steps (thresholds.drift), the
                  headroom caps to its limit, the severity → priority map, the baseline
    NoDataRule    what a KPI or SLO without data (or with a failed query) is worth
    SloBurnRule   one multi-window burn-rate alert of an SLO (slos.<name>.burn_alerts)
    RollbackRule  the rollback tree's thresholds (thresholds.rollback)

:meth:`DriftRule.crossing` gives, for each severity, the value beyond which a day's value
reaches it (drift and headroom caps folded into one bound): the rendered drift alerts use it,
and tests check it against :func:`~tars_ci.analysis.drift.compare` value by value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Literal, NamedTuple

from tars_ci.analysis.drift import Comparison, at_least_from, compare
from tars_ci.analysis.kpis import Measurement, format_value
from tars_ci.spec import levels
from tars_ci.spec.model import (
    Band,
    DriftThresholds,
    Kpi,
    Priorities,
    Priority,
    Severity,
    SeverityMap,
    Slo,
    Spec,
)

__all__ = ["BAND_SEVERITY", "PRIORITY_SEVERITY", "BandRule", "Crossing", "DriftRule",
           "NoDataRule", "RollbackRule", "RuleSet", "Signal", "SloBurnRule", "band_level",
           "band_rules", "burn_rules", "compile_rules", "priority_for_severity", "signal_of"]

#: The severity a value inside a band carries at least.
BAND_SEVERITY: dict[Priority, Severity] = {"P0": "critical", "P1": "high", "P2": "medium"}
#: The severity a burn-rate alert's finding says, from its priority.
PRIORITY_SEVERITY: dict[Priority, Severity] = {"P0": "critical", "P1": "high", "P2": "medium",
                                               "P3": "low"}


def priority_for_severity(severity: Severity, mapping: SeverityMap) -> Priority:
    """The priority the spec's severity map gives ``severity``."""
    priority: Priority = getattr(mapping, severity)
    return priority


# --------------------------------------------------------------------------- signals


class Signal(NamedTuple):
    """The series a KPI's rules judge: its PromQL (``query``), or a ratio's two parts
    (``scale · numerator / denominator``; ``complement``: the numerator is
    ``denominator − numerator``, an ``of: bad`` ratio over an SLO's good/total)."""

    query: str = ""
    numerator: str = ""
    denominator: str = ""
    complement: bool = False
    scale: float = 1.0

    @property
    def is_ratio(self) -> bool:
        """A ratio of two series rather than one query."""
        return not self.query


def signal_of(kpi: Kpi, slos: Sequence[Slo]) -> Signal:
    """The series ``kpi`` is measured from (a ratio over an SLO resolves to its good/total)."""
    ratio = kpi.ratio
    if ratio is None:
        return Signal(query=kpi.query)
    if not ratio.slo:
        return Signal(numerator=ratio.numerator, denominator=ratio.denominator,
                      scale=ratio.scale)
    slo = next((o for o in slos if o.name == ratio.slo), None)
    if slo is None or slo.ratio is None:
        raise ValueError(f"{kpi.name}: {ratio.slo!r} is not a ratio SLO of the spec")
    return Signal(numerator=slo.ratio.good, denominator=slo.ratio.total,
                  complement=ratio.of == "bad", scale=ratio.scale)


# --------------------------------------------------------------------------- bands


class BandRule(NamedTuple):
    """A KPI value beyond ``bound`` (below it for a higher-is-better KPI, above it for a
    lower-is-better one; a value exactly on the bound is not beyond) is in band ``level``."""

    kpi: Kpi
    level: Priority  # P0, P1 or P2
    bound: float
    severity: Severity  # at least this severity inside the band
    priority: Priority  # the band's finding priority: level, or what the map gives severity

    @property
    def above(self) -> bool:
        """True when values above the bound are in the band (a lower-is-better KPI)."""
        return self.kpi.better == "lower"

    def beyond(self, value: float) -> bool:
        """Whether ``value`` is in the band."""
        return value > self.bound if self.above else value < self.bound

    def bound_text(self) -> str:
        """``< 99%`` / ``> 5%``: the bound as people read it."""
        return (f"{'>' if self.above else '<'} "
                f"{format_value(self.bound, self.kpi.unit, exact=True)}")


def band_rules(kpi: Kpi, band: Band | None,
               severity_map: SeverityMap | None = None) -> tuple[BandRule, ...]:
    """The band rules of ``kpi``, most urgent first (P0, P1, P2; absent bounds left out)."""
    if band is None:
        return ()
    mapping = severity_map or SeverityMap()
    out = []
    for level, bound in (("P0", band.P0), ("P1", band.P1), ("P2", band.P2)):
        if bound is None:
            continue
        lvl: Priority = level  # type: ignore[assignment]
        severity = BAND_SEVERITY[lvl]
        priority = levels.most_urgent(lvl, priority_for_severity(severity, mapping)) or lvl
        out.append(BandRule(kpi, lvl, float(bound), severity, priority))
    return tuple(out)


def band_level(rules: Sequence[BandRule], value: float | None) -> BandRule | None:
    """The most urgent band ``value`` is in (None: outside every band, or no value)."""
    if value is None:
        return None
    return next((r for r in rules if r.beyond(value)), None)


# --------------------------------------------------------------------------- drift


class Crossing(NamedTuple):
    """Where a value starts to count: beyond ``bound`` (``above``: greater values count),
    the bound itself included when ``inclusive``."""

    bound: float
    inclusive: bool
    above: bool

    def reached(self, value: float) -> bool:
        """Whether ``value`` is at or beyond the crossing."""
        if self.above:
            return value >= self.bound if self.inclusive else value > self.bound
        return value <= self.bound if self.inclusive else value < self.bound

    @property
    def op(self) -> str:
        """The PromQL comparison that selects the values that count."""
        return (">" if self.above else "<") + ("=" if self.inclusive else "")


class DriftRule(NamedTuple):
    """A KPI's drift from its GA baseline, and what each severity is worth."""

    kpi: Kpi
    thresholds: DriftThresholds
    severity_map: SeverityMap
    baseline: float | None = None  # the recorded GA value (None: not recorded, or no data)

    def compare(self, measurement: Measurement, baseline: Measurement) -> Comparison:
        """Today's ``measurement`` against the GA-day ``baseline`` (see
        :func:`~tars_ci.analysis.drift.compare`)."""
        return compare(self.kpi, measurement, baseline, self.thresholds)

    def steps(self) -> tuple[tuple[Severity, float], ...]:
        """(severity, bad drift %) from low to critical."""
        th = self.thresholds
        return (("low", th.notable), ("medium", th.medium), ("high", th.high),
                ("critical", th.critical))

    def priority(self, severity: Severity) -> Priority:
        """The priority of a degradation at ``severity``."""
        return priority_for_severity(severity, self.severity_map)

    def crossing(self, severity: Severity) -> Crossing | None:
        """The value from which the day's severity is ``severity`` or worse, against
        :attr:`baseline` (None without a baseline, or when no value reaches it).

        Folds :func:`~tars_ci.analysis.drift.compare`'s rules into one bound on the value:
        in the bad direction (``u = ±value``) each way to the severity is an upward
        half-line — the drift step, narrowed by the headroom cap for high and critical, or
        (for low…high) a value beyond the limit and no better than the baseline — and their
        union is the half-line from the lowest start.
        """
        if self.baseline is None:
            return None
        sign = 1.0 if self.kpi.better == "lower" else -1.0
        base, limit, th = self.baseline, self.kpi.limit, self.thresholds
        # compare() judges steps and caps with at_least()'s float tolerance: so does this.
        step = at_least_from(dict(self.steps())[severity])
        paths: list[tuple[float, bool]] = []  # (start in u, inclusive)
        if base == 0:
            drift: tuple[float, bool] = (0.0, False)  # any worse value is critical
        elif step <= 0:
            drift = (float("-inf"), True)  # bad drift is never negative
        else:
            drift = (sign * base + step * abs(base) / 100.0, True)
        room = sign * (limit - base) if limit is not None else 0.0
        cap = {"high": th.headroom_cap_medium, "critical": th.headroom_cap_high}.get(severity)
        if limit is not None and room > 0 and cap is not None:
            # capped while the remaining headroom (limit − value) / room is at least the cap
            drift = _later(drift, (sign * limit - at_least_from(cap) * room, False))
        paths.append(drift)
        if limit is not None and severity != "critical":
            paths.append(_later((sign * limit, False), (sign * base, True)))
        start, inclusive = min(paths, key=lambda p: (p[0], not p[1]))
        if start == float("inf"):
            return None
        if sign > 0:
            return Crossing(start, inclusive, True)
        return Crossing(-start, inclusive, False)

    def rollback_crossing(self, percent: float) -> Crossing | None:
        """The value from which the rollback tree's ``slo_drift`` rule fires: bad drift above
        ``percent`` with a severity of high or worse (for a zero baseline: critical)."""
        if self.baseline is None:
            return None
        if self.baseline == 0:  # no drift percentage: the severity alone decides
            return self.crossing("critical")
        high = self.crossing("high")
        if high is None:
            return None
        sign = 1.0 if self.kpi.better == "lower" else -1.0
        drift = sign * self.baseline + percent * abs(self.baseline) / 100.0
        start, inclusive = _later((sign * high.bound, high.inclusive), (drift, False))
        return Crossing(sign * start, inclusive, high.above)


def _later(a: tuple[float, bool], b: tuple[float, bool]) -> tuple[float, bool]:
    """The intersection of two upward half-lines: the later start (exclusive on a tie)."""
    if a[0] != b[0]:
        return a if a[0] > b[0] else b
    return a[0], a[1] and b[1]


# --------------------------------------------------------------------------- no data, burn


class NoDataRule(NamedTuple):
    """What a KPI or an SLO without data is worth on a day."""

    subject: str  # KPI or SLO name
    kind: Literal["kpi", "slo"]
    critical: bool  # a critical KPI, or an SLO
    priority: Priority  # of its ``no_data`` finding
    query_error: Priority  # of its ``query_error`` finding


class SloBurnRule(NamedTuple):
    """A multi-window burn-rate alert: it fires while the SLO's burn rate over both the long
    and the short window is above ``factor``, i.e. the error ratio above
    ``factor · (1 − objective/100)``."""

    slo: str
    alert: str
    long: timedelta
    short: timedelta
    factor: float
    priority: Priority
    objective: float  # percent
    window: timedelta  # the SLO's compliance window

    @property
    def budget(self) -> float:
        """The error budget as a fraction: ``1 − objective/100``."""
        return 1.0 - self.objective / 100.0

    @property
    def error_ratio(self) -> float:
        """The error ratio both windows must exceed."""
        return self.factor * self.budget

    @property
    def severity(self) -> Severity:
        """The severity its finding says."""
        return PRIORITY_SEVERITY[self.priority]


def burn_rules(slo: Slo) -> tuple[SloBurnRule, ...]:
    """The burn-rate alerts of ``slo``, in spec order."""
    return tuple(SloBurnRule(slo.name, a.name, a.long, a.short, a.factor, a.priority,
                             slo.objective, slo.window) for a in slo.burn_alerts)


# --------------------------------------------------------------------------- rollback


class RollbackRule(NamedTuple):
    """The rollback tree's thresholds (:mod:`~tars_ci.analysis.rollback`)."""

    health_floor: float
    health_days: int
    slo_drift_percent: float
    worsening_from_day: int
    worsening_days: int
    notable: float  # drift step from which a worsening counts
    tolerances: Mapping[str, tuple[float, str]]  # critical KPI → (points a day, where from)


def _tolerance(kpi: Kpi, spec: Spec) -> tuple[float, str]:
    if kpi.worsening_step is not None:
        return kpi.worsening_step, f"kpis.{kpi.name}.worsening_step"
    rules = spec.thresholds.rollback
    if rules.worsening_step is not None:
        return rules.worsening_step, "thresholds.rollback.worsening_step"
    return spec.thresholds.drift.notable, "the notable drift step"


# --------------------------------------------------------------------------- the set


class RuleSet(NamedTuple):
    """Every rule of a spec, in spec order."""

    kpis: tuple[Kpi, ...]
    signals: Mapping[str, Signal]  # KPI name → its series
    bands: tuple[BandRule, ...]  # per KPI, most urgent first
    drifts: tuple[DriftRule, ...]  # one per KPI
    no_data: tuple[NoDataRule, ...]  # KPIs, then SLOs
    burns: tuple[SloBurnRule, ...]
    rollback: RollbackRule
    priorities: Priorities  # the severity map, and the no-data and query-error priorities
    slos: tuple[Slo, ...]

    def bands_of(self, kpi: str) -> tuple[BandRule, ...]:
        """The band rules of ``kpi``, most urgent first."""
        return tuple(r for r in self.bands if r.kpi.name == kpi)

    def drift_of(self, kpi: str) -> DriftRule:
        """The drift rule of ``kpi``."""
        return next(r for r in self.drifts if r.kpi.name == kpi)

    def no_data_of(self, subject: str, kind: Literal["kpi", "slo"] = "kpi") -> NoDataRule:
        """The no-data rule of a KPI or an SLO (an SLO the spec does not name is judged as
        one it names)."""
        found = next((r for r in self.no_data if r.subject == subject and r.kind == kind),
                     None)
        if found is None and kind == "slo":
            p = self.priorities
            return NoDataRule(subject, "slo", True, p.no_data_critical, p.query_error)
        if found is None:
            raise KeyError(f"no KPI {subject!r} in the rules")
        return found

    def burns_of(self, slo: str) -> tuple[SloBurnRule, ...]:
        """The burn-rate alerts of ``slo``."""
        return tuple(r for r in self.burns if r.slo == slo)

    def priority(self, severity: Severity) -> Priority:
        """The priority the severity map gives ``severity``."""
        return priority_for_severity(severity, self.priorities.severity)


def compile_rules(spec: Spec, baselines: Mapping[str, float | None] | None = None) -> RuleSet:
    """The spec's rules; ``baselines`` (KPI → recorded GA value) fills the drift rules'
    baselines for rendering (the CI compares each day with the baseline measurement)."""
    p = spec.priorities
    base = baselines or {}
    bands = tuple(r for k in spec.kpis for r in band_rules(k, spec.band(k.name), p.severity))
    drifts = tuple(DriftRule(k, spec.thresholds.drift, p.severity, base.get(k.name))
                   for k in spec.kpis)
    other = p.no_data or priority_for_severity("medium", p.severity)
    no_data = tuple(NoDataRule(k.name, "kpi", k.critical,
                               p.no_data_critical if k.critical else other, p.query_error)
                    for k in spec.kpis)
    no_data += tuple(NoDataRule(o.name, "slo", True, p.no_data_critical, p.query_error)
                     for o in spec.slos)
    r = spec.thresholds.rollback
    rollback = RollbackRule(r.health_floor, r.health_days, r.slo_drift_percent,
                            r.worsening_from_day, r.worsening_days,
                            spec.thresholds.drift.notable,
                            {k.name: _tolerance(k, spec) for k in spec.kpis})
    return RuleSet(spec.kpis, {k.name: signal_of(k, spec.slos) for k in spec.kpis}, bands,
                   drifts, no_data, tuple(b for o in spec.slos for b in burn_rules(o)),
                   rollback, p, spec.slos)
