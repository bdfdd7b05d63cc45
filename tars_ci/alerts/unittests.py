"""promtool unit tests for a rules file, generated from the same rule records.

Every alert is driven by a series that crosses its bound (it must fire once ``for:`` has
passed, and not one interval before) and by one that stays on the safe side (it must stay
silent). Which alerts are expected to fire is not read off the rendered PromQL but asked of
the daily check's own evaluation on the same numbers — :meth:`BandRule.beyond`,
:func:`~tars_ci.analysis.drift.compare`, :func:`~tars_ci.analysis.rollback.recommend`,
:func:`~tars_ci.analysis.burn.window_burn` and :func:`~tars_ci.analysis.burn.evaluate_burn` —
so ``promtool test rules`` passing means the live alerts and the CI verdict agree on them.

Two files, because promtool evaluates every rule at every evaluation interval of a test:

- ``<name>.test.yml``, evaluated every rules interval (:mod:`~tars_ci.alerts.kpicases`): KPI
  band, drift, rollback and no-data alerts, the threshold SLOs fed from their KPI's value
  (their bad/total recording runs every interval, as in Prometheus, over the shortest long
  window), the short burn-rate windows to the step, and an incident like the demo's day 5
  per SLO (a burst at 5.5× its fastest alert's factor between steady half-budget burns) with
  every alert's onset and reset checked to the step. Inputs are the recorded series
  (``tars_ci:kpi:value``, a ratio KPI's numerator and denominator), since the spec's PromQL
  reads metrics only the service has. KPIs are tested side by side: case *P0* drives every
  KPI's P0 bound at once, each with its own series.
- ``<name>.slo.test.yml``, evaluated every hour (:mod:`~tars_ci.alerts.slocases`): every
  burn-rate window and alert from an SLO's ``slo:sli_bad:rate``/``slo:sli_total:rate`` at the
  rules interval, over up to the longest window (three days of minutes would take promtool
  minutes at a one-minute evaluation); burn alerts have no ``for:``, so the hourly evaluation
  loses nothing.

Ratio inputs are whole numbers (denominator 10⁶ per step), so sums over a window are exact and
the expected annotations match to the digit (:mod:`~tars_ci.alerts.cases`).
"""

from __future__ import annotations

from typing import Any

from tars_ci.alerts.cases import slo_interval
from tars_ci.alerts.kpicases import (
    band_cases,
    day_case,
    drift_cases,
    no_data_cases,
    rollback_cases,
)
from tars_ci.alerts.model import RuleFile
from tars_ci.alerts.render import NO_DATA, Target
from tars_ci.alerts.slocases import burn_cases, incident_cases, threshold_cases, window_cases
from tars_ci.spec.values import format_duration

__all__ = ["alert_tests", "day_case", "slo_interval", "slo_tests"]


def alert_tests(target: Target, rule_file: RuleFile, rules_name: str) -> dict[str, Any]:
    """The KPI alert tests (``<name>.test.yml``) of ``rule_file``, named ``rules_name``."""
    alerts = rule_file.alerts()
    tests = (band_cases(target, alerts) + drift_cases(target, alerts)
             + rollback_cases(target, alerts)
             + no_data_cases(target, [a for a in alerts if a.alert == NO_DATA])
             + threshold_cases(target, alerts) + window_cases(target, exact=True)
             + incident_cases(target, alerts))
    return {"rule_files": [rules_name], "evaluation_interval": format_duration(target.interval),
            "tests": tests}


def slo_tests(target: Target, rule_file: RuleFile, rules_name: str) -> dict[str, Any]:
    """The SLO window and burn-rate tests (``<name>.slo.test.yml``) of ``rule_file``."""
    alerts = rule_file.alerts()
    tests = window_cases(target, exact=False) + burn_cases(target, alerts)
    return {"rule_files": [rules_name],
            "evaluation_interval": format_duration(slo_interval(target)), "tests": tests}
