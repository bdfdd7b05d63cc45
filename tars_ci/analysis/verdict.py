"""The program verdict: one answer for the whole week, from the sequence of recorded days.

Each day brings its rollback decision, its findings (with priorities), its health and the bad
drift of every KPI (:class:`VerdictDay`; the history store maps a recorded day onto it). A
**regression** is a ``degradation`` or ``slo_burn`` finding at P1 or more urgent; a **bad
day** is one whose decision is rollback-class or that has such a regression. The verdict, in
order:

1. ``immediate_rollback`` / ``rollback`` — the last day's decision is rollback-class, or a
   P0/P1 regression is still present on the last day (P0 → immediate): such a week can never
   end as ``monitor``, whatever the last day's decision tree said.
2. ``insufficient_data`` — the last day's health is ``insufficient_data``, or it has a P0/P1
   ``no_data`` / ``query_error`` finding (a critical KPI or an SLO it could not judge):
   nobody can claim the release recovered, or is fine, on a day without the data to judge it.
3. ``recovered`` — an earlier day was bad and the days since are not: "rollback recommended
   on days 2–3; recovered from day 4".
4. ``monitor`` — no bad day at all.

Every change of decision between consecutive recorded days is explained in one sentence
(which rules started or stopped firing, with the first reason), so an executive summary can
say why day 5's ``immediate_rollback`` became day 6's ``monitor``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Literal, NamedTuple

from tars_ci.analysis.drift import Comparison, format_drift_word
from tars_ci.analysis.findings import Finding
from tars_ci.analysis.rollback import Decision, Rollback
from tars_ci.spec import levels
from tars_ci.spec.model import Better, Priority

Verdict = Literal["immediate_rollback", "rollback", "insufficient_data", "recovered", "monitor"]

ROLLBACK_CLASS: frozenset[str] = frozenset({"immediate_rollback", "rollback"})
REGRESSION_KINDS: frozenset[str] = frozenset({"degradation", "slo_burn"})
_WORDS = {"immediate_rollback": "immediate rollback", "rollback": "rollback",
          "monitor": "monitor"}


class VerdictDay(NamedTuple):
    """What the program verdict needs of one recorded day."""

    day: int
    decision: Decision
    findings: tuple[Finding, ...]
    health_score: float | None
    health_band: str | None
    bad_drift: Mapping[str, float | None]  # KPI → bad drift % (None without data)
    rules: tuple[str, ...] = ()  # rollback rules that fired
    reasons: tuple[str, ...] = ()  # the rollback recommendation's reasons
    drift: Mapping[str, float | None] = {}  # KPI → signed drift % (bad drift when absent)


class DecisionChange(NamedTuple):
    """A day whose decision differs from the recorded day before it."""

    day: int
    before: Decision
    after: Decision
    sentence: str
    started: tuple[str, ...] = ()  # rollback rules that fired on ``day`` and not the day before
    stopped: tuple[str, ...] = ()  # rollback rules that fired the day before and not on ``day``
    cleared: tuple[str, ...] = ()  # ids of the day before's P0/P1 regressions gone on ``day``


class ProgramVerdict(NamedTuple):
    """The week's verdict and its explanation."""

    verdict: Verdict
    headline: str  # "rollback recommended on days 2–3; recovered from day 4"
    last_day: int
    rollback_days: tuple[int, ...]  # days whose decision was rollback-class
    bad_days: tuple[int, ...]  # rollback-class or with a P0/P1 regression
    recovered_from: int | None
    open_regressions: tuple[str, ...]  # ids of P0/P1 regressions present on the last day
    changes: tuple[DecisionChange, ...]
    reasons: tuple[str, ...]


def verdict_day(day: int, rollback: Rollback, findings: Sequence[Finding],
                health_score: float | None, health_band: str | None,
                comparisons: Mapping[str, Comparison]) -> VerdictDay:
    """A :class:`VerdictDay` from one day's analysis records (or their recorded copies)."""
    return VerdictDay(day, rollback.decision, tuple(findings), health_score, health_band,
                      {k: c.bad_drift_percent for k, c in comparisons.items()},
                      tuple(rollback.rules), tuple(rollback.reasons),
                      {k: c.drift_percent for k, c in comparisons.items()})


def regressions(day: VerdictDay) -> tuple[Finding, ...]:
    """The day's P0/P1 regressions (degradation or slo_burn findings), most urgent first."""
    found = [f for f in day.findings
             if f.kind in REGRESSION_KINDS and levels.at_least_as_urgent(f.priority, "P1")]
    return tuple(sorted(found, key=lambda f: (levels.priority_rank(f.priority), f.id)))


