"""promtool unit tests for a rules file, generated from the same rule records.

Every alert is driven by a series that crosses its bound (it must fire once ``for:`` has
passed, and not one interval before) and by one that stays on the safe side (it must stay
silent). Which alerts are expected to fire is not read off the rendered PromQL but asked of
the daily check's own evaluation on the same numbers — :meth:`BandRule.beyond`,
:func:`~tars_ci.analysis.drift.compare`, :func:`~tars_ci.analysis.rollback.recommend`,
:func:`~tars_ci.analysis.burn.window_burn` and :func:`~tars_ci.analysis.burn.evaluate_burn` —
so ``promtool test rules`` passing means the live alerts and the CI verdict agree on them.

Two files, because promtool evaluates every rule at every evaluation interval of a test:

- ``<name>.test.yml`` (evaluated every rules interval): KPI band, drift, rollback and no-data
  alerts, and the threshold SLOs fed from their KPI's value (the SLO's bad/total recording
  runs at every interval, as in Prometheus, over the shortest long window). Inputs are the recorded series (``tars_ci:kpi:value``, a ratio KPI's numerator and
  denominator), since the spec's PromQL reads metrics only the service has. The KPIs are
  tested side by side: case *P0* drives every KPI's P0 bound at once, each with its own
  series.
- ``<name>.slo.test.yml`` (evaluated every hour): SLO burn-rate windows and alerts from an
  SLO's ``slo:sli_bad:rate``/``slo:sli_total:rate`` at the rules interval, over up to the
  longest window (3 days of minutes would take promtool minutes at a 1-minute evaluation);
  burn alerts have no ``for:``, so the hourly evaluation loses nothing.

Ratio inputs are whole numbers (denominator 10⁶ per step), so sums over a window are exact and
the expected annotations match to the digit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np

from tars_ci.alerts import promql as q
from tars_ci.alerts.model import AlertingRule, DriftAlert, RollbackAlert, RuleFile
from tars_ci.alerts.render import BAND, BURN, DRIFT, NO_DATA, ROLLBACK, Target
from tars_ci.analysis.burn import BurnSeries, evaluate_burn, threshold_series, window_burn
from tars_ci.analysis.kpis import Measurement
from tars_ci.analysis.rollback import SLO_DRIFT, DayState, recommend
from tars_ci.analysis.rules import BandRule, NoDataRule, SloBurnRule
from tars_ci.spec import levels
from tars_ci.spec.model import SEVERITIES, Slo
from tars_ci.spec.values import format_duration

RESOLUTION = 1e6  # a ratio's denominator per step in the tests
_TEMPLATE = re.compile(r"\{\{ \$value \| printf `(%\.[0-9]+[gf])` \}\}")
_DAY = re.compile(r"\{\{ with query `[^`]*` \}\}\{\{ \. \| first \| value \| printf `%02\.0f` "
                  r"\}\}\{\{ end \}\}")
Check = tuple[timedelta, str, list[dict[str, Any]]]  # eval time, alert name, expected alerts


class Series(NamedTuple):
    """One input series: a selector and its constant value from 0 to the case's end."""

    selector: str
    value: float


class Firing(NamedTuple):
    """An alert expected to fire, with the value its annotations show."""

    alert: AlertingRule
    value: float


def slo_interval(target: Target) -> timedelta:
    """Evaluation interval of the SLO test file: an hour, in whole rules intervals."""
    return target.interval * max(1, math.ceil(timedelta(hours=1) / target.interval))


def alert_tests(target: Target, rule_file: RuleFile, rules_name: str) -> dict[str, Any]:
    """The KPI alert tests (``<name>.test.yml``) of ``rule_file``, named ``rules_name``."""
    alerts = rule_file.alerts()
    tests = (_band_cases(target, alerts) + _drift_cases(target, alerts)
             + _rollback_cases(target, alerts)
             + _no_data_cases(target, [a for a in alerts if a.alert == NO_DATA])
             + _threshold_cases(target, alerts) + _window_cases(target, exact=True))
    return {"rule_files": [rules_name], "evaluation_interval": format_duration(target.interval),
            "tests": tests}


