"""Generated promtool cases for the KPI alerts: band, drift, rollback and no data, and a
day's values (see :mod:`tars_ci.alerts.unittests`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from tars_ci.alerts import promql as q
from tars_ci.alerts.cases import (
    Check,
    Firing,
    Series,
    case,
    day_value,
    expected,
    input_series,
    kpi_series,
    nudge,
    ok,
)
from tars_ci.alerts.model import AlertingRule, DriftAlert, RollbackAlert, RuleFile
from tars_ci.alerts.render import BAND, DRIFT, NO_DATA, ROLLBACK, Target
from tars_ci.analysis.rollback import SLO_DRIFT, DayState, recommend
from tars_ci.analysis.rules import BandRule, NoDataRule
from tars_ci.spec import levels
from tars_ci.spec.model import SEVERITIES


def band_cases(target: Target, alerts: Sequence[AlertingRule]) -> list[dict[str, Any]]:
    iv, wait = target.interval, target.settings.band_for
    end = wait + iv
    bands = [a for a in alerts if isinstance(a.source, BandRule)]
    out = []
    for level in ("P0", "P1", "P2"):
        for crossing in (True, False):
            series: list[Series] = []
            firing: list[Firing] = []
            names = []
            for alert in bands:
                rule = alert.source
                assert isinstance(rule, BandRule)
                if rule.level != level:
                    continue
                kpi = rule.kpi.name
                value, actual = _band_value(target, rule, crossing)
                got, _ = kpi_series(target, kpi, value)
                series += got
                firing += [Firing(a, actual) for a in bands if isinstance(a.source, BandRule)
                           and a.source.kpi.name == kpi and a.source.beyond(actual)]
                names.append(f"{kpi} {actual:g} {rule.bound_text()}")
            if not names:
                continue
            what = "crosses" if crossing else "stays on the safe side of"
            out.append(case(f"{BAND} {level}: each KPI {what} its bound ({'; '.join(names)})",
                             input_series(series, end, iv), iv,
                             [(max(wait - iv, timedelta(0)), BAND,
                               expected(target, firing, timedelta(0)) if not wait else []),
                              (end, BAND, expected(target, firing, end))]))
    return out


def _band_value(target: Target, rule: BandRule, crossing: bool) -> tuple[float, float]:
    """A value beyond the bound (or on it, else just inside), and what Prometheus computes."""
    d = nudge(target, rule.kpi.name, rule.bound)
    tries = ([rule.bound + d if rule.above else rule.bound - d] if crossing
             else [rule.bound, rule.bound - d if rule.above else rule.bound + d])
    for value in tries:
        _, actual = kpi_series(target, rule.kpi.name, value)
        if rule.beyond(actual) == crossing:
            return value, actual
    raise ValueError(f"no test value for the {rule.level} band of {rule.kpi.name}")


def drift_cases(target: Target, alerts: Sequence[AlertingRule]) -> list[dict[str, Any]]:
    iv, wait = target.interval, target.settings.drift_for
    end = wait + iv
    drifts = [a for a in alerts if isinstance(a.source, DriftAlert)]
    out = []
    for severity in SEVERITIES:
        for crossing in (True, False):
            series: list[Series] = []
            firing: list[Firing] = []
            names = []
            for alert in drifts:
                src = alert.source
                assert isinstance(src, DriftAlert)
                if src.severity != severity:
                    continue
                kpi, c = src.rule.kpi.name, src.crossing
                d = nudge(target, kpi, c.bound)
                value = c.bound + d if c.above == crossing else c.bound - d
                got, actual = kpi_series(target, kpi, value)
                day = day_value(target, kpi, got, actual, end)
                assert src.rule.baseline is not None
                judged = src.rule.compare(ok(kpi, day), ok(kpi, src.rule.baseline)).severity
                if levels.severity_at_least(judged, severity) != crossing:
                    raise ValueError(f"{kpi}: the daily check judges {day:g} as {judged}, not "
                                     f"{'at least' if crossing else 'below'} {severity}")
                series += got
                firing += [Firing(a, day) for a in drifts if isinstance(a.source, DriftAlert)
                           and a.source.rule.kpi.name == kpi
                           and levels.severity_at_least(judged, a.source.severity)]
                names.append(f"{kpi} {day:g} {c.op} {c.bound:g}: {judged or 'none'}")
            if not names:
                continue
            what = "crosses" if crossing else "stays short of"
            out.append(case(f"{DRIFT} {severity}: each KPI {what} its step ({'; '.join(names)})",
                             input_series(series, end, iv), iv,
                             [(wait - iv, DRIFT, []), (end, DRIFT, expected(target, firing,
                                                                             end))]))
    return out


def rollback_cases(target: Target, alerts: Sequence[AlertingRule]) -> list[dict[str, Any]]:
    iv, wait = target.interval, target.settings.drift_for
    end = wait + iv
    rollbacks = [a for a in alerts if isinstance(a.source, RollbackAlert)]
    out = []
    for crossing in (True, False):
        series: list[Series] = []
        firing: list[Firing] = []
        names = []
        for alert in rollbacks:
            src = alert.source
            assert isinstance(src, RollbackAlert) and src.rule.baseline is not None
            kpi, c = src.rule.kpi.name, src.crossing
            d = nudge(target, kpi, c.bound)
            got, actual = kpi_series(target, kpi, c.bound + d if c.above == crossing
                                      else c.bound - d)
            day = day_value(target, kpi, got, actual, end)
            comparison = src.rule.compare(ok(kpi, day), ok(kpi, src.rule.baseline))
            fired = SLO_DRIFT in recommend([DayState(1, None, {kpi: comparison})],
                                           target.rules).rules
            if fired != crossing:
                raise ValueError(f"{kpi}: the rollback tree does not agree on {day:g}")
            series += got
            firing += [Firing(alert, day)] if fired else []
            names.append(f"{kpi} {day:g} {c.op} {c.bound:g}")
        if names:
            what = "crosses" if crossing else "stays short of"
            out.append(case(f"{ROLLBACK}: each critical KPI {what} its rollback drift "
                             f"({'; '.join(names)})", input_series(series, end, iv), iv,
                             [(wait - iv, ROLLBACK, []),
                              (end, ROLLBACK, expected(target, firing, end))]))
    return out


def _presence(target: Target, rule: NoDataRule) -> tuple[Series, set[tuple[str, str]]]:
    """The series that silences ``rule``'s no-data alert, and every subject it silences (a
    KPI's value also feeds the threshold SLOs over it)."""
    if rule.kind == "slo":
        labels = {"slo": rule.subject, "release": target.release}
        return Series(q.selector(q.SLI_TOTAL, labels), 1), {("slo", rule.subject)}
    labels = {"kpi": rule.subject, "release": target.release}
    if target.rules.signals[rule.subject].is_ratio:
        return Series(q.selector(q.KPI_DENOMINATOR, labels), 1), {("kpi", rule.subject)}
    fed = {("kpi", rule.subject)} | {("slo", o.name) for o in target.rules.slos
                                     if o.threshold is not None
                                     and o.threshold.kpi == rule.subject}
    return Series(q.selector(q.KPI_VALUE, labels), 1), fed


