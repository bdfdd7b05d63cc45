"""Prometheus rule files as records: groups of recording and alerting rules.

:mod:`tars_ci.alerts.render` builds them from the spec's compiled rules,
:mod:`tars_ci.alerts.yamltext` writes them. An alerting rule keeps the rule record it was
rendered from (``source``), so its promtool unit tests (:mod:`tars_ci.alerts.unittests`) are
generated from the same record and judged by the daily check's own evaluation.
"""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from tars_ci.analysis.rules import BandRule, Crossing, DriftRule, NoDataRule, SloBurnRule
from tars_ci.spec.model import Severity

Labels = tuple[tuple[str, str], ...]  # sorted (name, value) pairs


class DriftAlert(NamedTuple):
    """A drift rule's alert for one severity step, at its crossing."""

    rule: DriftRule
    severity: Severity
    crossing: Crossing


class RollbackAlert(NamedTuple):
    """The rollback tree's ``slo_drift`` rule for a critical KPI, at its crossing."""

    rule: DriftRule
    percent: float
    crossing: Crossing


AlertSource = BandRule | DriftAlert | RollbackAlert | NoDataRule | SloBurnRule


class RecordingRule(NamedTuple):
    """``record: NAME`` with its expression and labels."""

    record: str
    expr: str
    labels: Labels
    comment: str = ""  # shown above the rule


class AlertingRule(NamedTuple):
    """``alert: NAME``: fires once ``expr`` has returned a series for ``for_``."""

    alert: str
    expr: str
    for_: timedelta
    labels: Labels
    annotations: Labels
    source: AlertSource
    comment: str = ""


Rule = RecordingRule | AlertingRule


class RuleGroup(NamedTuple):
    """A rule group: its rules run in order at every interval."""

    name: str
    interval: timedelta
    rules: tuple[Rule, ...]


class RuleFile(NamedTuple):
    """A Prometheus rules file: a header comment and its groups."""

    header: tuple[str, ...]  # comment lines, without the leading ``#``
    groups: tuple[RuleGroup, ...]

    def alerts(self) -> tuple[AlertingRule, ...]:
        """Every alerting rule, in file order."""
        return tuple(r for g in self.groups for r in g.rules if isinstance(r, AlertingRule))
