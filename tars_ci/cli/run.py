"""``tars-ci run``: process every day that is due (catch-up), optionally publish."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import TYPE_CHECKING

from tars_ci.cli.common import add_run_arguments

if TYPE_CHECKING:
    from tars_ci.pipeline import RunResult
    from tars_ci.spec.model import Spec


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``run``."""
    add_run_arguments(parser)
    parser.add_argument("--publish", action="store_true",
                        help="then commit the history, sync P0/P1 issues and open the "
                             "retrospective PR (see `tars-ci publish`)")
    parser.add_argument("--dry-run", action="store_true",
                        help="with --publish: print the publishing plan, write nothing to "
                             "git or GitHub")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Run the due days and report; exit 1 on findings at or above the fail level."""
    from tars_ci.cli import common
    from tars_ci.pipeline import RunOptions, run_program

    spec, spec_dir = common.load(args, env)
    now = common.parse_now(args.now)
    source = common.open_spec_source(spec, spec_dir)
    try:
        result = run_program(spec, source, common.reports_dir(args, spec), RunOptions(
            now=now, force=args.force, days=frozenset(args.day) if args.day else None,
            rebaseline=args.rebaseline))
    finally:
        source.close()
    for note in result.notes:
        print(note)
    if result.outcomes:
        print(common.outcome_table(result.outcomes))
    if result.retro_written:
        print(f"retrospective: {result.retro_path}")
    if env.get("GITHUB_ACTIONS") == "true":
        _report_to_actions(spec, args, env, result)
    if args.publish:
        from tars_ci.cli.publish import publish_after_run

        publish_after_run(spec, args, env, result)
    return common.fail_exit(spec, result)


def _report_to_actions(spec: Spec, args: argparse.Namespace, env: Mapping[str, str],
                       result: RunResult) -> None:
    """Job summary, annotations and step outputs for GitHub Actions (before publishing, so
    they exist even when publishing fails)."""
    from pathlib import Path

    from tars_ci.cli import common
    from tars_ci.pipeline import store_for
    from tars_ci.reports import actions

    report = actions.build(spec, store_for(spec, common.reports_dir(args, spec)),
                           result.days_processed,
                           complete=result.complete,
                           dry_run=bool(args.publish and args.dry_run))
    for line in report.annotations:
        print(line)
    summary, output = env.get("GITHUB_STEP_SUMMARY"), env.get("GITHUB_OUTPUT")
    actions.append_to_files(report, summary_file=Path(summary) if summary else None,
                            output_file=Path(output) if output else None)
