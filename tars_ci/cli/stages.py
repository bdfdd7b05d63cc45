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
    """Run one stage."""
    return run_stage(args.command_name, args, env)


def run_stage(name: str, args: argparse.Namespace, env: Mapping[str, str],
              spec_override: object = None) -> int:
    """Compute what stage ``name`` needs and write its report; print where it went."""
    from tars_ci.cli import EXIT_OK, common
    from tars_ci.errors import UsageError
    from tars_ci.pipeline import RunOptions, run_program
    from tars_ci.reports.paths import ReleasePaths
    from tars_ci.timeline import iso

    spec, spec_dir = common.load(args, env)
    if spec_override is not None:
        spec = spec_override(spec)  # type: ignore[operator]
    artifact, needs_day = STAGES[name]
    reports = common.reports_dir(args, spec)
    paths = ReleasePaths.under(reports, spec.release.release_slug)
    if name in ("regression", "retro"):
        from tars_ci.pipeline import finish_program

        finish_program(spec, reports, frozenset({artifact}))
        print(paths.regression if name == "regression" else paths.retro_md)
        return EXIT_OK
    now = common.parse_now(args.now)
    day = getattr(args, "day", None) or 0
    if needs_day and not 1 <= day <= spec.release.days:
        raise UsageError(f"--day must be between 1 and {spec.release.days}, got {day}")
    days = frozenset({0}) if name == "baseline" else frozenset({day}) if needs_day else None
    source = common.open_spec_source(spec, spec_dir)
    try:
        # a stage re-derives its own report from every closed day; it writes nothing else
        result = run_program(spec, source, reports, RunOptions(
            now=now, force=True, days=days, artifacts=frozenset({artifact})))
    finally:
        source.close()
    if days is not None and not days <= set(result.days_processed):
        raise UsageError(f"day {min(days)} has not closed (plus settle) at {iso(now)}")
    target = {"baseline": paths.ga_summary, "anomalies": paths.anomalies,
              "stability": paths.day_summary(day), "health": paths.health(day)}[artifact]
    print(target)
    return EXIT_OK
