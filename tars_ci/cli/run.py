"""``tars-ci run``: process every day that is due (catch-up), optionally publish."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import TYPE_CHECKING

from tars_ci.cli.common import add_run_arguments
from tars_ci.cli.releases import Outcome, Ran

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
    """Run every release ``--spec`` names, in turn (see :mod:`tars_ci.cli.releases`)."""
    from tars_ci.cli.releases import for_each_release

    return for_each_release(args, env, run_release,
                            after=lambda ran: _fleet_outputs(env, ran))


def run_release(args: argparse.Namespace, env: Mapping[str, str]) -> Outcome:
    """Run one release's due days and report; exit 1 on findings at or above the fail
    level."""
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
    code = common.fail_exit(spec, result)
    return Outcome(code, _note(result, code))


def _note(result: RunResult, code: int) -> str:
    """One line for the fleet table: what this run did."""
    done = result.days_processed
    what = (f"day{'s' if len(done) > 1 else ''} {', '.join(map(str, done))} processed"
            if done else "program complete" if result.complete else "nothing due")
    return f"{what}; {'failing' if code else 'passing'}" if done else what


def _fleet_outputs(env: Mapping[str, str], ran: list[Ran]) -> None:
    """Under GitHub Actions, a fleet run's step outputs: ``result`` (failing when any release
    exits non-zero) and ``releases`` (slug → exit code, JSON)."""
    import json
    from pathlib import Path

    from tars_ci.reports import actions

    output = env.get("GITHUB_OUTPUT")
    if env.get("GITHUB_ACTIONS") != "true" or not output:
        return
    outputs = {"result": "failing" if any(r.code for r in ran) else "passing",
               "releases": json.dumps({r.slug: r.code for r in ran}, sort_keys=True,
                                      separators=(",", ":"))}
    actions.append_to_files(actions.ActionsReport("", (), outputs), summary_file=None,
                            output_file=Path(output))


def _report_to_actions(spec: Spec, args: argparse.Namespace, env: Mapping[str, str],
                       result: RunResult) -> None:
    """Job summary, annotations and step outputs for GitHub Actions (before publishing, so
    they exist even when publishing fails)."""
    from pathlib import Path

    from tars_ci.cli import common
    from tars_ci.pipeline import store_for
    from tars_ci.publishers.summary import ActionsSummary, SummaryContext

    summary, output = env.get("GITHUB_STEP_SUMMARY"), env.get("GITHUB_OUTPUT")
    if getattr(args, "in_fleet", False):
        output = None  # one release's outputs would overwrite another's: see _fleet_outputs
    ActionsSummary().apply(SummaryContext(
        spec, store_for(spec, common.reports_dir(args, spec)), result.days_processed,
        result.complete, bool(args.publish and args.dry_run),
        Path(summary) if summary else None, Path(output) if output else None, print))
