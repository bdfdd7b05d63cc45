"""Replay source: recorded series from a file, for the demo, tests and backtesting.

File format (JSON, optionally gzip-compressed when the name ends in ``.gz``)::

    {
      "format": "tars-ci-replay",
      "version": 1,
      "recorded_from": "http://prometheus:9090",      # optional, informational
      "series": {
        "<query name>": {                              # a KPI name, or slo:<name>:good|total
          "query": "<PromQL>",                         # optional, informational
          "labels": {"job": "checkout-api"},           # optional
          "start": 1762041600,                         # Unix seconds of values[0]
          "step": 60,                                  # seconds between values
          "values": [99.95, null, "NaN", ...]          # null = no sample (a gap);
        }                                              # "NaN", "+Inf", "-Inf" as strings
      }
    }

A query name absent from the file, or a window with no samples, is :class:`NoData`.
"""

from __future__ import annotations

import gzip
import json
import math
import typing
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from tars_ci.errors import ReplayFormatError
from tars_ci.sources.interface import NoData, Query, QueryResult, Samples

FORMAT = "tars-ci-replay"
VERSION = 1
_SPECIAL = {"NaN": math.nan, "+Inf": math.inf, "Inf": math.inf, "-Inf": -math.inf}


class RecordedSeries(NamedTuple):
    """One recorded series on a regular grid; NaN in ``present == False`` slots is a gap."""

    start: float
    step: float
    values: np.ndarray  # float64
    present: np.ndarray  # bool: a sample exists at this slot
    labels: Mapping[str, str]
    query: str


class ReplaySource:
    """A :class:`tars_ci.sources.interface.Source` over a replay file."""

    def __init__(self, series: Mapping[str, RecordedSeries], origin: str = "replay") -> None:
        self._series = dict(series)
        self.origin = origin

    @classmethod
    def from_file(cls, path: str | Path) -> ReplaySource:
        """Load ``path``; ReplayFormatError names the file when it is unusable."""
        return cls(read_replay(path), origin=str(path))

    def range_query(self, queries: Sequence[Query], start: datetime, end: datetime,
                    step: timedelta) -> dict[str, QueryResult]:
        """Samples of each query in ``[start, end)``, on the requested step where it divides."""
        return {q.name: self._one(q, start.timestamp(), end.timestamp(), step.total_seconds())
                for q in queries}

    def _one(self, query: Query, start: float, end: float, step: float) -> QueryResult:
        rec = self._series.get(query.name)
        if rec is None:
            return NoData(f"no series named {query.name!r} in {self.origin}")
        times = rec.start + rec.step * np.arange(len(rec.values), dtype=np.float64)
        keep = rec.present & (times >= start) & (times < end)
        ratio = step / rec.step
        if ratio > 1 and abs(ratio - round(ratio)) < 1e-9:
            keep &= np.isclose(np.mod(times - start, step), 0) | np.isclose(
                np.mod(times - start, step), step)
        if not keep.any():
            return NoData(f"{query.name}: no samples between "
                          f"{_iso(start)} and {_iso(end)} in {self.origin}")
        return Samples(times[keep], rec.values[keep], dict(rec.labels))

    def close(self) -> None:
        """Nothing to release."""


def _iso(ts: float) -> str:
    from datetime import timezone

    return datetime.fromtimestamp(ts, timezone.utc).isoformat().replace("+00:00", "Z")


# --------------------------------------------------------------------------- reading


def read_replay(path: str | Path) -> dict[str, RecordedSeries]:
    """Parse a replay file into recorded series."""
    file = str(path)
    try:
        raw = Path(path).read_bytes()
        if file.endswith(".gz"):
            raw = gzip.decompress(raw)
        doc = json.loads(raw.decode("utf-8"))
    except FileNotFoundError as exc:
        raise ReplayFormatError(file, "file not found") from exc
    except (OSError, EOFError, UnicodeDecodeError, ValueError) as exc:
        raise ReplayFormatError(file, f"cannot parse: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ReplayFormatError(file, f'"format" must be "{FORMAT}"')
    if doc.get("version") != VERSION:
        raise ReplayFormatError(file, f'"version" must be {VERSION}, got {doc.get("version")!r}')
    series = doc.get("series")
    if not isinstance(series, dict):
        raise ReplayFormatError(file, '"series" must be an object of name → series')
    return {str(name): _parse_series(file, str(name), body) for name, body in series.items()}


def _parse_series(file: str, name: str, body: Any) -> RecordedSeries:
    where = f"series {name!r}"
    if not isinstance(body, dict):
        raise ReplayFormatError(file, f"{where} must be an object")
    start, step, values = body.get("start"), body.get("step"), body.get("values")
    if not _number(start):
        raise ReplayFormatError(file, f'{where}: "start" must be Unix seconds')
    if not _number(step) or float(step) <= 0:
        raise ReplayFormatError(file, f'{where}: "step" must be a positive number of seconds')
    if not isinstance(values, list):
        raise ReplayFormatError(file, f'{where}: "values" must be a list')
    labels = body.get("labels", {})
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        raise ReplayFormatError(file, f'{where}: "labels" must map names to strings')
    out = np.full(len(values), np.nan)
    present = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(values):
        if v is None:
            continue
        if isinstance(v, str) and v in _SPECIAL:
            out[i] = _SPECIAL[v]
        elif _number(v):
            out[i] = float(v)
        else:
            raise ReplayFormatError(file, f"{where}: values[{i}] is {v!r}; expected a number, "
                                          'null, "NaN", "+Inf" or "-Inf"')
        present[i] = True
    return RecordedSeries(float(start), float(step), out, present, dict(labels),
                          str(body.get("query", "")))


def _number(v: Any) -> typing.TypeGuard[float]:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


# --------------------------------------------------------------------------- writing


def encode_series(series: RecordedSeries) -> dict[str, Any]:
    """The JSON object of one recorded series."""
    values: list[Any] = []
    for v, p in zip(series.values.tolist(), series.present.tolist()):
        if not p:
            values.append(None)
        elif math.isnan(v):
            values.append("NaN")
        elif math.isinf(v):
            values.append("+Inf" if v > 0 else "-Inf")
        else:
            values.append(v)  # full precision: a replay gives exactly the recorded numbers
    body: dict[str, Any] = {"start": series.start, "step": series.step, "values": values}
    if series.labels:
        body["labels"] = dict(series.labels)
    if series.query:
        body["query"] = series.query
    return body


def write_replay(path: str | Path, series: Mapping[str, RecordedSeries],
                 recorded_from: str = "") -> None:
    """Write a replay file atomically (gzip when the name ends in ``.gz``)."""
    from tars_ci.reports.jsonio import write_bytes

    doc: dict[str, Any] = {"format": FORMAT, "version": VERSION,
                           "series": {k: encode_series(v) for k, v in sorted(series.items())}}
    if recorded_from:
        doc["recorded_from"] = recorded_from
    data = (json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")
    if str(path).endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    write_bytes(Path(path), data)
