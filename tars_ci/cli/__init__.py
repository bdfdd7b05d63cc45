"""The ``tars-ci`` command line: the only place that reads the environment and exits.

Each command lives in its own module ``tars_ci.cli.<module>`` exposing
``add_arguments(parser)`` and ``run(args, env) -> int``. Modules import heavy libraries
(numpy, httpx, jinja2, PyGithub) inside ``run`` so that ``tars-ci --help`` starts fast.

Exit codes (documented in the README):
  0 ok · 1 findings at or above the spec's fail level · 2 bad spec or usage (or a history
  recorded for another release, GA time or length) ·
  3 metrics source unavailable · 4 reports directory unusable · 5 publishing failed
A fleet (a folder of specs, or several ``--spec``) exits with the largest of its releases'
codes (:mod:`tars_ci.cli.releases`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Mapping, Sequence

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_SOURCE = 3
EXIT_REPORTS = 4
EXIT_PUBLISH = 5

# name → (module, one-line help). Order is the order shown in --help.
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("tars_ci.cli.run", "process every day that is due (catch-up); --publish to push"),
    "demo": ("tars_ci.cli.demo", "run all 8 days on the bundled demo data"),
    "validate": ("tars_ci.cli.validate", "check a spec; print ok or every error with its line"),
    "baseline": ("tars_ci.cli.stages", "compute the GA-day (day 0) baseline"),
    "monitor": ("tars_ci.cli.stages", "compute one day's drift summary (--day N)"),
    "anomalies": ("tars_ci.cli.stages", "detect anomaly episodes over the recorded days"),
    "health": ("tars_ci.cli.stages", "compute one day's health report (--day N)"),
    "regression": ("tars_ci.cli.stages", "day-7 regression analysis"),
    "retro": ("tars_ci.cli.stages", "write the day-7 retrospective (Markdown + JSON)"),
    "report": ("tars_ci.cli.report", "SLO and health report of a window: --period 24h|7d|30d"),
    "record": ("tars_ci.cli.record", "capture the spec's KPIs from Prometheus into a replay file"),
    "anomaly-score": ("tars_ci.cli.anomaly_score", "score timestamp,value CSV files for anomalies"),
    "publish": ("tars_ci.cli.publish", "commit history, sync P0/P1 issues, open the retro PR"),
    "fleet": ("tars_ci.cli.fleet", "summarise every release of a fleet; keep the fleet issue"),
    "workflow": ("tars_ci.cli.workflow", "check or regenerate the workflow from the spec"),
    "rules": ("tars_ci.cli.rules", "check or regenerate the Prometheus rules file from the spec"),
    "openslo": ("tars_ci.cli.openslo", "import OpenSLO v1 SLOs into the spec, or export its SLOs"),
    "init": ("tars_ci.cli.init", "scaffold the spec, workflows and reports into a repository"),
    "gate": ("tars_ci.cli.gate", "evaluate one canary stage gate against Prometheus"),
}

DEFAULT_SPEC = "config/tars.yaml"


def build_parser(command: str | None) -> argparse.ArgumentParser:
    """The parser; only ``command``'s module is imported (all of them when None)."""
    from tars_ci import __version__

    parser = argparse.ArgumentParser(
        prog="tars-ci",
        description="Post-GA 7-day stabilization program as declarative GitOps checks.",
        epilog="exit codes: 0 ok, 1 findings at/above fail level, 2 bad spec or usage, "
               "3 metrics source unavailable, 4 reports unusable, 5 publishing failed",
    )
    parser.add_argument("--version", action="version", version=f"tars-ci {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(command_name=name)  # lets one module serve several commands
        if command is None or name == command:
            importlib.import_module(module).add_arguments(p)
    return parser


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Entry point of ``tars-ci``; returns the exit code (``sys.exit`` is the caller's)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    environ = dict(os.environ if env is None else env)
    command = next((a for a in args_list if not a.startswith("-")), None)
    if command not in COMMANDS:
        command = None
    parser = build_parser(command)
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse: --help (0) or bad usage (2)
        return int(exc.code or 0)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    _configure_logging(getattr(args, "quiet", False))
    module = importlib.import_module(COMMANDS[args.command][0])
    return guarded(lambda: module.run(args, environ))


def guarded(body: Callable[[], int]) -> int:
    """Run a command body, turning tars-ci errors into a message and an exit code."""
    from tars_ci import errors

    try:
        return int(body())
    except errors.TarsError as exc:
        known = error_exit(exc)
        if known is None:
            raise
        code, lines = known
        for line in lines:
            print(line, file=sys.stderr)
        return code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def error_exit(exc: BaseException) -> tuple[int, list[str]] | None:
    """The exit code of a tars-ci error and its ``error:`` lines (None: not one the CLI
    maps to an exit code)."""
    from tars_ci import errors

    if isinstance(exc, errors.SpecError):
        return EXIT_USAGE, [f"error: {problem}" for problem in exc.problems]
    if isinstance(exc, errors.OpenSloError):
        return EXIT_USAGE, [f"error: {text}" for text in exc.problems]
    for kinds, code in (((errors.UsageError, errors.ReplayFormatError, errors.HistoryMismatch),
                         EXIT_USAGE),
                        ((errors.SourceError,), EXIT_SOURCE),
                        ((errors.ReportError,), EXIT_REPORTS),
                        ((errors.PublishError,), EXIT_PUBLISH)):
        if isinstance(exc, kinds):
            return code, [f"error: {exc}"]
    return None


def _configure_logging(quiet: bool) -> None:
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("tars-ci: %(message)s"))
    logger = logging.getLogger("tars_ci")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    logger.propagate = False


def add_spec_argument(parser: argparse.ArgumentParser) -> None:
    """The common ``--spec`` option."""
    parser.add_argument("--spec", default=DEFAULT_SPEC, metavar="FILE",
                        help=f"spec file (default {DEFAULT_SPEC})")


def run_main() -> None:
    """Console-script wrapper that exits with :func:`main`'s code."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:  # `tars-ci demo | head`: the reader left; not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 141
    sys.exit(code)
