"""What a run shows in GitHub Actions: the job summary, annotations and step outputs.

:func:`build` reads a release's recorded history (through the
:class:`~tars_ci.reports.store.HistoryStore`, like every reader of ``reports/``) and the
days this run processed, and returns an :class:`ActionsReport`. :func:`append_to_files`
appends it to the files Actions names in ``GITHUB_STEP_SUMMARY`` and ``GITHUB_OUTPUT`` — the
CLI reads those variables and passes the paths in; nothing here reads the environment.

The summary's result line, the annotations' levels, the ``result`` output and the exit code
come from one rule (:func:`tars_ci.analysis.verdict.failing`): a processed day fails on a
finding at or above ``priorities.fail_level`` or, with ``priorities.fail_on_rollback``, a
rollback recommendation.

Annotations cover the days this run processed (a catch-up run exits 1 for a P1 on an
earlier day, so that day's finding must be visible too; each finding once, at its newest
day). They follow GitHub's workflow-command rules: ``::error title=…::message`` for what
fails the job (findings at the fail level and, by default, the newest rollback
recommendation), ``::warning`` for other P0–P2 findings, at most
:data:`MAX_PER_LEVEL` of each (Actions shows no more than ten per level and step; the rest
are counted in one ``::notice``). Message data escapes ``%``, CR and LF; property values
also escape ``:`` and ``,``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from tars_ci.analysis.drift import format_drift
from tars_ci.analysis.findings import Finding
from tars_ci.analysis.kpis import format_value
from tars_ci.analysis.verdict import failing
from tars_ci.errors import ReportError
from tars_ci.reports.markdown import escape
from tars_ci.reports.records import DaySummary
from tars_ci.reports.store import History, HistoryStore
from tars_ci.spec import levels
from tars_ci.spec.model import PRIORITIES, Spec
from tars_ci.timeline import day_window

MAX_PER_LEVEL = 10
_DECISION = {"immediate_rollback": "immediate rollback", "rollback": "rollback",
             "monitor": "monitor"}


class ActionsReport(NamedTuple):
    """Everything a run hands to GitHub Actions."""

    summary: str                      # job-summary Markdown
    annotations: tuple[str, ...]      # workflow-command lines, printed to stdout
    outputs: Mapping[str, str]        # step outputs, by name


# --------------------------------------------------------------------------- escaping


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as the Actions toolkit does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (``title=…``), escaped."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, message: str, title: str = "") -> str:
    """One ``::error``/``::warning``/``::notice`` line."""
    props = f" title={escape_property(title)}" if title else ""
    return f"::{level}{props}::{escape_data(message)}"


# --------------------------------------------------------------------------- building


def build(spec: Spec, store: HistoryStore, processed: Sequence[int], *,
          complete: bool = False, dry_run: bool = False) -> ActionsReport:
    """The summary, annotations and outputs for a run that processed ``processed``.

    ``complete`` says the program's last day has closed; ``dry_run`` that publishing only
    printed its plan. ReportError when a recorded report cannot be read.
    """
    history = store.load()
    done = sorted(set(processed))
    latest = history.days[max(history.days)].summary if history.days else None
    newest_first = [history.days[d].summary for d in sorted(done, reverse=True)
                    if d in history.days]
    retro = store.paths.retro_md if store.paths.retro_md.is_file() else None
    fails = {d.day: day_failures(spec, d) for d in newest_first}
    return ActionsReport(
        summary=_summary(spec, retro, history, done, latest, complete, dry_run, fails),
        annotations=_annotations(spec, newest_first),
        outputs=_outputs(history, done, latest, complete, fails),
    )


def day_failures(spec: Spec, day: DaySummary) -> tuple[str, ...]:
    """Why a processed day fails the job (empty: it passes); the exit code's own rule."""
    return failing(day.day, day.findings, day.rollback_recommendation.decision,
                   spec.priorities.fail_level, spec.priorities.fail_on_rollback)


def _counts(findings: Sequence[Finding]) -> dict[str, int]:
    return {p: sum(1 for f in findings if f.priority == p) for p in PRIORITIES}


def _ranked(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (PRIORITIES.index(f.priority), f.id))


def _unit(spec: Spec, kpi: str) -> str:
    try:
        return spec.kpi(kpi).unit
    except KeyError:
        return ""