def program_verdict(days: Sequence[VerdictDay]) -> ProgramVerdict:
    """The verdict over ``days`` (recorded days 1..N in ascending order; gaps allowed)."""
    if not days:
        raise ValueError("program_verdict needs at least one recorded day")
    numbers = [d.day for d in days]
    if any(a >= b for a, b in pairwise(numbers)):
        raise ValueError(f"days must be strictly ascending, got {numbers}")
    last = days[-1]
    rollback_days = tuple(d.day for d in days if d.decision in ROLLBACK_CLASS)
    bad_days = tuple(d.day for d in days if d.decision in ROLLBACK_CLASS or regressions(d))
    still = regressions(last)
    changes = tuple(_change(a, b) for a, b in pairwise(days) if a.decision != b.decision)
    history = (f"rollback recommended on {_days(rollback_days)}" if rollback_days else "")
    reasons: list[str] = []
    verdict: Verdict
    recovered: int | None = None
    if last.decision in ROLLBACK_CLASS or still:
        urgent = any(f.priority == "P0" for f in still)
        verdict = ("immediate_rollback" if last.decision == "immediate_rollback" or urgent
                   else "rollback")
        reasons += [f"{f.title} ({f.priority}) is still present on day {last.day}"
                    for f in still]
        if last.decision in ROLLBACK_CLASS:
            reasons[:0] = [f"day {last.day} recommends {_WORDS[last.decision]}: "
                           f"{_first(last.reasons)}"]
            headline = f"{_WORDS[verdict]}: {history or 'recommended'}, still on day {last.day}"
        else:
            headline = (f"{_WORDS[verdict]}: {_count(still)} still present on day {last.day} "
                        f"although its decision tree says {_WORDS[last.decision]}")
    elif last.health_band == "insufficient_data" or blind(last):
        verdict = "insufficient_data"
        headline = (f"insufficient data: day {last.day} lacks the data for a verdict"
                    + (f"; {history}" if history else ""))
        if last.health_band == "insufficient_data":
            reasons.append(f"day {last.day}'s health is insufficient_data: its critical KPIs' "
                           f"coverage is too low to call the release recovered or fine")
        reasons += [f"{f.title} ({f.priority})" for f in blind(last)]
    elif bad_days:
        verdict = "recovered"
        recovered = _next_day(numbers, bad_days[-1])
        what = history or f"P0/P1 regressions on {_days(bad_days)}"
        headline = f"{what}; recovered from day {recovered}"
        reasons += _recoveries(days, bad_days[-1], last)
    else:
        verdict = "monitor"
        headline = (f"monitor: no rollback recommended and no P0/P1 regression on any of "
                    f"{_days(numbers)}")
    return ProgramVerdict(verdict, headline, last.day, rollback_days, bad_days, recovered,
                          tuple(f.id for f in still), changes, tuple(reasons))


def blind(day: VerdictDay) -> tuple[Finding, ...]:
    """The day's P0/P1 findings that say it could not be judged: a critical KPI or an SLO
    without data, or a query the source refused."""
    return tuple(f for f in day.findings if f.kind in ("no_data", "query_error")
                 and levels.at_least_as_urgent(f.priority, "P1"))


def _change(before: VerdictDay, after: VerdictDay) -> DecisionChange:
    """One sentence: why ``after``'s decision differs from ``before``'s."""
    gap = (f" (after day {before.day}; the days between are not recorded)"
           if after.day != before.day + 1 else "")
    head = (f"Day {after.day}{gap}: {_WORDS[before.decision]} → {_WORDS[after.decision]}")
    started = tuple(r for r in after.rules if r not in before.rules)
    stopped = tuple(r for r in before.rules if r not in after.rules)
    cleared: list[Finding] = []
    if after.decision in ROLLBACK_CLASS and started:
        body = f"because {_list(started)} fired ({_first(after.reasons)})"
    elif after.decision in ROLLBACK_CLASS:
        body = f"because {_list(after.rules) or 'its rules'} fired ({_first(after.reasons)})"
    else:
        cleared = [f for f in regressions(before)
                   if f.id not in {g.id for g in after.findings}]
        body = f"because {_list(stopped) or 'the rules of day ' + str(before.day)} no longer fired"
        if cleared:
            body += (f" and {_count(cleared)} of day {before.day} cleared ("
                     + "; ".join(_cleared(f, before, after) for f in cleared) + ")")
    return DecisionChange(after.day, before.decision, after.decision, f"{head} {body}.",
                          started, stopped, tuple(f.id for f in cleared))


