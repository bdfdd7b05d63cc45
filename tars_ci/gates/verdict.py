"""A stage's criteria become one decision — promote, hold or rollback — with its reasons.

Rules, in this order::

    rollback  a critical metric fails a row (over the window or its recent part) AND the
              row's canary value is past the metric's ``rollback_if`` bound (error rate ≥ 5 %,
              availability < 99 %, …)
    hold      a critical row fails; or any row is no_data / error — missing data,
              insufficient data (coverage) or insufficient traffic (``min_requests``): never
              promote on missing evidence
    promote   otherwise; failing non-critical rows are listed as warnings

The command's exit code follows (see :func:`exit_code`): 0 promote, 1 rollback or a hold with
a failing criterion, 3 a hold only because data is missing or the source failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal, NamedTuple

from tars_ci.gates.criteria import CriterionResult
from tars_ci.gates.units import show
from tars_ci.spec.model import GateMetric, GateStage
from tars_ci.timeline import iso

Decision = Literal["promote", "hold", "rollback"]

EXIT_PROMOTE = 0
EXIT_FAILED = 1
EXIT_NO_DATA = 3


class Verdict(NamedTuple):
    """The gate of one stage over one window."""

    stage: str
    traffic_percent: float
    start: datetime
    end: datetime
    step_seconds: float
    decision: Decision
    failed: bool  # a blocking criterion failed (hold or rollback on evidence)
    missing: bool  # a criterion had no data or its query failed
    reasons: tuple[str, ...]
    warnings: tuple[str, ...]  # failing non-critical criteria
    criteria: tuple[CriterionResult, ...]


def decide(stage: str, traffic_percent: float, start: datetime, end: datetime,
           step_seconds: float, rows: Sequence[CriterionResult],
           metrics: Sequence[GateMetric]) -> Verdict:
    """The verdict of ``rows`` (see the module docstring for the rules)."""
    by_name = {m.name: m for m in metrics}
    rollback: list[str] = []
    blocking: list[str] = []
    missing: list[str] = []
    warnings: list[str] = []
    for row in rows:
        metric = by_name.get(row.metric)
        if row.status in ("no_data", "error"):  # the reason names the track and the cause
            missing.append(f"{row.id}: {row.reason}")
        elif row.status == "fail" and not row.critical:
            warnings.append(f"{row.id} (non-critical): {row.reason}")
        elif row.status == "fail":
            bound = metric.rollback_bound if metric is not None else None
            if bound is not None and row.value is not None and bound.holds(row.value):
                rollback.append(f"{row.id}: {row.reason}; canary "
                                f"{show(row.value, row.unit, row.scale)} is past the "
                                f"rollback bound ({bound})")
            else:
                blocking.append(f"{row.id}: {row.reason}")
    decision: Decision = ("rollback" if rollback else
                          "hold" if blocking or missing else "promote")
    reasons = tuple(rollback + blocking + missing)
    if decision == "promote":
        reasons = (f"all {len(rows)} criteria of {stage} pass",)
    return Verdict(stage, traffic_percent, start, end, step_seconds, decision,
                   bool(rollback or blocking), bool(missing), reasons, tuple(warnings),
                   tuple(rows))


def unavailable(stage: GateStage, start: datetime, end: datetime, step_seconds: float,
                reason: str) -> Verdict:
    """The verdict when the source cannot be reached: hold, on missing data (exit 3)."""
    return Verdict(stage.name, stage.traffic_percent, start, end, step_seconds, "hold", False,
                   True, (f"source unavailable: {reason}",), (), ())


def exit_code(verdict: Verdict) -> int:
    """0 promote; 1 rollback or hold on a failing criterion; 3 hold on missing data only."""
    if verdict.decision == "promote":
        return EXIT_PROMOTE
    if verdict.failed:
        return EXIT_FAILED
    return EXIT_NO_DATA


def document(verdict: Verdict, release: str, slug: str) -> dict[str, Any]:
    """The JSON verdict file's content (jsonio adds ``schema_version``)."""
    return {
        "release": {"name": release, "slug": slug},
        "stage": {"name": verdict.stage, "traffic_percent": verdict.traffic_percent},
        "window": {"start": iso(verdict.start), "end": iso(verdict.end),
                   "step_seconds": verdict.step_seconds},
        "decision": verdict.decision,
        "exit_code": exit_code(verdict),
        "reasons": list(verdict.reasons),
        "warnings": list(verdict.warnings),
        "criteria": {row.id: {k: v for k, v in row._asdict().items() if k != "id"}
                     for row in verdict.criteria},
    }


def table(verdict: Verdict) -> str:
    """The verdict for a terminal or a CI log: one line per criterion, then the decision."""
    head = ("criterion", "status", "canary", "stable", "required", "detail")
    body = [(row.id + ("" if row.critical else " (nc)"), row.status,
             show(row.value, row.unit, row.scale), show(row.stable, row.unit, row.scale),
             row.threshold, _detail(row)) for row in verdict.criteria]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r[:5], widths)) + "  " + r[5]
             for r in [head, *body]]
    lines = [line.rstrip() for line in lines]
    lines.append("")
    lines.append(f"stage {verdict.stage} ({verdict.traffic_percent:g}% traffic), window "
                 f"{iso(verdict.start)} – {iso(verdict.end)}: {verdict.decision.upper()}")
    lines.extend(f"  - {reason}" for reason in verdict.reasons)
    lines.extend(f"  ! {warning}" for warning in verdict.warnings)
    return "\n".join(lines)


def _detail(row: CriterionResult) -> str:
    if row.status not in ("pass", "fail") or row.kind == "requests":
        return row.reason
    if row.kind == "threshold" or row.p_value is None:
        named = row.series and row.status == "fail"
        return f"n={row.canary_samples}" + (f", {row.series}" if named else "")
    drift = "n/a" if row.drift_percent is None else f"{row.drift_percent:+.1f}%"
    if row.part == "recent":
        return (f"recent drift {drift}, one-sided p={row.p_value:.2g} (against stable moved "
                f"by the bound), n={row.canary_samples}/{row.stable_samples}")
    effect = "n/a" if row.effect_percent is None else f"{row.effect_percent:+.1f}%"
    return (f"drift {drift}, HL shift {effect}, p={row.p_value:.2g}, "
            f"n={row.canary_samples}/{row.stable_samples}")
