"""The runbook's command names as entry points, with the runbook's flags.

``tars-ga-kpi``, ``tars-stability-monitor``, ``tars-anomaly-detector``, ``tars-health-report``,
``tars-regression-analyzer`` and ``tars-retro`` are thin wrappers over the stage commands:
they run the same computation from the same spec and write the same files in the reports
layout. Runbook flags map as follows:

- ``--prometheus-url URL`` overrides the spec's source (kind prometheus, that URL);
- ``--output-dir DIR`` is the reports directory (default: the spec's ``reports.dir``); nothing
  is ever written anywhere else;
- ``--day-number N`` is the program day;
- ``--ga-baseline FILE`` is read: the day is judged against that GA summary (it must be one,
  of this release; its path is recorded in the day's provenance). A missing or foreign file
  is exit 2 naming it;
- ``--stability-data DIR``, ``--anomaly-data FILE`` and ``--7day-summaries DIR`` name the
  release's own recorded files, which the stage reads through the history store; a path that
  is not the release's own folder or file (another checkout, another release) is exit 2
  naming it, never a place to write;
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

# input flag → what it must name inside the release's reports
_INPUTS = {"stability_data": "stability", "summaries": "stability", "anomaly_data": "anomalies"}


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
        _check_inputs(args, dict(os.environ), override)
        code = run_stage(stage, args, dict(os.environ), spec_override=override)
        copy_to = getattr(args, "output_file", None) or getattr(args, "output", None)
        if copy_to and code == 0:
            _copy_latest(args, stage, Path(copy_to))
        return code

    return guarded(body)


def _check_inputs(args: argparse.Namespace, env: dict[str, str],
                  override: Callable[[object], object]) -> None:
    """Read ``--ga-baseline`` (kept on ``args.baseline``) and check that the other input
    flags name the release's own recorded files; UsageError naming the flag otherwise."""
    from tars_ci.cli import common
    from tars_ci.errors import ReportError, UsageError
    from tars_ci.pipeline import store_for

    spec, _ = common.load(args, env)
    spec = override(spec)  # type: ignore[assignment]
    store = store_for(spec, common.reports_dir(args, spec))
    own = {"stability": store.paths.day_summary(1).parent, "anomalies": store.paths.anomalies}
    for flag, kind in _INPUTS.items():
        value = getattr(args, flag, None)
        if value and Path(value).resolve() != own[kind].resolve():
            name = "--" + ("7day-summaries" if flag == "summaries" else flag.replace("_", "-"))
            raise UsageError(f"{name} {value}: not the recorded {kind} of "
                             f"{store.release.name} ({own[kind]}); tars-ci reads and writes "
                             f"one history per release: pass --output-dir to choose its "
                             f"reports directory")
    given = getattr(args, "ga_baseline", None)
    if not given:
        return
    path = Path(given)
    if not path.is_file():
        raise UsageError(f"--ga-baseline {given}: no such file")
    try:
        ga = store.read_ga_summary(path)
    except ReportError as exc:
        raise UsageError(f"--ga-baseline {given}: not a tars-ci GA summary ({exc})") from None
    want = store.release
    if (ga.release.name, ga.release.slug, ga.release.ga_time) != (want.name, want.slug,
                                                                  want.ga_time):
        raise UsageError(f"--ga-baseline {given} is the baseline of release "
                         f"{ga.release.name!r} (GA {ga.release.ga_time}), not of {want.name!r} "
                         f"(GA {want.ga_time})")
    args.baseline, args.baseline_file = ga, str(path)


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
        p.add_argument("--ga-baseline", help="a GA summary of this release to judge the day "
                                             "against (default: the recorded baseline)")
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