def _row(*cells: str) -> str:
    """One Markdown table row; an empty cell is written ``| |``."""
    return "|" + "|".join(f" {c} " if c else " " for c in cells) + "|"


def _summary(spec: Spec, retro: Path | None, history: History, done: list[int],
             latest: DaySummary | None, complete: bool, dry_run: bool,
             fails: Mapping[int, Sequence[str]]) -> str:
    release = spec.release
    lines = [f"## tars-ci · {escape(release.name)}", ""]
    recorded = sorted(history.days) if history.ga is None else [0, *sorted(history.days)]
    if done:
        lines.append(f"Processed in this run: {', '.join(f'day {d}' for d in done)}.")
    elif complete and release.days in recorded:
        lines.append(f"**Program complete**: days 0–{release.days} are recorded; this run "
                     f"wrote nothing.")
    else:
        lines.append("Nothing due: every day that has closed is already recorded.")
    if dry_run:
        lines.append("")
        lines.append("Dry run: the GitHub writes were printed as a plan, not made.")
    lines.append("")
    lines += _result(spec, done, fails)
    if latest is not None:
        counts = _counts(latest.findings)
        found = ", ".join(f"{n} {p}" for p, n in counts.items() if n) or "none"
        score = "n/a" if latest.health_score is None else f"{latest.health_score:.1f}/100"
        band = f" ({latest.health_band})" if latest.health_band else ""
        lines.append(f"**Health** {score}{band} on day {latest.day} · **Rollback** "
                     f"{_DECISION.get(latest.rollback_recommendation.decision, latest.rollback_recommendation.decision)}"
                     f" · **Findings** {found}")
        lines.append("")
    if recorded:
        lines += ["| Day | Date (UTC) | Health | Band | Rollback | P0 | P1 | P2 | P3 | Run |",
                  "|---:|---|---:|---|---|---:|---:|---:|---:|---|"]
        for day in recorded:
            date = f"{day_window(release.ga_time, day).start:%Y-%m-%d}"
            mark = "this run" if day in done else ""
            rec = history.days[day].summary if day in history.days else None
            if rec is None:
                lines.append(_row(str(day), date, "baseline", "", "", "", "", "", "", mark))
                continue
            c = _counts(rec.findings)
            score = "n/a" if rec.health_score is None else f"{rec.health_score:.1f}"
            lines.append(_row(str(day), date, score, rec.health_band or "n/a",
                              _DECISION.get(rec.rollback_recommendation.decision, rec.rollback_recommendation.decision),
                              *(str(c[p]) for p in PRIORITIES), mark))
        lines.append("")
    else:
        lines += ["No day is recorded yet.", ""]
    if latest is not None and latest.findings:
        lines += [f"### Findings on day {latest.day}", "",
                  "| Priority | Finding | Severity | Value | Baseline | Drift |",
                  "|---|---|---|---:|---:|---:|"]
        for f in _ranked(latest.findings):
            unit = _unit(spec, f.kpi)
            lines.append(f"| {f.priority} | {escape(f.title)} | {f.severity} | "
                         f"{escape(format_value(f.value, unit))} | "
                         f"{escape(format_value(f.baseline, unit))} | "
                         f"{format_drift(f.drift_percent)} |")
        lines.append("")
    if latest is not None and latest.rollback_recommendation.decision != "monitor":
        lines += [f"### Rollback recommended on day {latest.day}", ""]
        lines += [f"- {escape(reason)}" for reason in latest.rollback_recommendation.reasons]
        lines.append("")
    if retro is not None:
        lines += [f"The retrospective is in `{retro.as_posix()}`.", ""]
    return "\n".join(lines)


def _result(spec: Spec, done: Sequence[int], fails: Mapping[int, Sequence[str]]) -> list[str]:
    """The job's result and why, as the exit code has it."""
    reasons = [r for d in sorted(fails) for r in fails[d]]
    if reasons:
        lines = [f"**Result: failing** (the job exits 1): {len(reasons)} reason(s) on "
                 f"{_days(d for d in fails if fails[d])}.", ""]
        lines += [f"- {escape(r)}" for r in reasons[:MAX_PER_LEVEL]]
        if len(reasons) > MAX_PER_LEVEL:
            lines.append(f"- … and {len(reasons) - MAX_PER_LEVEL} more")
        return [*lines, ""]
    if not done:
        return []
    what = f"a finding at or above {spec.priorities.fail_level}"
    if spec.priorities.fail_on_rollback:
        what += " or a rollback recommendation"
    return [f"**Result: passing**: no processed day has {what}.", ""]


