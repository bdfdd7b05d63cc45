"""``tars-ci report``: the SLO and health report of a window (24h, 7d, 30d, …).

Exit codes as ``run``'s: 0 written (or already recorded), 1 a finding in the window at or
above ``priorities.fail_level`` (``--report-only``: 0), 2 bad usage or spec, 3 the source is
down (nothing is written), 4 the reports cannot be read or written, 5 publishing failed.
A folder of specs or several ``--spec`` report each release in turn (the largest code); with
``--schedule``, a release of a fleet that does not schedule that cron has nothing to do.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from tars_ci.errors import UsageError

if TYPE_CHECKING:
    from tars_ci.cron import Cron
    from tars_ci.pipeline.periodic import PeriodWindow
    from tars_ci.spec.model import Spec


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``report``."""
    from tars_ci.cli.releases import add_specs_argument

    add_specs_argument(parser)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--period", metavar="N{h,d}",
                       help="window length: 24h, 7d, 30d or any <N>h / <N>d from 1h to 90d")
    which.add_argument("--schedule", metavar="CRON",
                       help="run the spec's reports.periodic entries with this cron, each "
                            "over the window ending at the cron's latest time (the generated "
                            "workflow passes the schedule that fired)")
    parser.add_argument("--end", metavar="TIME",
                        help="end of the window (ISO 8601 UTC), moved back onto the source's "
                             "step grid; default: now (with --schedule: the cron's latest "
                             "time at or before now)")
    parser.add_argument("--now", metavar="TIME", help="evaluate as of this UTC time "
                        "(default: the current time)")
    parser.add_argument("--reports", metavar="DIR",
                        help="reports directory (default: the spec's reports.dir)")
    parser.add_argument("--force", action="store_true",
                        help="rewrite a recorded report of the same window when it would "
                             "change (never with less data than recorded)")
    parser.add_argument("--report-only", action="store_true",
                        help="exit 0 even when the window has findings at or above "
                             "priorities.fail_level (a down source is still exit 3)")
    parser.add_argument("--publish", action="store_true",
                        help="then commit the reports (see `tars-ci publish`)")
    parser.add_argument("--dry-run", action="store_true",
                        help="with --publish: print the publishing plan, write nothing to "
                             "git or GitHub")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Write the report(s) of each release ``--spec`` names."""
    from tars_ci.cli.releases import for_each_release

    return for_each_release(args, env, run_one)


def run_one(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Write one release's report(s); exit 1 on findings at or above the fail level."""
    from tars_ci.cli import EXIT_FINDINGS, EXIT_OK, common
    from tars_ci.pipeline.periodic import run_report
    from tars_ci.spec.levels import at_least_as_urgent

    spec, spec_dir = common.load(args, env)
    now = common.parse_now(args.now)
    windows = _windows(spec, args, now)
    if not windows:
        print(f"{spec.release.name}: no reports.periodic entry runs on {args.schedule!r}: "
              "nothing to do")
        return EXIT_OK
    source = common.open_spec_source(spec, spec_dir)
    results = []
    try:
        for window in windows:
            results.append(run_report(spec, source, common.reports_dir(args, spec), window,
                                      now=now, force=args.force))
    finally:
        source.close()
    failing: list[str] = []
    for res in results:
        for note in res.notes:
            print(note)
        r = res.report
        print(f"{r.period.period} report {r.period.start} → {r.period.end}: "
              f"{res.markdown_path}{'' if res.written else ' (unchanged)'}")
        for name, s in r.slo.items():
            sli = "n/a" if s.sli_percent is None else f"{s.sli_percent:.4f}%"
            burn = "n/a" if s.burn_rate is None else f"{s.burn_rate:.2f}×"
            state = {True: "met", False: "MISSED", None: "not judged"}[s.met]
            print(f"  SLO {name}: SLI {sli} (objective {s.objective:g}%) {state}, burn rate "
                  f"{burn}, {len(s.burn.alerts)} burn-rate alert(s)")
        score = "n/a" if r.health.score is None else f"{r.health.score:.1f}"
        print(f"  health {score} ({r.health.band}), {len(r.findings)} finding(s)")
        failing += [f"{r.period.period} to {r.period.end}: {f.priority} {f.title}"
                    for f in r.findings
                    if at_least_as_urgent(f.priority, spec.priorities.fail_level)]
    summary = env.get("GITHUB_STEP_SUMMARY")
    if env.get("GITHUB_ACTIONS") == "true" and summary:
        _to_job_summary(Path(summary), [r.markdown_path for r in results])
    if args.publish:
        _publish(spec, args, env, results[0].json_path.parent.parent if results else None)
    if failing and not args.report_only:
        print(f"failing ({len(failing)}): " + "; ".join(failing[:5])
              + (f"; … {len(failing) - 5} more" if len(failing) > 5 else ""))
        return EXIT_FINDINGS
    return EXIT_OK


