"""Reading ``timestamp,value`` CSV files for ``anomaly-score`` in bounded memory.

:func:`scan` reads a file once, in chunks, and checks everything that can be wrong with it
(header, columns, numbers, timestamps, their order) before anything is written; it learns
the sampling step (median spacing of the first :data:`STEP_SAMPLE` rows) and how numeric
timestamps are written (Unix seconds, or milliseconds / microseconds / nanoseconds, told
apart by their size). :func:`chunks` then reads it again, a chunk at a time, for scoring.

Timestamps must increase from row to row: an earlier or a repeated timestamp is an error
naming its line, unless ``sort`` is asked for — then the rows are scored in time order (a
stable sort, so repeated timestamps keep their file order) and :class:`FileInfo` says how
many rows were out of order or repeated. Only a file that really is out of order is held
in memory whole (to sort it); everything else streams.
"""

from __future__ import annotations

import csv
import io
import math
import warnings
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple, TextIO

import numpy as np

from tars_ci.errors import UsageError

MISSING = frozenset({"", "nan", "null", "none", "na"})
#: Bytes of text read at a time (about 100,000 rows of a short timestamp,value file) …
CHUNK_BYTES = 1 << 21
#: … and rows at a time when a file must be sorted first.
CHUNK_ROWS = 1 << 18
#: Rows whose spacing sets the step.
STEP_SAMPLE = 1 << 16
#: Numeric timestamps from these magnitudes on are ms, µs, ns (1e11 s is the year 5138).
EPOCH_UNITS = ((1e17, 1e9), (1e14, 1e6), (1e11, 1e3))


class FileInfo(NamedTuple):
    """What :func:`scan` learnt about one input file."""

    source: Path
    target: Path
    rows: int
    step: float  # median spacing in seconds; 0 when unknown
    unit: float  # numeric timestamps are divided by this to get seconds
    out_of_order: int  # rows earlier than the row above (only with sort)
    repeated: int  # rows with the same timestamp as the row above (only with sort)


class Chunk(NamedTuple):
    """Consecutive rows of a file (in time order)."""

    stamps: list[str]  # as written
    values: list[str]  # as written
    seconds: np.ndarray
    numbers: np.ndarray  # NaN where missing


def scan(source: Path, target: Path, sort: bool) -> FileInfo:
    """Check a whole file; UsageError names the file and line of the first problem."""
    unit = 0.0
    rows = out_of_order = repeated = 0
    previous = -math.inf
    sample: list[np.ndarray] = []
    for chunk in _raw_chunks(source, 0.0):
        unit = unit or _unit(chunk.stamps[0])
        chunk = chunk._replace(seconds=_seconds(chunk.stamps, source, rows, unit))
        gaps = np.diff(chunk.seconds, prepend=previous)
        bad = np.flatnonzero(gaps <= 0)
        if bad.size and not sort:
            k = int(bad[0])
            what = "repeats the timestamp of" if gaps[k] == 0 else "is earlier than"
            raise UsageError(
                f"{source}:{line_of(source, rows + k)}: timestamp {chunk.stamps[k]!r} {what} "
                "the row above; rows must be in time order (--sort sorts them, with a "
                "warning)")
        repeated += int(np.count_nonzero(gaps == 0))
        out_of_order += int(np.count_nonzero(gaps < 0))
        if rows < STEP_SAMPLE:
            sample.append(chunk.seconds[:STEP_SAMPLE - rows])
        previous = float(chunk.seconds[-1])
        rows += len(chunk.stamps)
    step = 0.0
    if sample:
        first = np.concatenate(sample)
        spacing = np.diff(np.sort(first) if out_of_order else first)
        spacing = spacing[spacing > 0]
        step = float(np.median(spacing)) if spacing.size else 0.0
    return FileInfo(source, target, rows, step, unit or 1.0, out_of_order, repeated)


def chunks(info: FileInfo) -> Iterator[Chunk]:
    """The rows of a scanned file in time order, a chunk at a time."""
    if not info.out_of_order:
        yield from _raw_chunks(info.source, info.unit)
        return
    parts = list(_raw_chunks(info.source, info.unit))  # it must be sorted: held whole
    stamps = [s for p in parts for s in p.stamps]
    values = [v for p in parts for v in p.values]
    seconds = np.concatenate([p.seconds for p in parts])
    numbers = np.concatenate([p.numbers for p in parts])
    order = np.argsort(seconds, kind="stable")
    for lo in range(0, len(order), CHUNK_ROWS):
        pick = order[lo:lo + CHUNK_ROWS]
        yield Chunk([stamps[i] for i in pick.tolist()], [values[i] for i in pick.tolist()],
                    seconds[pick], numbers[pick])


