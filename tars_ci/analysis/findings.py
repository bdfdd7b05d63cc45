"""Findings: what needs attention on a day, ranked P0 (most urgent) to P3.

A KPI yields

- a ``degradation`` finding when its comparison has a severity or its value lies in one of
  its absolute bands;
- a ``no_data`` finding when it has no value for the day (or no baseline): priority
  ``priorities.no_data_critical`` (P1) for a critical KPI, ``priorities.no_data`` for the
  others (default: what the severity map gives medium, P2) — a day the release cannot be
  judged on is not a quiet day;
- a ``query_error`` finding when its query (today's or the baseline's) failed: priority
  ``priorities.query_error`` (P1), with the source's message in the detail. A failed query
  is a broken data path, not a bad result, and it is never folded into ``no_data``.

An SLO whose SLI query failed on the day gets a ``query_error`` finding too, and one without
data a ``no_data`` finding at the critical priority (an SLO is what the release is judged on).

A degradation takes the most urgent of two priorities: the severity map's, and the KPI's
absolute band's (:mod:`tars_ci.analysis.priority`).

Everything here is read from the spec's compiled rules (:mod:`tars_ci.analysis.rules`):
:func:`judge_findings` evaluates a :class:`~tars_ci.analysis.rules.RuleSet`;
:func:`findings_for_day` compiles the spec's first.

Missing data carries no measured severity; its findings say severity medium, and their
priority comes from the data rules above.

Finding ids are stable across days (``<kpi>:degradation``, ``<kpi>:no_data``,
``<kpi>:query_error``, ``slo:<name>:burn``, ``slo:<name>:no_data``,
``slo:<name>:query_error``) so a finding seen again updates the same GitHub issue.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Literal, NamedTuple

from tars_ci.analysis.burn import BurnEpisode, BurnEvaluation
from tars_ci.analysis.drift import Comparison, format_drift, max_severity
from tars_ci.analysis.kpis import format_value
from tars_ci.analysis.rules import (
    BAND_SEVERITY,
    PRIORITY_SEVERITY,
    NoDataRule,
    RuleSet,
    band_level,
    compile_rules,
)
from tars_ci.analysis.slo import SloDay
from tars_ci.spec import levels
from tars_ci.spec.model import Kpi, Priority, Severity, Spec
from tars_ci.spec.values import format_duration

FindingKind = Literal["degradation", "no_data", "query_error", "slo_burn"]

class Finding(NamedTuple):
    """Something to act on, on one day."""

    id: str
    day: int
    kpi: str
    kind: FindingKind
    severity: Severity
    priority: Priority
    value: float | None
    baseline: float | None
    drift_percent: float | None
    title: str
    detail: str


def findings_for_day(day: int, spec: Spec, comparisons: Mapping[str, Comparison], *,
                     slos: Mapping[str, SloDay] | None = None,
                     burns: Mapping[str, BurnEvaluation] | None = None,
                     when: str = "") -> tuple[Finding, ...]:
    """The day's findings under the spec's rules (see :func:`judge_findings`)."""
    return judge_findings(day, compile_rules(spec), comparisons, slos=slos, burns=burns,
                          when=when)


def judge_findings(day: int, rules: RuleSet, comparisons: Mapping[str, Comparison], *,
                   slos: Mapping[str, SloDay] | None = None,
                   burns: Mapping[str, BurnEvaluation] | None = None,
                   when: str = "") -> tuple[Finding, ...]:
    """The day's findings, sorted by priority, then severity (worst first), then KPI.

    Every KPI of the rules is considered; one without a comparison counts as no data.
    ``slos`` (the day's SLIs by SLO name) adds the SLOs' ``no_data`` / ``query_error``
    findings, ``burns`` (the day's burn-rate evaluations by SLO name) their ``slo_burn``
    findings. ``when`` replaces "on day N" in the titles (a periodic report's window,
    ``in the 7d window to 2026-11-10 00:00 UTC``).
    """
    unknown = sorted(set(comparisons) - {k.name for k in rules.kpis})
    if unknown:
        raise ValueError(f"comparisons for KPIs not in the spec: {', '.join(unknown)}")
    found = []
    for kpi in rules.kpis:
        comparison = comparisons.get(kpi.name)
        if comparison is None or comparison.status in ("no_data", "error"):
            found.append(_missing(day, rules.no_data_of(kpi.name), kpi, comparison, when))
            continue
        finding = _degradation(day, rules, kpi, comparison, when)
        if finding is not None:
            found.append(finding)
    for name, sli in sorted((slos or {}).items()):
        if sli.status != "ok":
            found.append(_slo_missing(day, rules.no_data_of(name, "slo"), sli, when))
    for name, evaluation in sorted((burns or {}).items()):
        burn = slo_burn_finding(day, evaluation, when)
        if burn is not None:
            found.append(burn)
    return tuple(sorted(found, key=finding_order))


def no_data_priority(kpi: Kpi, spec: Spec) -> Priority:
    """The priority of a ``no_data`` finding of ``kpi`` (critical or not; see the module doc)."""
    return compile_rules(spec).no_data_of(kpi.name).priority


def finding_order(finding: Finding) -> tuple[int, int, str, str]:
    """Sort key: priority, severity worst first, KPI, id."""
    return (levels.priority_rank(finding.priority), -levels.severity_rank(finding.severity),
            finding.kpi, finding.id)


def _degradation(day: int, rules: RuleSet, kpi: Kpi, c: Comparison,
                 when: str = "") -> Finding | None:
    band = band_level(rules.bands_of(kpi.name), c.value)
    level = None if band is None else band.level
    severity = max_severity(c.severity, None if level is None else BAND_SEVERITY[level])
    if severity is None:
        return None
    by_severity = rules.priority(severity)
    priority = levels.most_urgent(by_severity, level) or "P3"
    value, base = format_value(c.value, kpi.unit), format_value(c.baseline, kpi.unit)
    if c.severity is not None and c.drift_percent is not None:
        title = (f"{kpi.display} {format_drift(c.drift_percent)} vs GA baseline "
                 f"({value} vs {base}) {_on(day, when)}")
    elif c.severity is not None:
        title = f"{kpi.display} rose to {value} from a zero GA baseline {_on(day, when)}"
    else:
        assert band is not None
        title = (f"{kpi.display} {value} is in the {band.level} band "
                 f"({band.bound_text()}) {_on(day, when)}")
    detail = [c.reason[:1].upper() + c.reason[1:] + "."]
    if band is not None:
        what = " (immediate-rollback class)" if band.level == "P0" else ""
        detail.append(f"Value {value} is in the {band.level} band ({band.bound_text()}){what}.")
    detail.append(f"Priority {priority}: severity {severity} maps to {by_severity}"
                  + (f", band {level}." if level else "."))
    return Finding(f"{kpi.name}:degradation", day, kpi.name, "degradation", severity, priority,
                   c.value, c.baseline, c.drift_percent, title, " ".join(detail))


def _missing(day: int, rule: NoDataRule, kpi: Kpi, c: Comparison | None,
             when: str = "") -> Finding:
    """The ``no_data`` or ``query_error`` finding of a KPI without a value for the day."""
    severity: Severity = "medium"
    if c is not None and c.status == "error":
        kind: FindingKind = "query_error"
        priority, what = rule.query_error, "query error"
        why = "a failed query is a broken data path, not a bad result"
    else:
        kind, priority, what = "no_data", rule.priority, "no data"
        why = ("a critical KPI without data leaves the release unjudged" if kpi.critical
               else "missing data is not a pass")
    reason = "no comparison was computed for this KPI" if c is None else c.reason
    title = f"{kpi.display}: {what} {_on(day, when)}"
    detail = (f"{reason[:1].upper() + reason[1:]}. Priority {priority}: {why}. The KPI is left "
              f"out of the health score (neither lowering nor raising it) and out of the "
              f"rollback rules until data is back.")
    return Finding(f"{kpi.name}:{kind}", day, kpi.name, kind, severity, priority,
                   None if c is None else c.value, None if c is None else c.baseline, None,
                   title, detail)


def _slo_missing(day: int, rule: NoDataRule, sli: SloDay, when: str = "") -> Finding:
    """The ``no_data`` or ``query_error`` finding of an SLO without an SLI for the day."""
    name = rule.subject
    if sli.status == "error":
        kind: FindingKind = "query_error"
        priority, what = rule.query_error, "query error"
    else:
        kind, priority, what = "no_data", rule.priority, "no data"
    reason = sli.reason or "no SLI for the day"
    detail = (f"{reason[:1].upper() + reason[1:]}. Priority {priority}: without its SLI the "
              f"SLO's compliance, error budget and burn rate are unknown "
              f"{when or f'for day {day}'}.")
    return Finding(f"slo:{name}:{kind}", day, name, kind, "medium", priority, None, None, None,
                   f"SLO {name}: {what} {_on(day, when)}", detail)


def slo_burn_finding(day: int, evaluation: BurnEvaluation, when: str = "") -> Finding | None:
    """The day's ``slo_burn`` finding of one SLO: one finding per SLO and day, whatever the
    number of alerts that fired, so one GitHub issue follows the SLO's budget burn (id
    ``slo:<name>:burn``) and closes once no alert has fired for the configured days. Its
    priority is the most urgent alert that fired; the detail has one sentence per firing.
    """
    if not evaluation.episodes:
        return None
    episodes = evaluation.episodes
    priority = levels.most_urgent(*(e.priority for e in episodes)) or "P3"
    top = min(episodes, key=lambda e: (levels.priority_rank(e.priority), -e.peak_burn))
    peak = max(e.peak_burn for e in episodes)
    urgency = {e.alert: (levels.priority_rank(e.priority), e.alert) for e in episodes}
    fired = sorted(urgency, key=urgency.__getitem__)
    title = (f"SLO {evaluation.slo} burned its error budget at up to {peak:.1f}× "
             f"{_on(day, when)} ({', '.join(fired)})")
    window = format_duration(timedelta(seconds=evaluation.slo_window))
    sentences = [_burn_sentence(e, window, "window" if when else "day") for e in episodes]
    sentences.append(f"Priority {priority}: {top.alert} is a {top.priority} alert.")
    return Finding(f"slo:{evaluation.slo}:burn", day, evaluation.slo, "slo_burn",
                   PRIORITY_SEVERITY[priority], priority, peak, None, None, title,
                   " ".join(sentences))


def _burn_sentence(e: BurnEpisode, budget_window: str, span: str = "day") -> str:
    """One firing as a sentence: windows, factor, when, peak burn, budget spent (``span``:
    the day, or a periodic report's window)."""
    long, short = (format_duration(timedelta(seconds=w)) for w in (e.long_window, e.short_window))
    since = f" (already firing when the {span} began)" if e.open_at_start else ""
    until = f" (still firing at the {span}'s end)" if e.open_at_end else ""
    return (f"{e.alert} (burn rate above {e.factor:g}× over both {long} and {short}) fired "
            f"from {_utc(e.start)}{since} to {_utc(e.end)}{until}: peak {e.peak_burn:.1f}× "
            f"over {long} at {_utc(e.peak_time)}, {e.budget_consumed:.1%} of the "
            f"{budget_window} error budget spent while it fired.")


def _on(day: int, when: str) -> str:
    """``on day 5``, or a periodic report's window (``in the 7d window to … UTC``)."""
    return when or f"on day {day}"


def _utc(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
