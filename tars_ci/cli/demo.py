"""``tars-ci demo``: the whole 8-day program on the bundled recorded data."""

from __future__ import annotations

import argparse
from collections.abc import Mapping


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``demo``."""
    parser.add_argument("--out", default="reports", metavar="DIR",
                        help="reports directory to write (default: ./reports)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Run days 0..7 of the demo release as of just after day 7 closed; always exit 0."""
    from importlib.resources import as_file, files
    from pathlib import Path

    from tars_ci.cli import EXIT_OK
    from tars_ci.cli.common import outcome_table
    from tars_ci.pipeline import RunOptions, run_program
    from tars_ci.sources import open_source
    from tars_ci.spec import load_spec
    from tars_ci.timeline import day_window

    with as_file(files("tars_ci.demo") / "tars.yaml") as spec_path:
        spec = load_spec(spec_path, {})
        source = open_source(spec.source, Path(spec_path).parent)
    release = spec.release
    now = day_window(release.ga_time, release.days).end + spec.schedule.settle
    result = run_program(spec, source, Path(args.out), RunOptions(now=now, force=True))
    print(f"tars-ci demo: {release.name}, GA {release.ga_time:%Y-%m-%d %H:%M} UTC, "
          f"days 0–{release.days} (bundled recorded data)\n")
    print(outcome_table(result.outcomes))
    print(f"\nreports:        {result.release_dir}/")
    print(f"retrospective:  {result.retro_path}")
    print(f"try:            jq '.metrics_comparison.p99_latency_ms' "
          f"{result.release_dir / 'stability' / 'day_02_summary.json'}")
    return EXIT_OK
