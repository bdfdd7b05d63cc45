"""The day's mitigation plan: what to do about each finding, most urgent first.

For a ``degradation`` the KPI's own ``mitigations`` from the spec are proposed; a KPI without
them gets a first investigation step that fits its kind (:mod:`tars_ci.analysis.kinds`: a
cost is broken down by component and region, memory by instance, never "by route"). A ``no_data`` finding always gets the data-path step,
because the KPI's mitigations are about the service degrading, not about its telemetry; a
``query_error`` finding gets the fix-the-query step; an ``slo_burn`` finding gets the
error-budget step. Steps are ordered by the finding's priority,
then severity (worst first), then KPI, and an action proposed twice is kept once, at its most
urgent place.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from tars_ci.analysis.findings import Finding, finding_order
from tars_ci.analysis.kinds import investigation_step
from tars_ci.spec.model import Priority, Spec


class MitigationStep(NamedTuple):
    """One action, with the finding that asks for it."""

    priority: Priority
    kpi: str
    action: str
    reason: str  # the finding's title


def mitigation_plan(findings: Iterable[Finding], spec: Spec) -> tuple[MitigationStep, ...]:
    """Ordered, de-duplicated mitigation steps for ``findings``."""
    steps: list[MitigationStep] = []
    seen: set[str] = set()
    for finding in sorted(findings, key=finding_order):
        for action in _actions(finding, spec):
            if action in seen:
                continue
            seen.add(action)
            steps.append(MitigationStep(finding.priority, finding.kpi, action, finding.title))
    return tuple(steps)


def _actions(finding: Finding, spec: Spec) -> tuple[str, ...]:
    """The actions one finding asks for."""
    try:
        kpi = spec.kpi(finding.kpi)
        name = kpi.display
    except KeyError:  # an SLO finding may name an SLO rather than a KPI
        kpi, name = None, finding.kpi
    if finding.kind == "no_data":
        step = (f"Check the exporter/scrape target and the KPI query for {name}: missing data "
                f"hides the release's real state")
    elif finding.kind == "query_error":
        step = (f"Fix the query of {name}: the metrics source refused it (its message is in the "
                f"finding); run it in the Prometheus UI and check recent recording-rule or "
                f"label changes")
    elif finding.kind == "slo_burn":
        step = (f"Review the error-budget burn of {name}: slow risky rollouts and follow the "
                f"error-budget policy until the burn rate is back below 1")
    elif kpi is not None and kpi.mitigations:
        return kpi.mitigations
    elif kpi is not None:
        step = investigation_step(kpi)
    else:
        step = (f"Investigate the {name} change since GA: compare against the GA baseline and "
                f"review what the release changed")
    return (step,)
