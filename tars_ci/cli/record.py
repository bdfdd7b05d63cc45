"""``tars-ci record``: capture the spec's queries from its source into a replay file.

Records every KPI query and each ratio SLO's good/total query over ``[--from, --to)`` at the
spec's step, so the program can be backtested offline (``source: {kind: replay, path: …}``)
or the data attached to a bug report. ``--from``/``--to`` default to the program window
(GA day through the last day; ``--to`` is capped at the current time).

The file is written atomically and only when every query answered: a query that fails
(bad PromQL, a server-side error) is listed and the command exits 2 without writing; an
unreachable source exits 3. Queries that match nothing are listed as warnings and left out
of the file (replaying them gives no_data, as the live run would).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

from tars_ci.cli import EXIT_OK, add_spec_argument
from tars_ci.errors import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``record``."""
    add_spec_argument(parser)
    parser.add_argument("--from", dest="start", metavar="TIME",
                        help="first instant (ISO 8601, e.g. 2026-11-02T00:00:00Z); "
                             "default: the GA time")
    parser.add_argument("--to", dest="end", metavar="TIME",
                        help="end of the window, exclusive; default: the end of the last "
                             "program day, or now if that is earlier")
    parser.add_argument("--out", required=True, metavar="FILE",
                        help="replay file to write (gzip-compressed when it ends in .gz)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Record, then write the replay file."""
    import time
    from pathlib import Path

    from tars_ci.pipeline import queries as spec_queries
    from tars_ci.sources import open_source
    from tars_ci.sources.prometheus.recording import record
    from tars_ci.sources.replay import write_replay
    from tars_ci.spec import load_spec

    spec_path = Path(args.spec)
    spec = load_spec(spec_path, env)
    step = spec.source.step
    start = _time("--from", args.start) if args.start else spec.release.ga_time
    if args.end:
        end = _time("--to", args.end)
    else:
        program_end = spec.release.ga_time + timedelta(days=spec.release.days + 1)
        end = min(program_end, _floor(datetime.now(timezone.utc), start, step))
    if end <= start:
        raise UsageError(f"nothing to record: --to ({_iso(end)}) is not after --from "
                         f"({_iso(start)})")
    queries = spec_queries(spec)
    source = open_source(spec.source, spec_path.resolve().parent)
    origin = str(getattr(source, "url", "") or getattr(source, "origin", ""))
    say = (lambda _m: None) if args.quiet else (lambda m: print(m, file=sys.stderr))
    say(f"recording {len(queries)} queries from {origin or spec.source.kind} over "
        f"{_iso(start)} → {_iso(end)} at {step.total_seconds():g}s")
    began = time.monotonic()
    try:
        rec = record(source, queries, start, end, step, spec.source.aligned)
    finally:
        source.close()
    for name, reason in sorted(rec.no_data.items()):
        print(f"warning: {name}: no data ({reason}); left out of the file", file=sys.stderr)
    if rec.failed:
        for name, message in sorted(rec.failed.items()):
            print(f"error: {name}: query failed: {message}", file=sys.stderr)
        raise UsageError(f"{len(rec.failed)} of {len(queries)} queries failed; "
                         f"{args.out} not written")
    write_replay(Path(args.out), rec.series, recorded_from=origin)
    points = sum(int(s.present.sum()) for s in rec.series.values())
    say(f"wrote {args.out}: {len(rec.series)} series, {points} samples "
        f"({time.monotonic() - began:.1f}s)")
    return EXIT_OK


def _time(flag: str, text: str) -> datetime:
    from tars_ci.spec.loader import parse_timestamp

    try:
        return parse_timestamp(text)
    except ValueError as exc:
        raise UsageError(f"{flag}: {exc}") from None


def _floor(now: datetime, start: datetime, step: timedelta) -> datetime:
    """``now`` rounded down onto the step grid that starts at ``start``."""
    steps = (now - start) // step if now > start else 0
    return start + steps * step


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
