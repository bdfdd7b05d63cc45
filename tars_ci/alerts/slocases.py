"""Generated promtool cases for the SLOs: burn-rate windows, burn-rate alerts, and threshold
SLIs fed from their KPI (see :mod:`tars_ci.alerts.unittests`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import numpy as np

from tars_ci.alerts import promql as q
from tars_ci.alerts.cases import (
    RESOLUTION,
    Firing,
    Series,
    case,
    decimal,
    expected,
    input_series,
    kpi_series,
    slo_interval,
)
from tars_ci.alerts.model import AlertingRule
from tars_ci.alerts.render import BURN, Target
from tars_ci.analysis.burn import BurnSeries, evaluate_burn, threshold_series, window_burn
from tars_ci.analysis.rules import SloBurnRule
from tars_ci.spec.model import Slo
from tars_ci.spec.values import format_duration


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


def window_cases(target: Target, exact: bool) -> list[dict[str, Any]]:
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
             "input_series": input_series(series, end, iv), "promql_expr_test": tests}]


def burn_cases(target: Target, alerts: Sequence[AlertingRule]) -> list[dict[str, Any]]:
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
            out.append(case(f"{BURN} #{j + 1}: {'; '.join(names)} for {format_duration(end)}",
                             input_series(series, end, iv), iv,
                             [(timedelta(0), BURN, expected(target, early, timedelta(0))),
                              (end, BURN, expected(target, firing, end))]))
    return out


def incident_cases(target: Target, alerts: Sequence[AlertingRule]) -> list[dict[str, Any]]:
    """An incident like the demo's day 5, per SLO whose fastest burn alert has a long window of
    at most 120 steps: a steady burn of half the budget for that window, a burst at 5.5× the
    alert's factor for three windows, then the steady burn again for a window. Every step where
    the daily check's firing set changes is checked, with the step before it, so each alert's
    onset and reset are tested to the step with real sums over full windows."""
    iv, step = target.interval, target.interval.total_seconds()
    out = []
    for slo in target.rules.slos:
        burns = target.rules.burns_of(slo.name)
        fast = [r for r in burns if round(r.long / iv) <= _EXACT_STEPS and r.error_ratio < 1]
        if not fast:
            continue
        first = min(fast, key=lambda r: r.long)
        n = round(first.long / iv)
        quiet = float(round(0.5 * first.budget * RESOLUTION))
        loud = float(round(min(1.0, 5.5 * first.factor * first.budget) * RESOLUTION))
        bad = np.repeat([quiet, loud, quiet], [n, 3 * n, n])
        series = BurnSeries(np.arange(bad.size) * step, bad, np.full(bad.size, RESOLUTION), step)
        episodes = evaluate_burn(_slo_of(target, slo.name), series, 0.0, bad.size * step,
                                 burns).episodes
        firing = [{e.alert for e in episodes if e.start <= t < e.end} for t in series.times]
        changes = [k for k in range(1, bad.size) if firing[k] != firing[k - 1]]
        if not changes:  # e.g. a short window below the step: the constant cases cover it
            continue
        budget = float(q.budget(slo.objective))
        long_burn = {r.alert: window_burn(series, r.long.total_seconds(), budget,
                                          slo.burn_min_coverage)[0] for r in burns}
        mine = {a.source.alert: a for a in alerts
                if isinstance(a.source, SloBurnRule) and a.source.slo == slo.name}
        checks = [(iv * k, BURN, expected(target, [Firing(mine[r.alert], float(long_burn[
            r.alert][k])) for r in burns if r.alert in firing[k]], iv * k))
            for k in sorted({j for k in changes for j in (k - 1, k)})]
        labels = {"slo": slo.name, "release": target.release}
        out.append(case(
            f"{BURN} incident on {slo.name}: {quiet / RESOLUTION / first.budget:g}× for "
            f"{format_duration(first.long)}, {loud / RESOLUTION / first.budget:g}× for "
            f"{format_duration(3 * first.long)}, then {quiet / RESOLUTION / first.budget:g}×: "
            f"onset and reset to the step",
            [{"series": q.selector(q.SLI_BAD, labels),
              "values": f"{decimal(quiet)}+0x{n - 1} {decimal(loud)}+0x{3 * n - 1} "
                        f"{decimal(quiet)}+0x{n - 1}"},
             {"series": q.selector(q.SLI_TOTAL, labels),
              "values": f"{decimal(RESOLUTION)}+0x{bad.size - 1}"}], iv, checks))
    return out


def threshold_cases(target: Target, alerts: Sequence[AlertingRule]) -> list[dict[str, Any]]:
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
            got, actual = kpi_series(target, th.kpi, value)
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
            out.append(case(f"{BURN} threshold SLIs: {'; '.join(names)}",
                             input_series(series, end, iv), iv,
                             [(end, BURN, expected(target, firing, end))]))
    return out
