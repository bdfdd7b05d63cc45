"""OpenSLO v1 documents as typed records, parsed once (the OpenSLO/OpenSLO README, v1).

:func:`parse_documents` reads a file — one or more YAML documents (``---``), each an object or
a list of objects — into :class:`DataSource`, :class:`Sli` and :class:`SloDoc` records; kinds
tars-ci has no use for (``Service``, ``AlertPolicy``, ``AlertCondition``,
``AlertNotificationTarget``) become :class:`Ignored`. Every problem names the file, the
document (its index in the file, kind and name) and the field, and all of them are reported
together in one :class:`~tars_ci.errors.OpenSloError`.

Shapes read (v1)::

    SLO         spec.indicator {metadata, spec: SLI spec} | spec.indicatorRef, budgetingMethod
                (Occurrences | Timeslices | RatioTimeslices), timeWindow [{duration,
                isRolling, calendar}], objectives [{op, value, target | targetPercent,
                timeSliceTarget, timeSliceWindow, displayName}], alertPolicies
    SLI         spec.ratioMetric {counter, good | bad, total, raw, rawType} |
                spec.thresholdMetric; a metric is {metricSource: {metricSourceRef, type,
                spec: {query, …}}}
    DataSource  spec.type, spec.connectionDetails
"""

from __future__ import annotations

import math
import re
import typing
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Literal, NamedTuple

import yaml

from tars_ci.errors import OpenSloError

API_VERSION = "openslo/v1"
KINDS = ("SLO", "SLI", "DataSource", "Service", "AlertPolicy", "AlertCondition",
         "AlertNotificationTarget")
IGNORED_KINDS = ("Service", "AlertPolicy", "AlertCondition", "AlertNotificationTarget")
BUDGETING = ("Occurrences", "Timeslices", "RatioTimeslices")
OPS = ("lte", "gte", "lt", "gt")
_SHORTHAND = re.compile(r"^([1-9][0-9]*)([mhdwMQY])$")
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1),
          "w": timedelta(weeks=1)}

Budgeting = Literal["Occurrences", "Timeslices", "RatioTimeslices"]
Op = Literal["lte", "gte", "lt", "gt"]


class Where(NamedTuple):
    """A document's place: file, position in the file (0-based), kind and name."""

    file: str
    position: int
    kind: str
    name: str

    def at(self, path: str) -> str:
        """``slo.yaml: document 2 (SLO web): spec.timeWindow[0]``."""
        name = f" {self.name}" if self.name else ""
        return (f"{self.file}: document {self.position} ({self.kind or 'no kind'}{name}): "
                f"{path}")


class MetricSource(NamedTuple):
    """A metric's source: a Prometheus query, by type or through a DataSource."""

    ref: str  # metricSourceRef ("" when absent)
    type: str  # as written ("" when absent: the DataSource's)
    query: str
    extra: tuple[str, ...]  # other keys of the source's spec, not used


class RatioMetric(NamedTuple):
    """``good`` or ``bad`` over ``total`` (queries); ``counter``: the queries are counters."""

    counter: bool
    good: MetricSource | None
    bad: MetricSource | None
    total: MetricSource


class ThresholdMetric(NamedTuple):
    """A metric whose every data point is compared with the objective's value."""

    source: MetricSource


class Sli(NamedTuple):
    """An SLI, standalone (kind SLI) or inline in an SLO."""

    where: Where
    name: str
    display_name: str
    annotations: Mapping[str, str]
    ratio: RatioMetric | None
    threshold: ThresholdMetric | None


class Objective(NamedTuple):
    """The SLO's one objective."""

    display_name: str
    target: float  # fraction, [0, 1)
    op: Op | None
    value: float | None
    time_slice_target: float | None
    time_slice_window: timedelta | None


class SloDoc(NamedTuple):
    """An SLO document."""

    where: Where
    name: str
    display_name: str
    description: str
    service: str
    annotations: Mapping[str, str]
    indicator: Sli | None  # inline
    indicator_ref: str
    budgeting: Budgeting
    window: timedelta | None  # rolling; None when timeWindow is absent
    objective: Objective
    alert_policies: int  # how many were given (not mapped)


class DataSource(NamedTuple):
    """A DataSource document."""

    where: Where
    name: str
    type: str


class Ignored(NamedTuple):
    """A document of a kind tars-ci does not map (Service, alerting kinds)."""

    where: Where


Document = SloDoc | Sli | DataSource | Ignored


# --------------------------------------------------------------------------- parsing


