"""The runbook's command names as entry points, with the runbook's flags.

``tars-ga-kpi``, ``tars-stability-monitor``, ``tars-anomaly-detector``, ``tars-health-report``,
``tars-regression-analyzer`` and ``tars-retro`` are thin wrappers over the stage commands:
they run the same computation from the same spec and write the same files in the reports
layout. Runbook flags map as follows:

- ``--prometheus-url URL`` overrides the spec's source (kind prometheus, that URL);
- ``--output-dir DIR`` is the reports directory (``reports/`` by default);
- ``--day-number N`` is the program day;
- ``--ga-baseline FILE``, ``--stability-data DIR``, ``--anomaly-data FILE`` and
  ``--7day-summaries DIR`` name files or folders inside a release's reports; the reports
  directory is derived from them (they must follow the layout);
- ``--z-threshold Z`` overrides ``thresholds.anomaly.z``;
- ``--output-file FILE`` / ``--output FILE`` also copy the produced report there;
- ``--auto`` (retro) is accepted for compatibility: the retrospective is always automatic.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from tars_ci.cli import DEFAULT_SPEC, guarded

# the depth of each input inside reports/<slug>/: file → levels up to reports/
_DEPTH = {"ga_baseline": 3, "stability_data": 2, "anomaly_data": 3, "summaries": 2}


def _parser(prog: str, stage: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=f"runbook alias of `tars-ci {stage}`")
    parser.add_argument("--spec", default=DEFAULT_SPEC, help=f"spec file (default {DEFAULT_SPEC})")
    parser.add_argument("--prometheus-url", help="Prometheus base URL (overrides the spec)")
    parser.add_argument("--output-dir", help="reports directory")
    parser.add_argument("--now", help="evaluate as of this UTC time (ISO 8601)")
    parser.add_argument("--force", action="store_true", help="recompute recorded days")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    return parser


def _main(prog: str, stage: str, extra: Callable[[argparse.ArgumentParser], None],
          argv: Sequence[str] | None) -> int:
    from tars_ci.cli import _configure_logging
    from tars_ci.cli.stages import run_stage

    parser = _parser(prog, stage)
    extra(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    _configure_logging(args.quiet)
    args.command_name = stage
    args.reports = args.output_dir
    for flag, depth in _DEPTH.items():
        value = getattr(args, flag, None)
        if value:
            args.reports = str(Path(value).resolve().parents[depth - 1])
    if getattr(args, "day_number", None) is not None:
        args.day = args.day_number

    def override(spec: object) -> object:
        if args.prometheus_url:
            source = dataclasses.replace(spec.source, kind="prometheus",  # type: ignore[attr-defined]
                                         url=args.prometheus_url)
            spec = dataclasses.replace(spec, source=source)  # type: ignore[type-var]
        z = getattr(args, "z_threshold", None)
        if z is not None:
            th = spec.thresholds  # type: ignore[attr-defined]
            spec = dataclasses.replace(spec, thresholds=dataclasses.replace(  # type: ignore[type-var]
                th, anomaly=dataclasses.replace(th.anomaly, z=z)))
        return spec

    def body() -> int:
        code = run_stage(stage, args, dict(os.environ), spec_override=override)
        copy_to = getattr(args, "output_file", None) or getattr(args, "output", None)
        if copy_to and code == 0:
            _copy_latest(args, stage, Path(copy_to))
        return code

    return guarded(body)


def _copy_latest(args: argparse.Namespace, stage: str, target: Path) -> None:
    from tars_ci.cli import common
    from tars_ci.reports.jsonio import write_bytes
    from tars_ci.reports.paths import ReleasePaths

    spec, _ = common.load(args, dict(os.environ))
    paths = ReleasePaths.under(common.reports_dir(args, spec), spec.release.release_slug)
    source = {"anomalies": paths.anomalies, "health": paths.health(getattr(args, "day", 0) or 0),
              "regression": paths.regression, "retro": paths.retro_md}[stage]
    if source.resolve() != target.resolve():
        write_bytes(target, source.read_bytes())
        print(target)


def _exit(code: int) -> None:
    sys.exit(code)


def ga_kpi(argv: Sequence[str] | None = None) -> None:
    """``tars-ga-kpi``: the GA-day baseline."""
    _exit(_main("tars-ga-kpi", "baseline", lambda p: None, argv))


def stability_monitor(argv: Sequence[str] | None = None) -> None:
    """``tars-stability-monitor --day-number N``: one day's drift summary."""
    def extra(p: argparse.ArgumentParser) -> None:
        p.add_argument("--day-number", type=int, required=True, help="program day (1..7)")
        p.add_argument("--ga-baseline", help="ga_kpis/ga_kpi_summary.json of the release")
    _exit(_main("tars-stability-monitor", "monitor", extra, argv))


def anomaly_detector(argv: Sequence[str] | None = None) -> None:
    """``tars-anomaly-detector``: EWMA + z-score episodes."""
    def extra(p: argparse.ArgumentParser) -> None:
        p.add_argument("--stability-data", help="the release's stability/ folder")
        p.add_argument("--z-threshold", type=float, help="z-score threshold (default: spec)")
        p.add_argument("--output-file", help="also copy anomaly_events.json here")
    _exit(_main("tars-anomaly-detector", "anomalies", extra, argv))


def health_report(argv: Sequence[str] | None = None) -> None:
    """``tars-health-report --day-number N``: one day's health report."""
    def extra(p: argparse.ArgumentParser) -> None:
        p.add_argument("--day-number", type=int, required=True, help="program day (1..7)")
        p.add_argument("--stability-data", help="the release's stability/ folder")
        p.add_argument("--anomaly-data", help="the release's anomalies/anomaly_events.json")
        p.add_argument("--output-file", help="also copy day_NN_HEALTH.json here")
    _exit(_main("tars-health-report", "health", extra, argv))


def regression_analyzer(argv: Sequence[str] | None = None) -> None:
    """``tars-regression-analyzer``: day-7 regression analysis."""
    def extra(p: argparse.ArgumentParser) -> None:
        p.add_argument("--7day-summaries", dest="summaries", help="the release's stability/ folder")
        p.add_argument("--output", help="also copy regression_summary.json here")
    _exit(_main("tars-regression-analyzer", "regression", extra, argv))


def retro(argv: Sequence[str] | None = None) -> None:
    """``tars-retro --auto``: the day-7 retrospective."""
    def extra(p: argparse.ArgumentParser) -> None:
        p.add_argument("--auto", action="store_true", help="accepted for compatibility")
        p.add_argument("--output", help="also copy GA_7DAY_RETROSPECTIVE.md here")
    _exit(_main("tars-retro", "retro", extra, argv))


__all__ = ["anomaly_detector", "ga_kpi", "health_report", "regression_analyzer", "retro",
           "stability_monitor"]