def _cleared(finding: Finding, before: VerdictDay, after: VerdictDay) -> str:
    """``p99 +1.0% (worse) on day 4, was +37.5% (worse)``-style note for a cleared
    regression: its KPI's recorded drift on both days, read in the KPI's bad direction; an
    SLO by its burn-rate alerts (an SLO may share its name with a KPI: its drift is not the
    SLO's)."""
    if finding.kind == "slo_burn":
        peak = f", was up to {finding.value:.1f}×" if finding.value is not None else ""
        return f"SLO {finding.kpi}: no burn-rate alert on day {after.day}{peak}"
    now, was = _drift_text(after, finding.kpi), _drift_text(before, finding.kpi)
    if now is None or was is None:
        return finding.title
    return f"{finding.kpi} {now} on day {after.day}, was {was}"


def _drift_text(day: VerdictDay, kpi: str) -> str | None:
    """The KPI's drift on ``day`` in its bad direction (``-1.0% (worse)``), or None."""
    bad = day.bad_drift.get(kpi)
    signed = day.drift.get(kpi, bad)
    if bad is None or signed is None:
        return None
    return format_drift_word(signed, _better(day, kpi) or "lower")


def _better(day: VerdictDay, kpi: str) -> Better | None:
    """The KPI's better direction, read from its drift and bad drift on ``day`` (the bad drift
    is the drift in the bad direction); None when the day cannot tell."""
    bad, signed = day.bad_drift.get(kpi), day.drift.get(kpi)
    if bad is None or signed is None or signed == 0:
        return None
    return "lower" if (signed > 0) == (bad > 0) else "higher"


def _recoveries(days: Sequence[VerdictDay], last_bad: int, last: VerdictDay) -> list[str]:
    """What cleared after the last bad day, with how it reads on the last day."""
    out = []
    bad = next(d for d in days if d.day == last_bad)
    for f in regressions(bad):
        tail = _on_last_day(f, last)
        out.append(f"{f.title} ({f.priority}) cleared{'; ' + tail if tail else ''}")
    if bad.decision in ROLLBACK_CLASS:
        out.insert(0, f"day {last_bad} recommended {_WORDS[bad.decision]}: "
                      f"{_first(bad.reasons)}")
    return out


def _on_last_day(finding: Finding, last: VerdictDay) -> str:
    """A cleared regression on the last day: the KPI's drift, or whether the SLO's
    burn-rate alerts still fire (below P1); empty when there is nothing to say."""
    if finding.kind == "slo_burn":
        still = next((g for g in last.findings if g.id == finding.id), None)
        return (f"no burn-rate alert on day {last.day}" if still is None
                else f"a {still.priority} burn-rate alert still fired on day {last.day}")
    now = _drift_text(last, finding.kpi)
    return f"{finding.kpi} {now} on day {last.day}" if now is not None else ""


def _next_day(numbers: Sequence[int], day: int) -> int:
    """The first recorded day after ``day`` (day + 1 when none is recorded yet)."""
    return next((n for n in numbers if n > day), day + 1)


def _first(reasons: Sequence[str]) -> str:
    return reasons[0] if reasons else "no reason recorded"


def _list(items: Sequence[str]) -> str:
    return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else "".join(items)


def _count(findings: Sequence[Finding]) -> str:
    n = len(findings)
    return f"{n} P0/P1 regression{'s' if n != 1 else ''}"


def _days(days: Sequence[int]) -> str:
    """``day 2``, ``days 2–3``, ``days 2–3 and 5``."""
    runs: list[tuple[int, int]] = []
    for d in days:
        if runs and d == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    parts = [f"{a}" if a == b else f"{a}–{b}" for a, b in runs]
    word = "day" if len(days) == 1 else "days"
    return f"{word} {_list(parts)}"


def failing(day: int, findings: Sequence[Finding], decision: str, fail_level: Priority,
            fail_on_rollback: bool = True) -> tuple[str, ...]:
    """Why a processed day fails the CI job (exit 1): each finding at or above
    ``fail_level``, and a rollback-class decision when ``fail_on_rollback``. Empty: it
    passes. The exit code, the job summary, the annotations and the step outputs all come
    from this one function."""
    out = [f"day {day}: {f.priority} {f.title}" for f in findings
           if levels.at_least_as_urgent(f.priority, fail_level)]
    if fail_on_rollback and decision in ("rollback", "immediate_rollback"):
        out.insert(0, f"day {day}: {decision.replace('_', ' ')} recommended")
    return tuple(out)
