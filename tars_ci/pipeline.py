"""Which stages are due, and running them.

A run (1) finds the day windows that have closed and settled but are not recorded
(catch-up), (2) fetches every series it needs from the source *before writing anything*, so
a source that goes down mid-run leaves no partial reports, (3) writes the anomaly events of
the fetched span, then computes each due day in order and writes its health report and then
its summary (the summary marks the day as recorded), and (4) once the last day is recorded,
writes the regression analysis and the retrospective. Every file is written atomically and
only when its bytes change, so a re-run with the same data changes nothing.

A run killed at any point is completed by the next one: a killed write leaves only its
temporary, which the next run removes; the anomaly events are written before the days they
cover are marked recorded; and a program whose end-of-program files are not all there is
finished again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np

from tars_ci.analysis import anomaly
from tars_ci.analysis.batch import fleet_episodes
from tars_ci.analysis.drift import Comparison, compare
from tars_ci.analysis.health import health_score
from tars_ci.analysis.kpis import Measurement, measure
from tars_ci.analysis.mitigation import mitigation_plan
from tars_ci.analysis.priority import Finding, findings_for_day
from tars_ci.analysis.rollback import DayState, recommend
from tars_ci.analysis.series import clip, stack, window_slice
from tars_ci.analysis.slo import SloDay, ratio_day, threshold_day
from tars_ci.errors import ReportError
from tars_ci.reports import documents
from tars_ci.reports.history import (
    as_recorded,
    load_anomalies,
    load_day,
    load_ga,
    load_history,
)
from tars_ci.reports.jsonio import normalise, remove_temporaries, write_json, write_text
from tars_ci.reports.paths import ReleasePaths
from tars_ci.sources.interface import Query, QueryResult, Source, window_grid
from tars_ci.spec.model import Spec
from tars_ci.timeline import DayWindow, closed_windows, day_window, due_windows, iso

log = logging.getLogger("tars_ci")

WriteFn = Callable[[str, Path, "Mapping[str, object] | str"], None]

ARTIFACTS = frozenset({"baseline", "stability", "health", "anomalies", "regression", "retro"})


class RunOptions(NamedTuple):
    """What a run should do; ``now`` is injected so any day can be replayed."""

    now: datetime
    force: bool = False
    days: frozenset[int] | None = None  # restrict to these days (manual dispatch)
    artifacts: frozenset[str] = ARTIFACTS  # stage commands write only their own file


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


class ProgramData(NamedTuple):
    """Every fetched series, raw and aligned on the program's grid."""

    grid: np.ndarray  # Unix seconds, from GA to the end of the last fetched day
    step: float
    results: dict[str, QueryResult]
    kpi_matrix: np.ndarray  # (KPIs, grid) in spec order, NaN where no sample


def queries(spec: Spec) -> list[Query]:
    """Every query of the spec: the KPIs, then the SLOs' good/total series."""
    out = [Query(k.name, k.query) for k in spec.kpis]
    for slo in spec.slos:
        if slo.ratio is not None:
            out.append(Query(f"slo:{slo.name}:good", slo.ratio.good))
            out.append(Query(f"slo:{slo.name}:total", slo.ratio.total))
    return out


def fetch(spec: Spec, source: Source, through_day: int) -> ProgramData:
    """Fetch days 0..``through_day`` in one range query per series."""
    start = spec.release.ga_time
    end = day_window(start, through_day).end
    step = spec.source.step
    log.info("fetching %d series, day 0 to day %d (%s to %s)", len(queries(spec)),
             through_day, iso(start), iso(end))
    results = source.range_query(queries(spec), start, end, step)
    grid = window_grid(start, end, step)
    matrix = stack(results, [k.name for k in spec.kpis], grid, step.total_seconds())
    return ProgramData(grid, step.total_seconds(), results, matrix)


# --------------------------------------------------------------------------- one day


def measure_day(spec: Spec, data: ProgramData, window: DayWindow) -> dict[str, Measurement]:
    """Each KPI's value for ``window``."""
    lo, hi = window.start.timestamp(), window.end.timestamp()
    expected = len(window_grid(window.start, window.end, spec.source.step))
    return {k.name: measure(k, clip(data.results.get(k.name, _missing(k.name)), lo, hi),
                            expected)
            for k in spec.kpis}


