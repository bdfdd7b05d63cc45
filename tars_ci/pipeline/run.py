"""Step 4 of a run: which days are due, and persisting them through the history store.

A run (1) finds the day windows that have closed and settled but are not recorded
(catch-up), (2) fetches every series it needs *before writing anything*, (3) judges each due
day in order against the recorded baseline and the days before it, (4) writes the anomaly
events, then each day's health report and summary (the summary marks the day recorded), and
(5) once the last day is recorded, the regression analysis and the retrospective. Every file
is written atomically and only when its bytes change, so a re-run with the same data changes
nothing.

Recorded data is never replaced by less: a day (or the baseline) recomputed with ``--force``
whose source data has gone (retention) keeps its recorded file, and the run says so. A day
asked for by ``--day`` that is already recorded is recomputed and compared: without
``--force`` the run prints what would change and writes nothing.

A run killed at any point is completed by the next one: a killed write leaves only its
temporary, which the next run removes; the anomaly events are written before the days they
cover are marked recorded; and a program whose end-of-program files are not all there is
finished again.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import datetime
from pathlib import Path
from typing import NamedTuple, TypeVar

from tars_ci.analysis import anomaly
from tars_ci.analysis.findings import Finding
from tars_ci.errors import ReportError, UsageError
from tars_ci.pipeline.fetch import detect_anomalies, fetch
from tars_ci.pipeline.judge import (
    DayResult,
    add_late_baselines,
    coverage_of,
    data_lost,
    differences,
    judge_baseline,
    judge_day,
)
from tars_ci.pipeline.program import judge_program
from tars_ci.reports import documents, retro
from tars_ci.reports.records import (
    AnomalyEvents,
    DaySummary,
    EpisodeEntry,
    GaSummary,
    replace,
)
from tars_ci.reports.store import History, HistoryStore, RecordedDay
from tars_ci.sources.interface import Source
from tars_ci.spec.model import Spec
from tars_ci.timeline import closed_windows, day_window, iso

log = logging.getLogger("tars_ci")

Rec = TypeVar("Rec", GaSummary, DaySummary)

class RunOptions(NamedTuple):
    """What a run should do; ``now`` is injected so any day can be replayed."""

    now: datetime
    force: bool = False
    days: frozenset[int] | None = None  # only these days (manual dispatch)
    rebaseline: bool = False  # accept the spec's release identity over the recorded one
    baseline: GaSummary | None = None  # judge against this baseline instead of the recorded
    baseline_file: str = ""  # where ``baseline`` came from (recorded in each day's provenance)


class DayOutcome(NamedTuple):
    """What one processed day concluded."""

    day: int
    health_score: float | None
    health_band: str | None
    decision: str
    findings: tuple[Finding, ...]


class RunResult(NamedTuple):
    """What a run did."""

    release_dir: Path
    days_processed: tuple[int, ...]
    outcomes: tuple[DayOutcome, ...]
    written: tuple[Path, ...]
    retro_written: bool
    complete: bool
    notes: tuple[str, ...] = ()  # kept days, previews, why nothing was due
    retro_path: Path | None = None


def store_for(spec: Spec, reports_dir: Path) -> HistoryStore:
    """The history store of the spec's release."""
    return HistoryStore(reports_dir, documents.release_block(spec))


def outcome_of(summary: DaySummary) -> DayOutcome:
    """A recorded day as a run outcome."""
    return DayOutcome(summary.day, summary.health_score, summary.health_band,
                      summary.rollback_recommendation.decision, summary.findings)