def _str(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    return value if isinstance(value, str) else ""


def _dict(obj: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = obj.get(key)
    return value if isinstance(value, dict) else {}


class _Problems:
    """Collects problems while one document is read."""

    def __init__(self, where: Where) -> None:
        self.where = where
        self.found: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.found.append(f"{self.where.at(path)}: {message}")


def parse_documents(text: str, file: str) -> list[Document]:
    """Every document of an OpenSLO file; OpenSloError lists every problem found."""
    try:
        loaded = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise OpenSloError([f"{file}{line}: not valid YAML: "
                            f"{getattr(exc, 'problem', None) or exc}"]) from exc
    objects: list[Any] = []
    for doc in loaded:
        objects.extend(doc if isinstance(doc, list) else [doc])
    if not objects:
        raise OpenSloError([f"{file}: no OpenSLO document in the file"])
    out: list[Document] = []
    problems: list[str] = []
    for index, obj in enumerate(objects):
        doc, found = _document(obj, file, index)
        problems += found
        if doc is not None:
            out.append(doc)
    if problems:
        raise OpenSloError(problems)
    return out


def _document(obj: Any, file: str, index: int) -> tuple[Document | None, list[str]]:
    if not isinstance(obj, dict):
        return None, [f"{file}: document {index}: expected an object with apiVersion, kind, "
                      f"metadata and spec, got {type(obj).__name__}"]
    kind, meta = _str(obj, "kind"), _dict(obj, "metadata")
    name = _str(meta, "name")
    where = Where(file, index, kind, name)
    p = _Problems(where)
    if obj.get("apiVersion") != API_VERSION:
        p.add("apiVersion", f"{obj.get('apiVersion')!r} is not supported: tars-ci reads "
                            f"{API_VERSION}")
    if kind not in KINDS:
        p.add("kind", f"{obj.get('kind')!r} is not an OpenSLO v1 kind ({', '.join(KINDS)})")
    if not name:
        p.add("metadata.name", "is required")
    if p.found:
        return None, p.found
    if kind in IGNORED_KINDS:
        return Ignored(where), []
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        p.add("spec", "must be an object")
        return None, p.found
    doc: Document | None
    if kind == "DataSource":
        doc = DataSource(where, name, _text(spec, "type", p, "spec.", required=True))
    elif kind == "SLI":
        doc = _sli(where, meta, spec, p, "spec.")
    else:
        doc = _slo(where, meta, spec, p)
    return (None, p.found) if p.found else (doc, [])


def _text(obj: Mapping[str, Any], key: str, p: _Problems, prefix: str,
          required: bool = False) -> str:
    value = obj.get(key)
    if value is None:
        if required:
            p.add(prefix + key, "is required")
        return ""
    if not isinstance(value, str):
        p.add(prefix + key, f"must be a string, got {value!r}")
        return ""
    return value


def _annotations(meta: Mapping[str, Any]) -> dict[str, str]:
    raw = meta.get("annotations")
    if not isinstance(raw, dict):
        return {}
    return {str(k): str(v) for k, v in raw.items()}


def _source(obj: Any, p: _Problems, path: str) -> MetricSource | None:
    if not isinstance(obj, dict) or not isinstance(obj.get("metricSource"), dict):
        p.add(path + ".metricSource", "is required (an object)")
        return None
    src = obj["metricSource"]
    spec = src.get("spec")
    if not isinstance(spec, dict):
        p.add(path + ".metricSource.spec", "is required (an object with a query)")
        return None
    query = _text(spec, "query", p, path + ".metricSource.spec.", required=True)
    return MetricSource(_text(src, "metricSourceRef", p, path + ".metricSource."),
                        _text(src, "type", p, path + ".metricSource."), query.strip(),
                        tuple(sorted(str(k) for k in spec if k != "query")))


def _sli(where: Where, meta: Mapping[str, Any], spec: Mapping[str, Any], p: _Problems,
         prefix: str) -> Sli | None:
    ratio_raw, threshold_raw = spec.get("ratioMetric"), spec.get("thresholdMetric")
    if (ratio_raw is None) == (threshold_raw is None):
        p.add(prefix.rstrip("."), "give exactly one of ratioMetric or thresholdMetric")
        return None
    name, display = _str(meta, "name"), _str(meta, "displayName")
    if threshold_raw is not None:
        source = _source(threshold_raw, p, prefix + "thresholdMetric")
        return Sli(where, name, display, _annotations(meta), None,
                   ThresholdMetric(source) if source else None)
    path = prefix + "ratioMetric"
    if not isinstance(ratio_raw, dict):
        p.add(path, "must be an object")
        return None
    if "raw" in ratio_raw or "rawType" in ratio_raw:
        p.add(path + ".raw", "a precomputed ratio does not map: tars-ci weighs every event "
                             "(good/total); give good or bad, and total")
        return None
    counter = ratio_raw.get("counter", False)
    if not isinstance(counter, bool):
        p.add(path + ".counter", f"must be true or false, got {counter!r}")
    if ("good" in ratio_raw) == ("bad" in ratio_raw):
        p.add(path, "give exactly one of good or bad, with total")
        return None
    good = _source(ratio_raw["good"], p, path + ".good") if "good" in ratio_raw else None
    bad = _source(ratio_raw["bad"], p, path + ".bad") if "bad" in ratio_raw else None
    total = _source(ratio_raw.get("total"), p, path + ".total")
    if total is None or (good is None and bad is None):
        return None
    return Sli(where, name, display, _annotations(meta),
               RatioMetric(counter is True, good, bad, total), None)


def shorthand(text: Any, p: _Problems, path: str, minutes: bool = False) -> timedelta | None:
    """A duration-shorthand (``28d``, ``4w``, ``1h``); ``minutes``: a bare number counts in
    minutes (``timeSliceWindow``). Months, quarters and years have no fixed length."""
    if (minutes and isinstance(text, (int, float)) and not isinstance(text, bool)
            and text > 0 and math.isfinite(text)):
        return timedelta(minutes=float(text))
    match = _SHORTHAND.match(text) if isinstance(text, str) else None
    if match is None:
        p.add(path, f"must be a duration-shorthand like 30d, 4w or 1h, got {text!r}")
        return None
    count, unit = int(match.group(1)), match.group(2)
    if unit in "MQY":
        p.add(path, f"{text!r}: months, quarters and years have no fixed length; tars-ci's "
                    f"rolling window needs minutes, hours, days or weeks (e.g. 30d)")
        return None
    return count * _UNITS[unit]


def _slo(where: Where, meta: Mapping[str, Any], spec: Mapping[str, Any],
         p: _Problems) -> SloDoc | None:
    inline, ref = spec.get("indicator"), spec.get("indicatorRef")
    indicator = None
    if (inline is None) == (ref is None):
        p.add("spec", "give exactly one of indicator or indicatorRef")
    elif inline is not None:
        if not isinstance(inline, dict) or not isinstance(inline.get("spec"), dict):
            p.add("spec.indicator", "must be an object with metadata and spec")
        else:
            imeta = _dict(inline, "metadata")
            indicator = _sli(where, imeta, inline["spec"], p, "spec.indicator.spec.")
    elif not isinstance(ref, str) or not ref:
        p.add("spec.indicatorRef", f"must be an SLI name, got {ref!r}")
    budgeting = spec.get("budgetingMethod")
    if budgeting not in BUDGETING:
        p.add("spec.budgetingMethod", f"must be one of {', '.join(BUDGETING)}, got "
                                      f"{budgeting!r}")
    window = _window(spec.get("timeWindow"), p)
    objective = _objective(spec.get("objectives"), p)
    policies = spec.get("alertPolicies")
    if p.found or objective is None:
        return None
    method = typing.cast(Budgeting, budgeting)  # checked against BUDGETING above
    return SloDoc(where, where.name, _str(meta, "displayName"),
                  _text(spec, "description", p, "spec."), _text(spec, "service", p, "spec."),
                  _annotations(meta), indicator, ref if isinstance(ref, str) else "",
                  method, window, objective,
                  len(policies) if isinstance(policies, list) else 0)


def _window(raw: Any, p: _Problems) -> timedelta | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) != 1 or not isinstance(raw[0], dict):
        p.add("spec.timeWindow", "must be a list of exactly one time window")
        return None
    item = raw[0]
    if "calendar" in item:
        p.add("spec.timeWindow[0].calendar", "calendar-aligned windows do not map: tars-ci's "
                                             "SLO window is rolling (isRolling: true)")
        return None
    if item.get("isRolling", True) is not True:
        p.add("spec.timeWindow[0].isRolling", "must be true: tars-ci's SLO window is rolling")
        return None
    return shorthand(item.get("duration"), p, "spec.timeWindow[0].duration")


def _number(obj: Mapping[str, Any], key: str, p: _Problems, path: str) -> float | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        p.add(path + key, f"must be a number, got {value!r}")
        return None
    return float(value)


def _objective(raw: Any, p: _Problems) -> Objective | None:
    if not isinstance(raw, list) or not raw:
        p.add("spec.objectives", "must be a list with one objective")
        return None
    if len(raw) > 1:
        p.add("spec.objectives", f"{len(raw)} objectives: a tars-ci SLO has one objective; "
                                 f"import each as its own SLO document")
        return None
    obj = raw[0]
    path = "spec.objectives[0]."
    if not isinstance(obj, dict):
        p.add(path.rstrip("."), "must be an object")
        return None
    target, percent = _number(obj, "target", p, path), _number(obj, "targetPercent", p, path)
    if (target is None) == (percent is None):
        p.add(path.rstrip("."), "give exactly one of target or targetPercent")
        return None
    fraction = target if target is not None else (percent or 0.0) / 100.0
    if not 0.0 < fraction < 1.0:
        p.add(path + ("target" if target is not None else "targetPercent"),
              "must be within (0, 1) (targetPercent: (0, 100))")
    op = obj.get("op")
    if op is not None and op not in OPS:
        p.add(path + "op", f"must be one of {', '.join(OPS)}, got {op!r}")
    slice_target = _number(obj, "timeSliceTarget", p, path)
    slice_window = (shorthand(obj["timeSliceWindow"], p, path + "timeSliceWindow", minutes=True)
                    if obj.get("timeSliceWindow") is not None else None)
    return Objective(_str(obj, "displayName"), round(fraction, 12), op, _number(obj, "value", p, path),
                     slice_target, slice_window)