def no_data_cases(target: Target, alerts: list[AlertingRule]) -> list[dict[str, Any]]:
    if not alerts:
        return []
    iv, wait = target.interval, target.settings.no_data_for
    end = wait + iv
    out = [case(f"{NO_DATA}: every critical series absent", [], iv,
                 [(wait - iv, NO_DATA, []),
                  (end, NO_DATA, expected(target, [Firing(a, 1) for a in alerts], end))])]
    for alert in alerts:
        rule = alert.source
        assert isinstance(rule, NoDataRule)
        series, present = _presence(target, rule)
        firing = [Firing(a, 1) for a in alerts if isinstance(a.source, NoDataRule)
                  and (a.source.kind, a.source.subject) not in present]
        out.append(case(f"{NO_DATA} {rule.kind} {rule.subject}: present",
                         input_series([series], end, iv), iv, [(end, NO_DATA,
                                                          expected(target, firing, end))]))
    return out



def day_case(target: Target, rule_file: RuleFile, values: dict[str, float],
             name: str = "a day's values") -> tuple[dict[str, Any], dict[str, list[Firing]]]:
    """A case holding each KPI of ``values`` at its value, and the band and drift alerts the
    daily check's evaluation says fire on it (by KPI): a day whose every step has the value
    is that day's value, so these alerts and the day's findings must agree."""
    iv = target.interval
    end = max(target.settings.band_for, target.settings.drift_for) + iv
    alerts = rule_file.alerts()
    series: list[Series] = []
    firing: dict[str, list[Firing]] = {}
    for kpi, value in values.items():
        got, actual = kpi_series(target, kpi, value)
        day = day_value(target, kpi, got, actual, end)
        series += got
        mine = firing.setdefault(kpi, [])
        mine += [Firing(a, actual) for a in alerts if isinstance(a.source, BandRule)
                 and a.source.kpi.name == kpi and a.source.beyond(actual)]
        rule = target.rules.drift_of(kpi)
        if rule.baseline is not None:
            judged = rule.compare(ok(kpi, day), ok(kpi, rule.baseline)).severity
            mine += [Firing(a, day) for a in alerts if isinstance(a.source, DriftAlert)
                     and a.source.rule.kpi.name == kpi
                     and levels.severity_at_least(judged, a.source.severity)]
    everything = [f for fs in firing.values() for f in fs]
    checks: list[Check] = [(end, name_, expected(target, [f for f in everything
                                                           if f.alert.alert == name_], end))
                           for name_ in (BAND, DRIFT)]
    return case(name, input_series(series, end, iv), iv, checks), firing