def _raw_chunks(source: Path, unit: float) -> Iterator[Chunk]:
    """Chunks in file order; ``unit`` 0 leaves the seconds to the caller (first chunk)."""
    try:
        with source.open(encoding="utf-8-sig", newline="") as fh:
            first = fh.readline()
            header = next(csv.reader([first]), None) if first else None
            if header is None:
                raise UsageError(f"{source}:1: empty file; expected a header with "
                                 "timestamp,value")
            names = [h.strip().lower() for h in header]
            if "timestamp" not in names or "value" not in names:
                raise UsageError(f"{source}:1: header must name the columns timestamp and "
                                 f"value, got {','.join(header)!r}")
            it, iv = names.index("timestamp"), names.index("value")
            need = max(it, iv) + 1
            done = 0
            for rows in _blocks(fh):
                short = next((k for k, row in enumerate(rows) if len(row) < need), None)
                if short is not None:
                    raise UsageError(f"{source}:{line_of(source, done + short)}: expected at "
                                     f"least {need} columns, got {len(rows[short])}")
                stamps = [row[it].strip() for row in rows]
                values = [row[iv].strip() for row in rows]
                numbers = _numbers(values, source, done)
                seconds = (_seconds(stamps, source, done, unit) if unit
                           else np.zeros(len(stamps)))
                yield Chunk(stamps, values, seconds, numbers)
                done += len(rows)
    except UnicodeDecodeError as exc:
        raise UsageError(f"{source}: not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise UsageError(f"{source}: cannot read: {exc.strerror or exc}") from exc


def _blocks(fh: TextIO) -> Iterator[list[list[str]]]:
    """Non-blank rows, :data:`CHUNK_BYTES` of text at a time. Lines without quotes are split
    on commas directly (three times faster than :mod:`csv`); a block with quotes goes
    through :mod:`csv`, extended until its quotes are balanced."""
    while True:
        lines = fh.readlines(CHUNK_BYTES)
        if not lines:
            return
        text = "".join(lines)
        if '"' in text:
            while text.count('"') % 2:  # a quoted field goes on past the block
                more = fh.readline()
                if not more:
                    break
                text += more
            rows = [row for row in csv.reader(io.StringIO(text, newline="")) if row]
        else:
            rows = [line.rstrip("\r\n").split(",") for line in lines]
            rows = [row for row in rows if row != [""]]
        if rows:
            yield rows


def line_of(source: Path, k: int) -> int:
    """Line number of the ``k``-th non-blank data row (only computed for error messages)."""
    with source.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for row in reader:
            if row:
                if k == 0:
                    return reader.line_num
                k -= 1
        return reader.line_num


def _numbers(values: list[str], source: Path, done: int) -> np.ndarray:
    """The values as floats, NaN where missing; the slow path finds the bad line."""
    try:
        out = np.array(values, dtype=np.float64)
        if np.isfinite(out[~np.isnan(out)]).all():
            return out
    except ValueError:
        pass
    return np.array([_number(v, source, done + k) for k, v in enumerate(values)])


def _number(value: str, source: Path, k: int) -> float:
    if value.lower() in MISSING:
        return math.nan
    try:
        number = float(value)
    except ValueError:
        raise UsageError(f"{source}:{line_of(source, k)}: value {value!r} is not a number"
                         ) from None
    if not math.isfinite(number):
        raise UsageError(f"{source}:{line_of(source, k)}: value {value!r} is not a finite "
                         "number")
    return number


def _unit(stamp: str) -> float:
    """Divisor of a numeric timestamp like ``stamp`` (1 for seconds or ISO text)."""
    try:
        number = abs(float(stamp))
    except ValueError:
        return 1.0
    return next((div for size, div in EPOCH_UNITS if number >= size), 1.0)


def _seconds(stamps: list[str], source: Path, done: int, unit: float) -> np.ndarray:
    """Unix seconds of each timestamp; numpy parses plain ISO and numbers fast, anything
    else (offsets, ``Z``) goes through :meth:`datetime.fromisoformat` row by row."""
    try:  # numbers (numpy would read "1700000000" as a year)
        numbers = np.array(stamps, dtype=np.float64)
        if np.isfinite(numbers).all():
            return numbers / unit
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
    return np.array([_stamp(t, source, done + k, unit) for k, t in enumerate(stamps)])


def _stamp(stamp: str, source: Path, k: int, unit: float) -> float:
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        try:
            number = float(stamp)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise UsageError(f"{source}:{line_of(source, k)}: timestamp {stamp!r} is neither "
                             "ISO 8601 nor a Unix time") from None
        return number / unit
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()
