"""Pieces shared by the commands that run the program: spec, source, clock, tables."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from tars_ci.errors import UsageError

if TYPE_CHECKING:
    from tars_ci.pipeline import DayOutcome, RunResult
    from tars_ci.sources.interface import Source
    from tars_ci.spec.model import Spec


def add_run_arguments(parser: argparse.ArgumentParser, *, days: bool = True) -> None:
    """Options of every command that runs (part of) the program."""
    from tars_ci.cli.releases import add_specs_argument

    add_specs_argument(parser)
    parser.add_argument("--now", metavar="TIME", help="evaluate as of this UTC time "
                        "(ISO 8601, e.g. 2026-11-06T01:00:00Z); default: the current time")
    parser.add_argument("--reports", metavar="DIR",
                        help="reports directory (default: the spec's reports.dir)")
    parser.add_argument("--force", action="store_true",
                        help="recompute days that are already recorded and write what changed "
                             "(a day whose source data is gone keeps its recorded files)")
    parser.add_argument("--rebaseline", action="store_true",
                        help="accept the spec's GA time or length over the recorded history's: "
                             "a new GA time archives the history and starts over; a new length "
                             "keeps the recorded days")
    if days:
        parser.add_argument("--day", type=int, action="append", metavar="N",
                            help="only this day (repeatable); still only once it has closed")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")


def parse_now(text: str | None) -> datetime:
    """``--now`` as an aware UTC datetime; the real clock when absent."""
    if not text:
        return datetime.now(timezone.utc)
    from tars_ci.spec.loader import parse_timestamp

    try:
        return parse_timestamp(text)
    except ValueError as exc:
        raise UsageError(f"--now: {exc}") from None


def load(args: argparse.Namespace, env: Mapping[str, str]) -> tuple[Spec, Path]:
    """The spec named by ``--spec`` and its directory."""
    from tars_ci.spec import load_spec

    path = Path(args.spec)
    return load_spec(path, env), path.resolve().parent


def open_spec_source(spec: Spec, spec_dir: Path) -> Source:
    """The spec's metrics source."""
    from tars_ci.sources import open_source

    return open_source(spec.source, spec_dir)


def reports_dir(args: argparse.Namespace, spec: Spec) -> Path:
    """``--reports`` or the spec's reports directory (relative to the working directory)."""
    return Path(getattr(args, "reports", None) or spec.reports.dir)


def outcome_table(outcomes: Sequence[DayOutcome]) -> str:
    """A day-by-day table for the terminal."""
    lines = [f"{'day':>3}  {'health':>6}  {'band':<9}  {'rollback':<18}  {'P0':>2} {'P1':>2} "
             f"{'P2':>2} {'P3':>2}  worst finding"]
    for o in outcomes:
        counts = {p: sum(1 for f in o.findings if f.priority == p)
                  for p in ("P0", "P1", "P2", "P3")}
        worst = o.findings[0].title if o.findings else "-"
        score = "n/a" if o.health_score is None else f"{o.health_score:.1f}"
        lines.append(f"{o.day:>3}  {score:>6}  {o.health_band or 'n/a':<9}  {o.decision:<18}  "
                     f"{counts['P0']:>2} {counts['P1']:>2} {counts['P2']:>2} {counts['P3']:>2}  "
                     f"{worst}")
    return "\n".join(lines)


def fail_exit(spec: Spec, result: RunResult) -> int:
    """1 when a processed day fails (a finding at or above the spec's fail level, or a
    rollback recommendation with ``priorities.fail_on_rollback``), else 0; the reasons are
    printed, as the job summary and annotations show them."""
    from tars_ci.analysis.verdict import failing
    from tars_ci.cli import EXIT_FINDINGS, EXIT_OK

    reasons = [r for o in result.outcomes
               for r in failing(o.day, o.findings, o.decision, spec.priorities.fail_level,
                                spec.priorities.fail_on_rollback)]
    if reasons:
        print(f"failing ({len(reasons)}): " + "; ".join(reasons[:5])
              + (f"; … {len(reasons) - 5} more" if len(reasons) > 5 else ""))
        return EXIT_FINDINGS
    return EXIT_OK
