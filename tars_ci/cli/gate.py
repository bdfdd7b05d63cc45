"""``tars-ci gate --stage NAME``: judge one canary rollout stage against the metrics source.

Prints one line per criterion and the decision, writes the JSON verdict (default
``<reports>/<release-slug>/gates/<stage>.json``) and exits with the decision:

  0 promote · 1 rollback, or hold on a failing criterion · 2 bad spec or usage ·
  3 hold because data or traffic is missing or insufficient, a query failed or the source is
    down (never promote)

The source gets one attempt per request (``source.retries`` is for the daily run): the first
failure ends the call, so a server that accepts connections and never answers costs one
``source.timeout``, not rounds of retries, and the gate says so once.

Under GitHub Actions (``GITHUB_OUTPUT`` / ``GITHUB_STEP_SUMMARY`` set) it also sets the step
outputs ``decision``, ``exit_code`` and ``verdict_file`` and appends the table to the job
summary, so a deploy workflow can branch on ``steps.<id>.outputs.decision``.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import re
import sys
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from tars_ci.errors import UsageError

if TYPE_CHECKING:
    from tars_ci.gates.verdict import Verdict
    from tars_ci.spec.model import Spec

log = logging.getLogger("tars_ci.gate")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``gate``."""
    from tars_ci.cli import add_spec_argument

    add_spec_argument(parser)
    parser.add_argument("--stage", required=True, metavar="NAME",
                        help="stage from the spec's gates.stages, e.g. canary-10")
    parser.add_argument("--window", metavar="DURATION",
                        help="evaluation window ending at --now, e.g. 10m (default: the "
                             "spec's gates.window, 10m unless set)")
    parser.add_argument("--now", metavar="TIME", help="end of the evaluation window (ISO "
                        "8601 UTC, e.g. 2026-11-02T10:30:00Z); default: the current time")
    parser.add_argument("--out", metavar="FILE", help="JSON verdict file (default: "
                        "<reports>/<release-slug>/gates/<stage>.json)")
    parser.add_argument("--prometheus-url", metavar="URL",
                        help="query this Prometheus instead of the spec's source")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Evaluate the stage, write the verdict, print the table; the exit code is the decision."""
    from tars_ci.cli.common import load, parse_now
    from tars_ci.errors import SourceUnavailable
    from tars_ci.gates import document, exit_code, run_gate, table
    from tars_ci.gates.verdict import unavailable
    from tars_ci.reports.jsonio import write_json
    from tars_ci.sources import open_source
    from tars_ci.timeline import iso

    spec, spec_dir = load(args, env)
    gates = spec.gates
    if not gates.stages:
        raise UsageError(f"{args.spec} declares no gates.stages; see the README, canary gates")
    try:
        stage = gates.stage(args.stage)
    except KeyError:
        known = ", ".join(s.name for s in gates.stages)
        raise UsageError(f"--stage: unknown stage {args.stage!r}; the spec has {known}") from None
    window = _window(args.window, gates.step, gates.recent) if args.window else gates.window
    end = parse_now(args.now)
    out = Path(args.out) if args.out else _default_out(spec, stage.name)
    settings = dataclasses.replace(spec.source, retries=0)  # the first failure ends the call
    if args.prometheus_url:
        settings = dataclasses.replace(settings, kind="prometheus",
                                       url=_url(args.prometheus_url))
    log.info("gate %s: %s window ending %s", stage.name, _span(window), iso(end))
    source = open_source(settings, spec_dir)
    try:
        verdict = run_gate(gates, stage.name, source, end, window)
    except SourceUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        verdict = unavailable(stage, end - window, end, gates.step.total_seconds(), str(exc))
    finally:
        source.close()
    write_json(out, document(verdict, spec.release.name, spec.release.release_slug))
    text = table(verdict)
    print(text)
    log.info("verdict written to %s", out)
    _github_actions(env, verdict, exit_code(verdict), out, text)
    return exit_code(verdict)


def _window(text: str, step: timedelta, recent: timedelta) -> timedelta:
    from tars_ci.spec.loader import parse_duration

    try:
        window = parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"--window: {exc}") from None
    if window < 2 * step:
        raise UsageError(f"--window: {text} is shorter than two steps of the gate "
                         f"(gates.step is {_span(step)})")
    if window < 2 * recent:
        raise UsageError(f"--window: {text} is shorter than twice the recent part "
                         f"(gates.recent is {_span(recent)})")
    return window


def _url(text: str) -> str:
    if not re.match(r"^https?://[^\s/]+", text):
        raise UsageError(f"--prometheus-url: must be an http(s) URL, got {text!r}")
    return text


def _span(value: timedelta) -> str:
    from tars_ci.spec.loader import format_duration

    return format_duration(value)


def _default_out(spec: Spec, stage: str) -> Path:
    from tars_ci.reports.paths import ReleasePaths

    paths = ReleasePaths.under(Path(spec.reports.dir), spec.release.release_slug)
    return paths.root / "gates" / f"{stage}.json"


def _github_actions(env: Mapping[str, str], verdict: Verdict, code: int, out: Path,
                    text: str) -> None:
    """Step outputs and job summary when running under GitHub Actions."""
    from tars_ci.reports.actions import ActionsReport, append_to_files

    output_file = env.get("GITHUB_OUTPUT") or None
    summary_file = env.get("GITHUB_STEP_SUMMARY") or None
    if output_file is None and summary_file is None:
        return
    summary = (f"### Canary gate `{verdict.stage}`: **{verdict.decision}**\n\n"
               f"```text\n{text}\n```\n")
    report = ActionsReport(summary, (), {"decision": verdict.decision, "exit_code": str(code),
                                         "verdict_file": str(out)})
    append_to_files(report, summary_file=Path(summary_file) if summary_file else None,
                    output_file=Path(output_file) if output_file else None)