def slo_tests(target: Target, rule_file: RuleFile, rules_name: str) -> dict[str, Any]:
    """The SLO window and burn-rate tests (``<name>.slo.test.yml``) of ``rule_file``."""
    alerts = rule_file.alerts()
    tests = _window_cases(target, exact=False) + _burn_cases(target, alerts)
    return {"rule_files": [rules_name],
            "evaluation_interval": format_duration(slo_interval(target)), "tests": tests}


# --------------------------------------------------------------------------- plumbing


def decimal(value: float) -> str:
    """``value`` in positional notation (promtool's series notation has no exponents)."""
    text = format(Decimal(repr(float(value))), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _input(series: Iterable[Series], end: timedelta, interval: timedelta) -> list[dict[str, str]]:
    n = max(1, math.ceil(end / interval))
    return [{"series": s.selector, "values": f"{decimal(s.value)}+0x{n}"} for s in series]


def _expand(text: str, value: float, at: timedelta, target: Target) -> str:
    """An annotation as Prometheus expands it at ``at`` (promtool starts at the Unix epoch)
    for an alert whose value is ``value``."""
    day = math.floor((at.total_seconds() - target.ga_time.timestamp()) / 86400)
    text = _DAY.sub(f"{min(max(day, 0), target.days):02d}", text)
    text = _TEMPLATE.sub(lambda m: m.group(1) % value, text)
    if "{{" in text:
        raise ValueError(f"annotation template not understood: {text!r}")
    return text


def _expected(target: Target, firing: Iterable[Firing], at: timedelta) -> list[dict[str, Any]]:
    return [{"exp_labels": dict(f.alert.labels),
             "exp_annotations": {k: _expand(v, f.value, at, target)
                                 for k, v in f.alert.annotations}}
            for f in firing]


def _case(name: str, series: list[dict[str, str]], interval: timedelta,
          checks: Sequence[Check]) -> dict[str, Any]:
    return {"name": name, "interval": format_duration(interval), "input_series": series,
            "alert_rule_test": [{"eval_time": format_duration(at), "alertname": alert,
                                 "exp_alerts": exp} for at, alert, exp in checks]}


def _kpi_series(target: Target, kpi: str, value: float) -> tuple[list[Series], float]:
    """The input series that make ``kpi``'s recorded value ``value`` (as near as a ratio of
    whole numbers gets), and the value Prometheus computes from them."""
    signal = target.rules.signals[kpi]
    labels = {"kpi": kpi, "release": target.release}
    if not signal.is_ratio:
        return [Series(q.selector(q.KPI_VALUE, labels), value)], value
    numerator = float(round(value / signal.scale * RESOLUTION))
    return ([Series(q.selector(q.KPI_NUMERATOR, labels), numerator),
             Series(q.selector(q.KPI_DENOMINATOR, labels), RESOLUTION)],
            signal.scale * numerator / RESOLUTION)


def _nudge(target: Target, kpi: str, value: float) -> float:
    """A small move of ``kpi``'s value, well above a ratio input's resolution."""
    signal = target.rules.signals[kpi]
    floor = signal.scale / RESOLUTION * 20 if signal.is_ratio else 1e-9
    return max(abs(value) * 1e-3, floor)


def _ok(kpi: str, value: float) -> Measurement:
    return Measurement(kpi, "ok", value, 1.0, 1, "")


# --------------------------------------------------------------------------- KPI alerts


def _band_cases(target: Target, alerts: Sequence[AlertingRule]) -> list[dict[str, Any]]:
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
                got, _ = _kpi_series(target, kpi, value)
                series += got
                firing += [Firing(a, actual) for a in bands if isinstance(a.source, BandRule)
                           and a.source.kpi.name == kpi and a.source.beyond(actual)]
                names.append(f"{kpi} {actual:g} {rule.bound_text()}")
            if not names:
                continue
            what = "crosses" if crossing else "stays on the safe side of"
            out.append(_case(f"{BAND} {level}: each KPI {what} its bound ({'; '.join(names)})",
                             _input(series, end, iv), iv,
                             [(max(wait - iv, timedelta(0)), BAND,
                               _expected(target, firing, timedelta(0)) if not wait else []),
                              (end, BAND, _expected(target, firing, end))]))
    return out


def _band_value(target: Target, rule: BandRule, crossing: bool) -> tuple[float, float]:
    """A value beyond the bound (or on it, else just inside), and what Prometheus computes."""
    d = _nudge(target, rule.kpi.name, rule.bound)
    tries = ([rule.bound + d if rule.above else rule.bound - d] if crossing
             else [rule.bound, rule.bound - d if rule.above else rule.bound + d])
    for value in tries:
        _, actual = _kpi_series(target, rule.kpi.name, value)
        if rule.beyond(actual) == crossing:
            return value, actual
    raise ValueError(f"no test value for the {rule.level} band of {rule.kpi.name}")


def _day_value(target: Target, kpi: str, series: list[Series], actual: float,
               at: timedelta) -> float:
    """The trailing-window aggregate Prometheus computes at ``at`` from constant inputs."""
    if not target.rules.signals[kpi].is_ratio:
        return actual
    k = float(min(round(at / target.interval),
                  round(target.settings.drift_window / target.interval)) + 1)
    return target.rules.signals[kpi].scale * (k * series[0].value) / (k * series[1].value)


def _drift_cases(target: Target, alerts: Sequence[AlertingRule]) -> list[dict[str, Any]]:
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
                d = _nudge(target, kpi, c.bound)
                value = c.bound + d if c.above == crossing else c.bound - d
                got, actual = _kpi_series(target, kpi, value)
                day = _day_value(target, kpi, got, actual, end)
                assert src.rule.baseline is not None
                judged = src.rule.compare(_ok(kpi, day), _ok(kpi, src.rule.baseline)).severity
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
            out.append(_case(f"{DRIFT} {severity}: each KPI {what} its step ({'; '.join(names)})",
                             _input(series, end, iv), iv,
                             [(wait - iv, DRIFT, []), (end, DRIFT, _expected(target, firing,
                                                                             end))]))
    return out


def _rollback_cases(target: Target, alerts: Sequence[AlertingRule]) -> list[dict[str, Any]]:
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
            d = _nudge(target, kpi, c.bound)
            got, actual = _kpi_series(target, kpi, c.bound + d if c.above == crossing
                                      else c.bound - d)
            day = _day_value(target, kpi, got, actual, end)
            comparison = src.rule.compare(_ok(kpi, day), _ok(kpi, src.rule.baseline))
            fired = SLO_DRIFT in recommend([DayState(1, None, {kpi: comparison})],
                                           target.rules).rules
            if fired != crossing:
                raise ValueError(f"{kpi}: the rollback tree does not agree on {day:g}")
            series += got
            firing += [Firing(alert, day)] if fired else []
            names.append(f"{kpi} {day:g} {c.op} {c.bound:g}")
        if names:
            what = "crosses" if crossing else "stays short of"
            out.append(_case(f"{ROLLBACK}: each critical KPI {what} its rollback drift "
                             f"({'; '.join(names)})", _input(series, end, iv), iv,
                             [(wait - iv, ROLLBACK, []),
                              (end, ROLLBACK, _expected(target, firing, end))]))
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


def _no_data_cases(target: Target, alerts: list[AlertingRule]) -> list[dict[str, Any]]:
    if not alerts:
        return []
    iv, wait = target.interval, target.settings.no_data_for
    end = wait + iv
    out = [_case(f"{NO_DATA}: every critical series absent", [], iv,
                 [(wait - iv, NO_DATA, []),
                  (end, NO_DATA, _expected(target, [Firing(a, 1) for a in alerts], end))])]
    for alert in alerts:
        rule = alert.source
        assert isinstance(rule, NoDataRule)
        series, present = _presence(target, rule)
        firing = [Firing(a, 1) for a in alerts if isinstance(a.source, NoDataRule)
                  and (a.source.kind, a.source.subject) not in present]
        out.append(_case(f"{NO_DATA} {rule.kind} {rule.subject}: present",
                         _input([series], end, iv), iv, [(end, NO_DATA,
                                                          _expected(target, firing, end))]))
    return out


# --------------------------------------------------------------------------- SLOs


def _slo_of(target: Target, name: str) -> Slo:
    return next(o for o in target.rules.slos if o.name == name)


def _steps(target: Target, end: timedelta) -> int:
    return round(end / target.interval) + 1


def _ci_burns(target: Target, slo: str, bad: np.ndarray, total: np.ndarray,
              at: timedelta) -> set[str]:
    """The burn-rate alerts the daily check finds firing at ``at`` on these steps."""
    step = target.interval.total_seconds()
    times = np.arange(bad.size, dtype=np.float64) * step
    at_s = at.total_seconds()
    evaluation = evaluate_burn(_slo_of(target, slo), BurnSeries(times, bad, total, step),
                               at_s, at_s + step, target.rules.burns_of(slo))
    return {e.alert for e in evaluation.episodes}


def _sli_inputs(target: Target, slo: str, ratio: float) -> tuple[list[Series], float]:
    labels = {"slo": slo, "release": target.release}
    bad = float(round(ratio * RESOLUTION))
    return ([Series(q.selector(q.SLI_BAD, labels), bad),
             Series(q.selector(q.SLI_TOTAL, labels), RESOLUTION)], bad / RESOLUTION)


_EXACT_STEPS = 120  # windows judged from at most this many steps are tested to the step


def _window_cases(target: Target, exact: bool) -> list[dict[str, Any]]:
    """Each burn-rate window is judged once it has data on ``burn_min_coverage`` of its steps,
    where the daily check starts to judge it, and then holds Σbad / Σtotal. ``exact``: the
    short windows, one interval either side of that step; else every window, at the
    evaluations (hours) either side of it."""
    iv = target.interval
    every = iv if exact else slo_interval(target)
    series: list[Series] = []
    tests: list[dict[str, Any]] = []
    end = timedelta(0)
    for slo in target.rules.slos:
        burns = target.rules.burns_of(slo.name)
        if not burns:
            continue
        got, ratio = _sli_inputs(target, slo.name, min(1.0, 2 * burns[0].budget))
        labels = {"slo": slo.name, "release": target.release}
        used = False
        for w in sorted({w for r in burns for w in (r.long, r.short)}):
            need = q.min_samples(w, iv, slo.burn_min_coverage)
            if exact and need > _EXACT_STEPS:
                continue
            first = iv * (need - 1)  # the step at which the window has `need` samples
            before = every * math.floor(first / every) - (iv if exact else timedelta(0))
            after = every * math.ceil(first / every)
            steps = _steps(target, after)
            ci = BurnSeries(np.arange(steps) * iv.total_seconds(), np.full(steps, got[0].value),
                            np.full(steps, RESOLUTION), iv.total_seconds())
            burn, _ = window_burn(ci, w.total_seconds(), burns[0].budget,
                                  slo.burn_min_coverage)
            name = f"slo:sli_error:ratio_rate{q.window_name(w)}"
            recorded = {**labels, **{x.name: x.value for x in target.settings.labels}}
            for at in sorted({max(before, timedelta(0)), after}):
                judged = bool(np.isfinite(burn[round(at / iv)]))
                tests.append({"expr": q.selector(name, labels),
                              "eval_time": format_duration(at),
                              "exp_samples": [{"labels": q.selector(name, recorded),
                                               "value": ratio}] if judged else []})
            end, used = max(end, after), True
        if used:
            series += got
    if not tests:
        return []
    what = ("to the step" if exact else f"at every {format_duration(every)}")
    return [{"name": f"burn-rate windows, {what}: judged from burn_min_coverage of their "
                     f"steps, holding Σbad/Σtotal", "interval": format_duration(iv),
             "input_series": _input(series, end, iv), "promql_expr_test": tests}]


def _burn_cases(target: Target, alerts: Sequence[AlertingRule]) -> list[dict[str, Any]]:
    """Case j drives the j-th burn-rate alert of every SLO above (then below) its factor."""
    iv, every = target.interval, slo_interval(target)
    burns = [a for a in alerts if isinstance(a.source, SloBurnRule)]
    out = []
    most = max((len(target.rules.burns_of(o.name)) for o in target.rules.slos), default=0)
    for j in range(most):
        for above in (True, False):
            picks = []
            for slo in target.rules.slos:
                rules = target.rules.burns_of(slo.name)
                if j < len(rules) and not (above and rules[j].error_ratio >= 1):
                    picks.append(rules[j])
            if not picks:
                continue
            end = max(every * math.ceil(r.long / every) for r in picks)
            series: list[Series] = []
            firing: list[Firing] = []
            early: list[Firing] = []
            names = []
            for rule in picks:
                # 5 % either side of the alert's error ratio: a factor off by more fails
                # (an error ratio is at most 1: an alert above 1 can never fire)
                ratio = min(1.0, (1.05 if above else 0.95) * rule.error_ratio)
                got, actual = _sli_inputs(target, rule.slo, ratio)
                steps = _steps(target, end)
                fired = _ci_burns(target, rule.slo, np.full(steps, got[0].value),
                                  np.full(steps, RESOLUTION), end)
                if (rule.alert in fired) != above:
                    raise ValueError(f"{rule.slo}/{rule.alert}: the daily check does not "
                                     f"agree at a burn rate of {ratio / rule.budget:g}")
                at_start = _ci_burns(target, rule.slo, np.full(1, got[0].value),
                                     np.full(1, RESOLUTION), timedelta(0))
                burn = actual / float(q.budget(rule.objective))
                series += got
                mine = [a for a in burns if isinstance(a.source, SloBurnRule)
                        and a.source.slo == rule.slo]
                firing += [Firing(a, burn) for a in mine
                           if isinstance(a.source, SloBurnRule) and a.source.alert in fired]
                early += [Firing(a, burn) for a in mine
                          if isinstance(a.source, SloBurnRule) and a.source.alert in at_start]
                names.append(f"{rule.slo} {rule.alert} at {ratio / rule.budget:g}× "
                             f"{'>' if above else '<'} {rule.factor:g}×")
            out.append(_case(f"{BURN} #{j + 1}: {'; '.join(names)} for {format_duration(end)}",
                             _input(series, end, iv), iv,
                             [(timedelta(0), BURN, _expected(target, early, timedelta(0))),
                              (end, BURN, _expected(target, firing, end))]))
    return out


def _threshold_cases(target: Target, alerts: Sequence[AlertingRule]) -> list[dict[str, Any]]:
    """Threshold SLOs from their KPI's value: missing the bound at every step, then meeting
    it, so the bad/total recording from the KPI is tested too."""
    iv = target.interval
    out = []
    for misses in (True, False):
        series: list[Series] = []
        firing: list[Firing] = []
        names = []
        end = timedelta(0)
        picks = [o for o in target.rules.slos
                 if o.threshold is not None and target.rules.burns_of(o.name)]
        for slo in picks:
            end = max(end, iv * math.ceil(min(r.long for r in target.rules.burns_of(
                slo.name)) / iv))
        for slo in picks:
            th = slo.threshold
            assert th is not None
            bound = th.max if th.max is not None else th.min
            assert bound is not None
            worse = 1.0 if th.max is not None else -1.0
            value = bound + worse * max(abs(bound) * 0.1, 1.0) if misses else bound
            got, actual = _kpi_series(target, th.kpi, value)
            steps = _steps(target, end)
            ci = threshold_series(np.arange(steps) * iv.total_seconds(), np.full(steps, actual),
                                  iv.total_seconds(), max=th.max, min=th.min)
            fired = _ci_burns(target, slo.name, ci.bad, ci.total, end)
            burn = float(ci.bad[-1]) / float(q.budget(slo.objective))
            series += got
            firing += [Firing(a, burn) for a in alerts if isinstance(a.source, SloBurnRule)
                       and a.source.slo == slo.name and a.source.alert in fired]
            names.append(f"{slo.name}: {th.kpi} {actual:g} {'misses' if misses else 'meets'} "
                         f"{bound:g}")
        if names:
            out.append(_case(f"{BURN} threshold SLIs: {'; '.join(names)}",
                             _input(series, end, iv), iv,
                             [(end, BURN, _expected(target, firing, end))]))
    return out


# --------------------------------------------------------------------------- a day's values


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
        got, actual = _kpi_series(target, kpi, value)
        day = _day_value(target, kpi, got, actual, end)
        series += got
        mine = firing.setdefault(kpi, [])
        mine += [Firing(a, actual) for a in alerts if isinstance(a.source, BandRule)
                 and a.source.kpi.name == kpi and a.source.beyond(actual)]
        rule = target.rules.drift_of(kpi)
        if rule.baseline is not None:
            judged = rule.compare(_ok(kpi, day), _ok(kpi, rule.baseline)).severity
            mine += [Firing(a, day) for a in alerts if isinstance(a.source, DriftAlert)
                     and a.source.rule.kpi.name == kpi
                     and levels.severity_at_least(judged, a.source.severity)]
    everything = [f for fs in firing.values() for f in fs]
    checks: list[Check] = [(end, name_, _expected(target, [f for f in everything
                                                           if f.alert.alert == name_], end))
                           for name_ in (BAND, DRIFT)]
    return _case(name, _input(series, end, iv), iv, checks), firing