def run_program(spec: Spec, source: Source, reports_dir: Path, options: RunOptions) -> RunResult:
    """Process every due day of the program (see the module docstring)."""
    store = store_for(spec, reports_dir)
    store.prepare()
    release = spec.release
    notes: list[str] = []
    if options.rebaseline:
        notes += rebaseline(store, options.now)
    asked = _asked_days(spec, options)
    closed = closed_windows(release.ga_time, release.days, options.now, spec.schedule.settle)
    complete = bool(closed) and closed[-1].day == release.days
    recorded = store.recorded_days()
    wanted = [w for w in closed if (asked is None or w.day in asked)
              and (w.day not in recorded or options.force or asked is not None)]
    if asked is not None:
        notes += [nothing_due(spec, options.now, recorded, [d]) for d in sorted(asked)
                  if d > (closed[-1].day if closed else -1)]
        if wanted and 0 not in recorded and wanted[0].day != 0:
            wanted.insert(0, day_window(release.ga_time, 0))  # a day needs its baseline
    written: list[Path] = []

    if not wanted:
        if asked is None:
            notes.append(nothing_due(spec, options.now, recorded, None))
        history = store.load()  # a history that cannot be read is said now, not later
        retro_written = False
        if complete and release.days in recorded and not store.outputs_complete():
            written += finish(spec, store, history)
            retro_written = True
        return RunResult(store.root, (), (), tuple(written), retro_written, complete, tuple(notes),
                         store.paths.retro_md)

    # A day that is re-judged is read only to be compared with: if its files are unreadable
    # they are rewritten without being read (the repair a ReportError advises).
    history = store.load(tolerate={w.day for w in wanted})
    through = max([w.day for w in wanted] + [d for d in recorded if d <= closed[-1].day])
    data = fetch(spec, source, through)
    episodes = detect_anomalies(spec, data)

    ga, ga_changed = history.ga, False
    if wanted[0].day == 0:
        ga, ga_changed = _settle(0, ga, judge_baseline(spec, data, wanted[0]), options, notes)
    if ga is None:
        raise ReportError(f"day 0 of {release.name} is not recorded in {store.root}: the "
                          f"baseline is needed to judge any later day")
    ga, late = add_late_baselines(spec, ga, data, options.now)
    notes += late
    ga_changed = ga_changed or bool(late)
    judge_with, baseline_file = ga, store.paths.ga_summary.relative_to(store.root).as_posix()
    if options.baseline is not None:
        judge_with, baseline_file = options.baseline, options.baseline_file

    summaries = {d: r.summary for d, r in history.days.items()}
    results: dict[int, DayResult] = {}
    for w in wanted:
        if w.day == 0:
            continue
        fresh = judge_day(spec, data, w, judge_with, list(summaries.values()), episodes,
                          baseline_file)
        old = history.days.get(w.day)
        _, write = _settle(w.day, old.summary if old else None, fresh.summary, options,
                             notes)
        if write:
            results[w.day] = fresh
            summaries[w.day] = fresh.summary

    rewritten = set(results) | ({0} if ga_changed else set())
    fresh_days = rewritten | {d for d in range(through + 1) if d not in recorded}
    if fresh_days:  # a preview that writes no day leaves the recorded episodes alone
        written += store.write_anomalies(_merged_events(spec, history, episodes, through,
                                                        fresh_days))
    if ga_changed:
        written += store.write_ga(ga)
        log.info("day 0: baseline of %d KPIs recorded", len(ga.kpis))
    for day in sorted(results):
        summary = results[day].summary
        written += store.write_day(summary, results[day].health)
        log.info("day %d: health %s (%s), %d finding(s), %d anomaly episode(s), %s", day,
                 "n/a" if summary.health_score is None else f"{summary.health_score:.1f}",
                 summary.health_band, len(summary.findings), summary.anomaly_episodes,
                 summary.rollback_recommendation.decision)
    judged = tuple(w.day for w in wanted)
    outcomes = tuple(outcome_of(summaries[d]) for d in judged if d > 0 and d in summaries)

    retro_written = False
    if complete and release.days in store.recorded_days():
        written += finish(spec, store, store.load())
        retro_written = True
    return RunResult(store.root, judged, outcomes, tuple(written), retro_written, complete,
                     tuple(notes), store.paths.retro_md)


def _asked_days(spec: Spec, options: RunOptions) -> set[int] | None:
    """``--day`` values, checked against the program's length."""
    if options.days is None:
        return None
    outside = sorted(d for d in options.days if not 0 <= d <= spec.release.days)
    if outside:
        raise UsageError(f"day {outside[0]} is outside the program of {spec.release.name}: "
                         f"days 0–{spec.release.days} (day 0 is the GA-day baseline)")
    return set(options.days)


def _settle(day: int, recorded: Rec | None, fresh: Rec, options: RunOptions,
            notes: list[str]) -> tuple[Rec, bool]:
    """Whether ``fresh`` replaces ``recorded``: (the record to use, write it?)."""
    if recorded is None:
        return fresh, True
    lost = data_lost(coverage_of(recorded), coverage_of(fresh))
    if lost:
        notes.append(f"day {day}: kept the recorded day: recomputing it now has less data "
                     f"({'; '.join(lost)}); the source's retention has probably passed it")
        return recorded, False
    changes = differences(recorded, fresh)
    if not changes:
        return recorded, False
    if not options.force:
        notes.append(f"day {day} is recorded; recomputing it would change "
                     f"{len(changes)} field(s) (run with --force to write them):\n  "
                     + "\n  ".join(changes))
        return recorded, False
    notes.append(f"day {day}: rewritten (--force): " + "; ".join(changes[:3])
                 + ("; …" if len(changes) > 3 else ""))
    return fresh, True