def slo_day(spec: Spec, data: ProgramData, window: DayWindow) -> dict[str, SloDay]:
    """Each SLO's SLI for ``window``."""
    span = window_slice(data.grid, window.start.timestamp(), window.end.timestamp())
    names = [k.name for k in spec.kpis]
    out: dict[str, SloDay] = {}
    for slo in spec.slos:
        if slo.ratio is not None:
            good, total = (stack(data.results, [f"slo:{slo.name}:{part}"], data.grid,
                                 data.step)[0][span] for part in ("good", "total"))
            out[slo.name] = ratio_day(window.day, good, total, slo=slo)
        elif slo.threshold is not None:
            row = data.kpi_matrix[names.index(slo.threshold.kpi)][span]
            out[slo.name] = threshold_day(window.day, row, max=slo.threshold.max,
                                          min=slo.threshold.min, slo=slo)
    return out


def _missing(name: str) -> QueryResult:
    from tars_ci.sources.interface import NoData

    return NoData(f"the source returned nothing for {name}")


def bad_episodes_on(spec: Spec, episodes: Sequence[anomaly.Episode], window: DayWindow) -> int:
    """Anomaly episodes in a KPI's bad direction that overlap ``window``."""
    better = {k.name: k.better for k in spec.kpis}
    lo, hi = window.start.timestamp(), window.end.timestamp()
    count = 0
    for e in episodes:
        bad = (better.get(e.kpi) == "lower") == (e.direction == "up")
        if bad and e.start < hi and e.end >= lo:
            count += 1
    return count


# --------------------------------------------------------------------------- the run


def detect_anomalies(spec: Spec, data: ProgramData) -> list[anomaly.Episode]:
    """EWMA + z-score episodes over every KPI series of the fetched span."""
    # in blocks of rows on every core, keeping only the episodes: bounded memory for fleets
    return fleet_episodes([k.name for k in spec.kpis], data.grid, data.kpi_matrix,
                          spec.thresholds.anomaly, data.step)


def run_program(spec: Spec, source: Source, reports_dir: Path, options: RunOptions) -> RunResult:
    """Process every due day of the program (see the module docstring)."""
    paths = ReleasePaths.under(reports_dir, spec.release.release_slug)
    paths.check_real_directories()
    for leftover in remove_temporaries(paths.root):
        log.warning("removed %s, left by an interrupted write", leftover)
    release = spec.release
    settle = spec.schedule.settle
    recorded = paths.recorded_days()
    due = due_windows(release.ga_time, release.days, options.now, settle, recorded,
                      force=options.force, only=options.days)
    closed = closed_windows(release.ga_time, release.days, options.now, settle)
    complete = bool(closed) and closed[-1].day == release.days
    written: list[Path] = []
    write = _writer(options.artifacts, written)

    if not due:
        log.info("nothing due at %s (recorded days: %s)", iso(options.now),
                 ", ".join(map(str, sorted(recorded))) or "none")
        retro = False
        if complete and release.days in recorded and not _finished(paths):
            retro = _finish(spec, paths, write)
        return RunResult(paths.root, (), (), tuple(written), retro, complete)

    through = max([w.day for w in due] + [d for d in recorded if d <= closed[-1].day])
    data = fetch(spec, source, through)
    episodes = detect_anomalies(spec, data)

    ga = load_ga(paths) if 0 not in {w.day for w in due} else None
    baseline = (ga.measurements if ga is not None else
                {k: as_recorded(m) for k, m in
                 measure_day(spec, data, day_window(release.ga_time, 0)).items()})
    states: dict[int, DayState] = {}
    for day in sorted(d for d in recorded if d > 0):
        rec = load_day(paths, day)
        states[day] = DayState(day, rec.health_score, rec.comparisons)

    # Before any day is marked recorded: a run that finds every day recorded must find the
    # events covering them (the retrospective reads them back).
    write("anomalies", paths.anomalies, documents.anomalies_document(
        spec, through, [e for e in episodes if e.start < day_window(release.ga_time,
                                                                    through).end.timestamp()]))
    outcomes = []
    for window in due:
        if window.day == 0:
            write("baseline", paths.ga_summary,
                  documents.ga_document(spec, window, baseline, slo_day(spec, data, window)))
            log.info("day 0: baseline of %d KPIs recorded", len(baseline))
            continue
        outcome, state = _process_day(spec, data, window, baseline, states, episodes, paths,
                                      write)
        states[window.day] = state
        outcomes.append(outcome)

    retro = False
    if complete and (release.days in paths.recorded_days()):
        retro = _finish(spec, paths, write)
    return RunResult(paths.root, tuple(w.day for w in due), tuple(outcomes), tuple(written),
                     retro, complete)