def _annotations(spec: Spec, processed: Sequence[DaySummary]) -> tuple[str, ...]:
    """Annotations for the days this run processed, newest first: the newest rollback
    recommendation, then each finding once (its newest day), most urgent first. What fails
    the job is an ``::error``; a P0–P2 finding that does not is a ``::warning``."""
    lines: dict[str, list[str]] = {"error": [], "warning": []}
    dropped = 0
    advised = next((d for d in processed if d.rollback_recommendation.decision != "monitor"),
                   None)
    if advised is not None:
        advice = advised.rollback_recommendation
        decision = _DECISION.get(advice.decision, advice.decision)
        level = "error" if spec.priorities.fail_on_rollback else "warning"
        lines[level].append(annotation(level, "; ".join(advice.reasons) or decision,
                                       title=f"Day {advised.day}: {decision} recommended"))
    fail_level = spec.priorities.fail_level
    seen: set[str] = set()
    for day in processed:
        for f in _ranked(day.findings):
            kind = ("error" if levels.at_least_as_urgent(f.priority, fail_level) else
                    "warning" if levels.at_least_as_urgent(f.priority, "P2") else None)
            if kind is None or f.id in seen:
                continue
            seen.add(f.id)
            if len(lines[kind]) >= MAX_PER_LEVEL:
                dropped += 1
                continue
            lines[kind].append(annotation(kind, f"{f.title}. {f.detail}".strip(),
                                          title=f"{f.priority} day {f.day}: {f.id}"))
    out = lines["error"] + lines["warning"]
    if dropped:
        out.append(annotation("notice", f"{dropped} more P0-P2 findings are not annotated; "
                                        f"see the job summary", title="More findings"))
    return tuple(out)


def _outputs(history: History, done: list[int], latest: DaySummary | None,
             complete: bool, fails: Mapping[int, Sequence[str]]) -> dict[str, str]:
    most_urgent = ""
    if latest is not None and latest.findings:
        most_urgent = _ranked(latest.findings)[0].priority
    score = latest.health_score if latest is not None else None
    return {
        "health_score": "" if score is None else f"{score:.1f}",
        "health_band": (latest.health_band or "") if latest is not None else "",
        "rollback": latest.rollback_recommendation.decision if latest is not None else "",
        "days_processed": json.dumps(done, separators=(",", ":")),
        "latest_day": "" if latest is None else str(latest.day),
        "max_priority": most_urgent,
        "program_complete": "true" if complete else "false",
        "result": "failing" if any(fails.values()) else "passing",
        "failing_days": json.dumps(sorted(d for d in fails if fails[d]),
                                   separators=(",", ":")),
    }


def _days(days: Iterable[int]) -> str:
    listed = sorted(days)
    return (f"day {listed[0]}" if len(listed) == 1
            else "days " + ", ".join(map(str, listed)))


# --------------------------------------------------------------------------- files


def _delimiter() -> str:
    return f"ghadelimiter_{secrets.token_hex(16)}"


def format_outputs(outputs: Mapping[str, str],
                   delimiter: Callable[[], str] = _delimiter) -> str:
    """``GITHUB_OUTPUT`` text: ``name=value`` lines, the heredoc form for multi-line values."""
    out = []
    for name, value in outputs.items():
        if "\n" not in value and "\r" not in value:
            out.append(f"{name}={value}\n")
            continue
        mark = delimiter()
        if mark in value:  # astronomically unlikely with a random token; never ambiguous
            raise ValueError(f"output {name!r} contains its delimiter")
        out.append(f"{name}<<{mark}\n{value}\n{mark}\n")
    return "".join(out)


def append_to_files(report: ActionsReport, *, summary_file: Path | None,
                    output_file: Path | None) -> None:
    """Append the summary to ``summary_file`` and the outputs to ``output_file`` (either
    may be None: the variable was not set)."""
    for path, text in ((summary_file, report.summary + "\n"),
                       (output_file, format_outputs(report.outputs))):
        if path is None:
            continue
        try:
            with path.open("a", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise ReportError(f"cannot append to {path}: {exc.strerror or exc}") from exc