def _windows(spec: Spec, args: argparse.Namespace, now: datetime) -> list[PeriodWindow]:
    from tars_ci.cli import common
    from tars_ci.cron import last_fire
    from tars_ci.cron import parse as parse_cron
    from tars_ci.pipeline.periodic import period_window
    from tars_ci.timeline import parse_period

    end = common.parse_now(args.end) if args.end else None
    if args.period:
        try:
            period = parse_period(args.period)
        except ValueError as exc:
            raise UsageError(f"--period: {exc}") from None
        return [period_window(spec, period, end or now)]
    try:
        cron = parse_cron(args.schedule)
    except ValueError as exc:
        raise UsageError(f"--schedule: {exc}") from None
    chosen = [s for s in spec.reports.periodic if parse_cron(s.cron).text == cron.text]
    if not chosen and getattr(args, "in_fleet", False):
        return []
    if not chosen:
        known = ", ".join(f"{s.name} ({s.cron})" for s in spec.reports.periodic) or "none"
        raise UsageError(f"--schedule {args.schedule!r} is none of the spec's "
                         f"reports.periodic crons: {known}")
    try:
        fired = end or last_fire(cron, now)
    except ValueError as exc:
        raise UsageError(f"--schedule: {exc}") from None
    windows = []
    for sched in chosen:
        period = parse_period(sched.period)
        ends = [fired] if end else _missed(spec, args, cron, period, fired)
        windows += [period_window(spec, period, t) for t in ends]
    return windows


CATCH_UP = 7  # most scheduled windows one run writes: the latest and those dropped before it


def _missed(spec: Spec, args: argparse.Namespace, cron: Cron, period: timedelta,
            fired: datetime) -> list[datetime]:
    """``fired`` and the earlier times of ``cron`` since the newest recorded report of that
    period (a dropped scheduled run is caught up by the next one), oldest first."""
    from tars_ci.cli import common
    from tars_ci.cron import last_fire
    from tars_ci.pipeline import store_for
    from tars_ci.timeline import parse_stamp, period_label

    stamps = store_for(spec, common.reports_dir(args, spec)).paths.periodic_stamps(
        period_label(period))
    recorded = [parse_stamp(s) for s in stamps]
    newest = max((t for t in recorded if t < fired), default=None)
    out = [fired]
    while newest is not None and len(out) < CATCH_UP:
        try:
            earlier = last_fire(cron, out[-1] - timedelta(minutes=1))
        except ValueError:
            break
        if earlier <= newest:
            break
        out.append(earlier)
    return out[::-1]


def _to_job_summary(summary: Path, markdown: list[Path]) -> None:
    """Append each report's Markdown to the Actions job summary."""
    from tars_ci.errors import ReportError

    try:
        with summary.open("a", encoding="utf-8") as out:
            for path in markdown:
                out.write(path.read_text(encoding="utf-8") + "\n")
    except OSError as exc:
        raise ReportError(f"cannot append to the job summary {summary}: "
                          f"{exc.strerror or exc}") from exc


def _publish(spec: Spec, args: argparse.Namespace, env: Mapping[str, str],
             release_dir: object) -> None:
    """Commit the reports through the run's publishing path (exit 5 when it fails)."""
    from tars_ci.cli.publish import publish_release
    from tars_ci.errors import PublishError

    if not isinstance(release_dir, Path):
        return
    result = publish_release(spec, env, release_dir, days=None, dry_run=bool(args.dry_run))
    if not result.ok:
        raise PublishError(f"{len(result.errors)} publishing step(s) failed (errors above)")
