"""``tars-ci anomaly-score [--out-dir DIR] [--threshold X] [--spec FILE] [--sort] PATH...``

Scores ``timestamp,value`` CSV files with the pipeline's own anomaly detector (same method,
same defaults — or the spec's ``thresholds.anomaly`` with ``--spec``) and writes, for each
input, ``timestamp,value,anomaly_score,anomaly`` to the same relative path under DIR. A
folder is walked recursively for ``*.csv``. Each file is scored online and fresh: a row's
score depends only on the rows above it.

Memory is bounded whatever the file size: files are read, scored and written a chunk at a
time (:mod:`tars_ci.cli.anomaly_csv`, :mod:`tars_ci.analysis.anomaly.stream`). Rows are
placed on the time grid by their timestamps, so the seasonal phase follows the clock
through gaps and jitter.

Input: a header naming ``timestamp`` and ``value`` (other columns are ignored); timestamps
ISO 8601 (``2014-02-14 14:30:00``, ``…T…Z``, offsets) or Unix time in seconds,
milliseconds, microseconds or nanoseconds; an empty value, ``nan`` or ``null`` is a missing
sample (score 0). Timestamps must increase (``--sort`` sorts instead, with a warning). The
step is the median timestamp spacing. Every file is checked before anything is written: a
file that cannot be read or parsed stops the run with exit 2, naming the file and line.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tars_ci.cli import EXIT_OK
from tars_ci.errors import UsageError
from tars_ci.reports.jsonio import write_parts

if TYPE_CHECKING:
    import numpy as np

    from tars_ci.cli.anomaly_csv import FileInfo
    from tars_ci.spec.model import AnomalySettings

DEFAULT_OUT = "anomaly-scores"
HEADER = "timestamp,value,anomaly_score,anomaly\n"
log = logging.getLogger("tars_ci.cli.anomaly_score")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``anomaly-score``."""
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="CSV files, or folders searched recursively for *.csv")
    parser.add_argument("--out-dir", default=DEFAULT_OUT, metavar="DIR",
                        help=f"where the scored files go, mirroring the inputs' relative paths "
                             f"(default {DEFAULT_OUT})")
    parser.add_argument("--threshold", type=float, metavar="X",
                        help="score from which the anomaly column is 1 (default: the spec's or "
                             "the built-in thresholds.anomaly.threshold)")
    parser.add_argument("--spec", metavar="FILE",
                        help="take thresholds.anomaly from this spec instead of the defaults")
    parser.add_argument("--sort", action="store_true",
                        help="score rows in time order when a file's timestamps are out of "
                             "order or repeated (with a warning) instead of refusing it")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Score every input file and write the results; UsageError (exit 2) on bad input."""
    from tars_ci.spec.model import AnomalySettings

    settings = (AnomalySettings() if args.spec is None else _spec_settings(args.spec, env))
    threshold = settings.threshold if args.threshold is None else args.threshold
    if not 0 < threshold < 1:
        raise UsageError(f"--threshold must be between 0 and 1 (exclusive), got {threshold}")
    from tars_ci.cli.anomaly_csv import scan

    out_dir = Path(args.out_dir)
    pairs = plan(args.paths, out_dir)
    infos = [scan(src, dst, args.sort) for src, dst in pairs]  # every file checked first
    for info in infos:
        if info.out_of_order or info.repeated:
            log.warning("%s: %d row(s) out of time order and %d repeated timestamp(s); "
                        "scored in time order (--sort)", info.source, info.out_of_order,
                        info.repeated)
    flagged = points = 0
    for info in infos:
        flagged += score_file(info, settings, threshold)
        points += info.rows
    print(f"scored {len(infos)} file(s), {points} points into {out_dir}: {flagged} point(s) "
          f"at or above {threshold:g}")
    return EXIT_OK


def _spec_settings(path: str, env: Mapping[str, str]) -> AnomalySettings:
    from tars_ci.spec import load_spec

    return load_spec(path, env).thresholds.anomaly


def plan(paths: Sequence[str], out_dir: Path) -> list[tuple[Path, Path]]:
    """(input, output) pairs: folders contribute their *.csv files by relative path."""
    pairs: list[tuple[Path, Path]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.csv") if p.is_file())
            if not found:
                raise UsageError(f"{path}: no *.csv files in this folder")
            pairs += [(p, out_dir / p.relative_to(path)) for p in found]
        elif path.is_file():
            pairs.append((path, out_dir / path.name))
        else:
            raise UsageError(f"{path}: no such file or folder")
    seen: dict[Path, Path] = {}
    for src, dst in pairs:
        key = dst.resolve()
        if key == src.resolve():
            raise UsageError(f"{src}: the output would overwrite the input; choose another "
                             "--out-dir")
        if key in seen and seen[key].resolve() != src.resolve():
            raise UsageError(f"{seen[key]} and {src} would both be written to {dst}")
        seen[key] = src
    unique = {dst.resolve(): (src, dst) for src, dst in pairs}
    return list(unique.values())


def score_file(info: FileInfo, settings: AnomalySettings, threshold: float) -> int:
    """Score one scanned file chunk by chunk into its target (atomically); the number of
    points at or above ``threshold``."""
    from tars_ci.analysis.anomaly import score
    from tars_ci.analysis.anomaly.stream import StreamScorer
    from tars_ci.cli.anomaly_csv import chunks

    scorer = StreamScorer(settings, info.step, lambda grid: score(grid, settings,
                                                                    info.step).score)
    flagged = 0

    def lines() -> Iterator[str]:
        nonlocal flagged
        yield HEADER
        for chunk in chunks(info):
            scores = scorer.push(chunk.seconds, chunk.numbers)
            flagged += int((scores >= threshold).sum())
            yield format_rows(chunk.stamps, chunk.values, scores, threshold)

    write_streamed(info.target, lines())
    return flagged


def format_rows(stamps: list[str], values: list[str], scores: np.ndarray,
                threshold: float) -> str:
    """``timestamp,value,anomaly_score,anomaly`` lines; cells are quoted only if they must be."""
    import numpy as np

    if any(_needs_quotes(c) for c in ("".join(stamps), "".join(values))):
        stamps, values = [_quoted(c) for c in stamps], [_quoted(c) for c in values]
    text = list(map("{:.10f}".format, scores.tolist()))
    flags = np.where(scores >= threshold, "1", "0").tolist()
    return "".join([f"{t},{v},{x},{f}\n" for t, v, x, f in zip(stamps, values, text, flags)])


def write_streamed(path: Path, parts: Iterator[str]) -> None:
    """Write ``parts`` to a temporary file beside ``path``, then rename it into place."""
    write_parts(path, parts)


def _needs_quotes(cell: str) -> bool:
    return any(c in cell for c in ',"\r\n')


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if _needs_quotes(cell) else cell
