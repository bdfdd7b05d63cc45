"""Prometheus API result data → typed query results.

A range query's ``data`` is ``{"resultType": "matrix", "result": [{"metric": {...},
"values": [[<unix seconds>, "<value>"], ...]}, ...]}``. Sample values are strings; ``"NaN"``,
``"+Inf"`` and ``"-Inf"`` are parsed explicitly and kept (the analysis decides what a
non-finite sample means). Chunks of one query are stitched by label set; more than one
label set is an error naming the query, because a KPI must be one series.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from tars_ci.sources.interface import NoData, QueryFailed, QueryResult, Samples

_SPECIAL = {"NaN": math.nan, "+Inf": math.inf, "Inf": math.inf, "-Inf": -math.inf}
_SHOWN_SERIES = 3


class Malformed(ValueError):
    """The result data does not have the shape of a Prometheus API result."""


class Series(NamedTuple):
    """One series of one chunk."""

    labels: dict[str, str]
    timestamps: np.ndarray
    values: np.ndarray


def value(text: Any) -> float:
    """A sample value as Prometheus writes it (a string; NaN and ±Inf spelled out)."""
    if isinstance(text, str):
        special = _SPECIAL.get(text)
        if special is not None:
            return special
        try:
            return float(text)
        except ValueError:
            pass
    raise Malformed(f"sample value {text!r} is not a number")


def _values(texts: list[Any]) -> np.ndarray:
    """Sample values; numpy parses the strings in C, and any odd one is checked by value()."""
    if all(type(t) is str for t in texts):
        try:
            return np.array(texts, dtype=np.float64)  # reads "NaN", "+Inf", "-Inf" too
        except ValueError:
            pass  # fall through: value() names the offending sample
    return np.array([value(t) for t in texts], dtype=np.float64)


def parse_matrix(data: Any) -> list[Series]:
    """The series of a range-query result (Malformed when it is not a matrix)."""
    if not isinstance(data, dict):
        raise Malformed("result data is not an object")
    kind = data.get("resultType")
    result = data.get("result")
    if kind != "matrix" or not isinstance(result, list):
        raise Malformed(f"expected a matrix result, got resultType {kind!r}")
    out = []
    for item in result:
        if not isinstance(item, dict) or not isinstance(item.get("metric"), dict):
            raise Malformed("a series has no \"metric\" object")
        if "histograms" in item:
            raise Malformed("native histogram samples are not supported; use "
                            "histogram_quantile(...) to get a number")
        points = item.get("values")
        if not isinstance(points, list):
            raise Malformed("a series has no \"values\" list")
        try:
            ts = np.array([float(p[0]) for p in points], dtype=np.float64)
            texts = [p[1] for p in points]
        except (TypeError, IndexError, KeyError, ValueError, OverflowError) as exc:
            raise Malformed(f"a sample is not [timestamp, \"value\"]: {exc}") from exc
        vs = _values(texts)
        labels = {str(k): str(v) for k, v in item["metric"].items()}
        out.append(Series(labels, ts, vs))
    return out


def parse_instant(data: Any) -> list[Series]:
    """The samples of an instant-query result (vector or scalar) as one-point series."""
    if not isinstance(data, dict):
        raise Malformed("result data is not an object")
    kind, result = data.get("resultType"), data.get("result")
    try:
        if kind == "scalar" and isinstance(result, list):
            return [Series({}, np.array([float(result[0])]), np.array([value(result[1])]))]
        if kind == "vector" and isinstance(result, list):
            return [Series({str(k): str(v) for k, v in item["metric"].items()},
                           np.array([float(item["value"][0])]),
                           np.array([value(item["value"][1])])) for item in result]
    except Malformed:
        raise
    except (TypeError, IndexError, KeyError, AttributeError, ValueError, OverflowError) as exc:
        raise Malformed(f"a sample is not [timestamp, \"value\"]: {exc}") from exc
    raise Malformed(f"expected a vector or scalar result, got resultType {kind!r}")


def stitch(query: str, chunks: Sequence[Sequence[Series]], start: float, end: float,
           empty_reason: str) -> QueryResult:
    """One result from the chunks of a query, in chunk order, keeping ``[start, end)``.

    Duplicate timestamps (a server that returns a chunk's edge twice) keep the first sample.
    """
    by_labels: dict[tuple[tuple[str, str], ...], list[Series]] = {}
    for chunk in chunks:
        for s in chunk:
            by_labels.setdefault(tuple(sorted(s.labels.items())), []).append(s)
    if not by_labels:
        return NoData(empty_reason)
    if len(by_labels) > 1:
        return QueryFailed(query, _many(by_labels))
    (labels, parts), = by_labels.items()
    ts = np.concatenate([p.timestamps for p in parts])
    vs = np.concatenate([p.values for p in parts])
    order = np.argsort(ts, kind="stable")
    ts, vs = ts[order], vs[order]
    keep = (ts >= start) & (ts < end)
    keep[1:] &= np.diff(ts) > 0
    if not keep.any():
        return NoData(empty_reason)
    return Samples(ts[keep], vs[keep], dict(labels))


def _many(by_labels: Mapping[tuple[tuple[str, str], ...], object]) -> str:
    shown = ["{" + ", ".join(f'{k}="{v}"' for k, v in labels) + "}"
             for labels in list(by_labels)[:_SHOWN_SERIES]]
    more = len(by_labels) - len(shown)
    listing = ", ".join(shown) + (f" and {more} more" if more > 0 else "")
    return (f"returned {len(by_labels)} series where one was expected ({listing}); "
            "aggregate it to one series in PromQL: sum(...) for a total, max(...) for a "
            "per-pod or per-instance limit (memory, restarts), avg(...) for a typical value")