def _process_day(spec: Spec, data: ProgramData, window: DayWindow,
                 baseline: Mapping[str, Measurement], states: Mapping[int, DayState],
                 episodes: Sequence[anomaly.Episode], paths: ReleasePaths,
                 write: WriteFn) -> tuple[DayOutcome, DayState]:
    measurements = measure_day(spec, data, window)
    comparisons: dict[str, Comparison] = {
        k.name: compare(k, measurements[k.name], baseline[k.name], spec.thresholds.drift)
        for k in spec.kpis}
    findings = tuple(findings_for_day(window.day, spec, comparisons))
    n_episodes = bad_episodes_on(spec, episodes, window)
    health = health_score(window.day, spec.kpis, comparisons, n_episodes,
                          spec.thresholds.health, bands=spec.priorities.bands)
    state = DayState(window.day, as_recorded_score(health.score),
                     {k: as_recorded(c) for k, c in comparisons.items()})
    history = [states[d] for d in sorted(states) if d < window.day] + [state]
    rollback = recommend(history, spec)
    plan = mitigation_plan(findings, spec)
    slo = slo_day(spec, data, window)
    write("health", paths.health(window.day),
          documents.health_document(spec, window, health, findings, plan, rollback))
    write("stability", paths.day_summary(window.day),
          documents.day_document(spec, window, measurements, comparisons, findings, rollback,
                                 health, n_episodes, slo))
    log.info("day %d: health %.1f (%s), %d finding(s), %d anomaly episode(s), %s",
             window.day, health.score, health.band, len(findings), n_episodes,
             rollback.decision)
    return DayOutcome(window.day, health.score, health.band, rollback.decision, findings), state


def finish_program(spec: Spec, reports_dir: Path,
                   artifacts: frozenset[str] = frozenset({"regression", "retro"})) -> list[Path]:
    """(Re)write the regression analysis and retrospective from the recorded history."""
    paths = ReleasePaths.under(reports_dir, spec.release.release_slug)
    paths.check_real_directories()
    if spec.release.days not in paths.recorded_days():
        raise ReportError(f"day {spec.release.days} of {spec.release.name} is not recorded "
                          f"in {paths.root}: run the program first")
    written: list[Path] = []
    _finish(spec, paths, _writer(artifacts, written))
    return written


def _writer(artifacts: frozenset[str], written: list[Path]) -> WriteFn:
    """A ``write(artifact, path, doc)`` that writes only ``artifacts`` (atomically, and only
    when the bytes change) and appends each changed path to ``written``."""
    def write(artifact: str, path: Path, doc: Mapping[str, object] | str) -> None:
        if artifact in artifacts and (write_text(path, doc) if isinstance(doc, str)
                                      else write_json(path, doc)):
            written.append(path)
    return write


def as_recorded_score(score: float) -> float:
    """A health score as the history stores it."""
    return float(normalise(float(score)))


def _finished(paths: ReleasePaths) -> bool:
    """Whether every end-of-program file exists (a killed run may have written only some)."""
    return all(p.is_file() for p in (paths.regression, paths.retro_json, paths.retro_md))


def _finish(spec: Spec, paths: ReleasePaths, write: WriteFn) -> bool:
    """Regression analysis and retrospective from the recorded history."""
    from tars_ci.reports import retro

    history = load_history(paths)
    anomalies = load_anomalies(paths)
    regression_doc, retro_doc, markdown = retro.build(spec, history, anomalies)
    write("regression", paths.regression, regression_doc)
    write("retro", paths.retro_json, retro_doc)
    write("retro", paths.retro_md, markdown)
    log.info("day %d recorded: regression analysis and retrospective in %s",
             spec.release.days, paths.retro_md.parent)
    return True
