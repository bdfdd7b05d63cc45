"""``tars-ci anomaly-score [--out-dir DIR] [--threshold X] [--spec FILE] PATH...``

Scores ``timestamp,value`` CSV files with the pipeline's own anomaly detector (same method,
same defaults — or the spec's ``thresholds.anomaly`` with ``--spec``) and writes, for each
input, ``timestamp,value,anomaly_score,anomaly`` to the same relative path under DIR. A
folder is walked recursively for ``*.csv``. Each file is scored online and fresh: a row's
score depends only on the rows above it. Files are scored together in batches, so one
process handles thousands of files quickly.

Input: a header naming ``timestamp`` and ``value`` (other columns are ignored); timestamps
ISO 8601 (``2014-02-14 14:30:00``, ``…T…Z``, offsets) or Unix seconds; an empty value,
``nan`` or ``null`` is a missing sample (score 0). The seasonal period is set from the
median timestamp spacing. A file that cannot be read or parsed stops the run with exit 2,
naming the file and line, before anything is written.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from tars_ci.cli import EXIT_OK
from tars_ci.errors import UsageError

if TYPE_CHECKING:
    import numpy as np

    from tars_ci.spec.model import AnomalySettings

DEFAULT_OUT = "anomaly-scores"
HEADER = "timestamp,value,anomaly_score,anomaly\n"
MISSING = {"", "nan", "null", "none", "na"}
#: Matrix cells scored at once, and the most padding a batch may add (longest ≤ 2 × shortest).
BATCH_CELLS = 1 << 21
BATCH_SPREAD = 2.0


class Series(NamedTuple):
    """One parsed input file."""

    source: Path
    target: Path
    timestamps: list[str]  # as written in the input
    values: list[str]  # as written in the input
    numbers: list[float]  # NaN where missing
    step: float  # median spacing in seconds; 0 when unknown
    quoted: bool  # the input used CSV quoting (so cells may need it again)


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


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Score every input file and write the results; UsageError (exit 2) on bad input."""
    from tars_ci.spec.model import AnomalySettings

    settings = (AnomalySettings() if args.spec is None else _spec_settings(args.spec, env))
    threshold = settings.threshold if args.threshold is None else args.threshold
    if not 0 < threshold < 1:
        raise UsageError(f"--threshold must be between 0 and 1 (exclusive), got {threshold}")
    out_dir = Path(args.out_dir)
    pairs = plan(args.paths, out_dir)
    series = [read_series(src, dst) for src, dst in pairs]
    flagged = points = 0
    for s, scores in score_all(series, settings):
        flagged += int((scores >= threshold).sum())
        points += len(s.numbers)
        write_scored(s, scores, threshold)
    print(f"scored {len(series)} file(s), {points} points into {out_dir}: {flagged} point(s) "
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


def read_series(source: Path, target: Path) -> Series:
    """Parse one CSV; UsageError names the file and line of the first problem."""
    import numpy as np

    try:
        text = source.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{source}: not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise UsageError(f"{source}: cannot read: {exc.strerror or exc}") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise UsageError(f"{source}:1: empty file; expected a header with timestamp,value")
    names = [h.strip().lower() for h in header]
    if "timestamp" not in names or "value" not in names:
        raise UsageError(f"{source}:1: header must name the columns timestamp and value, "
                         f"got {','.join(header)!r}")
    it, iv = names.index("timestamp"), names.index("value")
    need = max(it, iv) + 1
    rows = [row for row in reader if row]
    short = next((k for k, row in enumerate(rows) if len(row) < need), None)
    if short is not None:
        raise UsageError(f"{source}:{_line_of(text, short)}: expected at least {need} "
                         f"columns, got {len(rows[short])}")
    stamps = [row[it].strip() for row in rows]
    values = [row[iv].strip() for row in rows]
    numbers = _numbers(values, source, text)
    seconds = _timestamps(stamps, source, text)
    gaps = np.diff(seconds)
    gaps = gaps[gaps > 0]
    step = float(np.median(gaps)) if gaps.size else 0.0
    return Series(source, target, stamps, values, numbers.tolist(), step, '"' in text)


def _line_of(text: str, k: int) -> int:
    """Line number of the ``k``-th non-blank data row (only computed for error messages)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    for row in reader:
        if row:
            if k == 0:
                return reader.line_num
            k -= 1
    return reader.line_num


def _numbers(values: list[str], source: Path, text: str) -> np.ndarray:
    """The values as floats, NaN where missing; the slow path finds the bad line."""
    import numpy as np

    try:
        out = np.array(values, dtype=np.float64)
        if np.isfinite(out[~np.isnan(out)]).all():
            return out
    except ValueError:
        pass
    return np.array([_number(v, source, text, k) for k, v in enumerate(values)])


def _number(value: str, source: Path, text: str, k: int) -> float:
    if value.lower() in MISSING:
        return math.nan
    try:
        number = float(value)
    except ValueError:
        raise UsageError(f"{source}:{_line_of(text, k)}: value {value!r} is not a number"
                         ) from None
    if not math.isfinite(number):
        raise UsageError(f"{source}:{_line_of(text, k)}: value {value!r} is not a finite "
                         "number")
    return number


def _timestamps(stamps: list[str], source: Path, text: str) -> np.ndarray:
    """Unix seconds of each timestamp; numpy parses plain ISO and numbers fast, anything
    else (offsets, ``Z``) goes through :meth:`datetime.fromisoformat` row by row."""
    import warnings

    import numpy as np

    try:  # Unix seconds (numpy would read "1700000000" as a year)
        numbers = np.array(stamps, dtype=np.float64)
        if np.isfinite(numbers).all():
            return numbers
    except ValueError:
        pass
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            parsed = np.array(stamps, dtype="datetime64[us]")
            if not np.isnat(parsed).any():
                return parsed.astype(np.int64) / 1e6
        except (ValueError, DeprecationWarning, UserWarning):
            pass
    return np.array([_seconds(t, source, text, k) for k, t in enumerate(stamps)])


def _seconds(stamp: str, source: Path, text: str, k: int) -> float:
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        try:
            number = float(stamp)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise UsageError(f"{source}:{_line_of(text, k)}: timestamp {stamp!r} is neither "
                             "ISO 8601 nor Unix seconds") from None
        return number
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def score_all(series: Sequence[Series], settings: AnomalySettings
              ) -> list[tuple[Series, np.ndarray]]:
    """Each series with its scores; series with the same step are scored in padded batches."""
    import numpy as np

    from tars_ci.analysis.anomaly import score

    out: list[tuple[Series, np.ndarray]] = []
    by_step: dict[float, list[Series]] = {}
    for s in series:
        by_step.setdefault(s.step, []).append(s)
    for step, group in by_step.items():
        group.sort(key=lambda s: len(s.numbers))
        i = 0
        while i < len(group):
            longest = shortest = max(1, len(group[i].numbers))
            j = i + 1
            while j < len(group):
                n = max(1, len(group[j].numbers))
                if n > BATCH_SPREAD * shortest or (j - i + 1) * n > BATCH_CELLS:
                    break
                longest = n
                j += 1
            matrix = np.full((j - i, longest), np.nan)
            for r, s in enumerate(group[i:j]):
                matrix[r, :len(s.numbers)] = s.numbers
            scores = score(matrix, settings, step if step > 0 else 0.0).score
            out += [(s, scores[r, :len(s.numbers)]) for r, s in enumerate(group[i:j])]
            i = j
    return sorted(out, key=lambda pair: str(pair[0].target))


def write_scored(s: Series, scores: np.ndarray, threshold: float) -> None:
    """Write ``timestamp,value,anomaly_score,anomaly`` atomically."""
    from tars_ci.reports.jsonio import write_text

    stamps, values = s.timestamps, s.values
    if s.quoted:
        stamps, values = [_quoted(c) for c in stamps], [_quoted(c) for c in values]
    import numpy as np

    text = list(map("{:.10f}".format, scores.tolist()))
    flags = np.where(scores >= threshold, "1", "0").tolist()
    lines = [HEADER]
    lines += [f"{t},{v},{x},{f}\n" for t, v, x, f in zip(stamps, values, text, flags)]
    write_text(s.target, "".join(lines))


def _needs_quotes(cell: str) -> bool:
    return any(c in cell for c in ',"\r\n')


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if _needs_quotes(cell) else cell
