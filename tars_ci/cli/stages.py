"""The stage commands: ``baseline``, ``monitor``, ``anomalies``, ``health``, ``regression``,
``retro``. Each runs the same computation as ``run`` for the days it names and writes only its
own report, so a runbook can call the stages one by one."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

# command → (artifact it writes, needs --day)
STAGES: dict[str, tuple[str, bool]] = {
    "baseline": ("baseline", False),
    "monitor": ("stability", True),
    "anomalies": ("anomalies", False),
    "health": ("health", True),
    "regression": ("regression", False),
    "retro": ("retro", False),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of one stage command (which one: the parser's ``command_name`` default)."""
    from tars_ci.cli.common import add_run_arguments

    name = parser.get_default("command_name")
    add_run_arguments(parser, days=False)
    if STAGES[name][1]:
        parser.add_argument("--day", type=int, required=True, metavar="N",
                            help="program day (1..days)")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Run one stage, for every release ``--spec`` names."""
    from tars_ci.cli.releases import for_each_release

    return for_each_release(args, env, lambda a, e: run_stage(a.command_name, a, e))


def run_stage(name: str, args: argparse.Namespace, env: Mapping[str, str],
              spec_override: object = None) -> int:
    """Run the step stage ``name`` selects and print the file it is about.

    ``baseline``, ``monitor`` and ``health`` judge one day (its summary and health report
    are one record: they are written together, and the retrospective follows when the program
    is complete); ``anomalies`` detects the episodes of every closed day again (a day's
    health counts its episodes, so the days whose count changes are judged again too);
    ``regression`` and ``retro`` rebuild the end-of-program files from the recorded days. A
    recorded day that would change is shown, and written only with ``--force``.
    """
    from tars_ci.cli import EXIT_OK, common
    from tars_ci.errors import UsageError
    from tars_ci.pipeline import RunOptions, finish_program, run_program
    from tars_ci.pipeline.run import store_for
    from tars_ci.timeline import closed_windows

    spec, spec_dir = common.load(args, env)
    if spec_override is not None:
        spec = spec_override(spec)  # type: ignore[operator]
    artifact, needs_day = STAGES[name]
    reports = common.reports_dir(args, spec)
    paths = store_for(spec, reports).paths
    if name in ("regression", "retro"):
        finish_program(spec, reports)
        print(paths.regression if name == "regression" else paths.retro_md)
        return EXIT_OK
    now = common.parse_now(args.now)
    day = getattr(args, "day", None) or 0
    if needs_day and not 1 <= day <= spec.release.days:
        raise UsageError(f"--day must be between 1 and {spec.release.days}, got {day}")
    days = frozenset({day})
    if name == "anomalies":  # the recorded days, detected again
        recorded = store_for(spec, reports).recorded_days()
        days = frozenset(w.day for w in closed_windows(
            spec.release.ga_time, spec.release.days, now, spec.schedule.settle)
            if w.day in recorded)
        if not days:
            raise UsageError(f"no day of {spec.release.name} is recorded in {paths.root}: "
                             f"run `tars-ci run` (or `tars-ci baseline`) first")
    source = common.open_spec_source(spec, spec_dir)
    try:
        result = run_program(spec, source, reports, RunOptions(
            now=now, force=args.force, days=days,
            rebaseline=getattr(args, "rebaseline", False),
            baseline=getattr(args, "baseline", None),
            baseline_file=getattr(args, "baseline_file", "")))
    finally:
        source.close()
    for note in result.notes:
        print(note)
    if name == "anomalies" and result.days_processed:
        print(paths.anomalies)
        return EXIT_OK
    if day not in result.days_processed:
        raise UsageError(result.notes[-1] if result.notes else f"day {day} is not due")
    print(paths.ga_summary if artifact == "baseline" else
          paths.day_summary(day) if artifact == "stability" else paths.health(day))
    return EXIT_OK