def _merged_events(spec: Spec, history: History, episodes: Sequence[anomaly.Episode],
                   through: int, fresh_days: Collection[int]) -> AnomalyEvents:
    """Fresh episodes for ``fresh_days``; the recorded episodes of every other day, kept
    as they are (their source data may be gone)."""
    ga_time = spec.release.ga_time
    end = day_window(ga_time, through).end.timestamp()
    fresh = [documents.episode_entry(spec, e, ga_time) for e in episodes if e.start < end]
    fresh = [e for e in fresh if e.day in fresh_days or e.day > through]
    old: list[EpisodeEntry] = []
    if history.anomalies is not None:
        old = [e for e in history.anomalies.episodes if e.day not in fresh_days]
    through_day = max(through, history.anomalies.through_day if history.anomalies else 0)
    return documents.anomaly_events(spec, through_day, [*old, *fresh])


def finish(spec: Spec, store: HistoryStore, history: History) -> list[Path]:
    """Write the regression analysis and retrospective from ``history``."""
    regression, retro_doc, markdown = retro.build(spec, history, judge_program(spec, history))
    written = store.write_outputs(regression, retro_doc, markdown)
    log.info("day %d recorded: regression analysis and retrospective in %s",
             spec.release.days, store.paths.retro_md.parent)
    return written


def finish_program(spec: Spec, reports_dir: Path) -> list[Path]:
    """(Re)write the regression analysis and retrospective from the recorded history."""
    store = store_for(spec, reports_dir)
    store.prepare()
    if spec.release.days not in store.recorded_days():
        raise ReportError(f"day {spec.release.days} of {spec.release.name} is not recorded "
                          f"in {store.root}: run the program first")
    return finish(spec, store, store.load())


def nothing_due(spec: Spec, now: datetime, recorded: Collection[int],
                asked: Collection[int] | None) -> str:
    """Why a run has nothing to do, and when it will."""
    release, settle = spec.release, spec.schedule.settle
    if now < release.ga_time:
        first = day_window(release.ga_time, 0).end + settle
        return (f"the program of {release.name} starts at GA {iso(release.ga_time)}; day 0 "
                f"(the baseline) is due from {iso(first)}")
    pending = sorted(asked) if asked else [d for d in range(release.days + 1)
                                           if d not in recorded]
    if not pending:
        return f"program complete: days 0–{release.days} are recorded"
    window = day_window(release.ga_time, pending[0])
    due = window.end + settle
    if due > now:
        return (f"day {pending[0]} closes at {iso(window.end)} and is due from {iso(due)} "
                f"(settle {_duration(settle.total_seconds())}); nothing to do yet")
    return f"every closed day is recorded (days {', '.join(map(str, sorted(recorded)))})"


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes}m" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}m"


def rebaseline(store: HistoryStore, now: datetime) -> list[str]:
    """Accept the spec's release over the recorded one (``--rebaseline``)."""
    got = store.recorded_identity()
    want = store.release
    if got is None or got == want:
        return ["--rebaseline: the recorded history already matches the spec; nothing to do"]
    if (got.name, got.slug, got.ga_time) == (want.name, want.slug, want.ga_time):
        keep = min(got.days, want.days)
        label = f"{got.days}-day-{iso(now).replace(':', '')}"
        moved = store.archive(label, keep_days=keep)
        history = store.load(skip=range(keep + 1, got.days + 1), check=False)
        if history.ga is not None:
            store.write_ga(replace(history.ga, release=want))
        return [f"--rebaseline: the program is now {want.days} days; days 0–{keep} are kept, "
                f"{len(moved)} file(s) of the {got.days}-day program moved to "
                f"{store.root / 'archive' / label}"]
    label = f"ga-{got.ga_time.replace(':', '').replace('-', '')}"
    moved = store.archive(label)
    return [f"--rebaseline: the history recorded with GA {got.ga_time} ({len(moved)} file(s)) "
            f"moved to {store.root / 'archive' / label}; the program starts again from GA "
            f"{want.ga_time}"]


__all__ = ["DayOutcome", "RecordedDay", "RunOptions", "RunResult", "finish_program",
           "outcome_of", "run_program", "store_for"]
