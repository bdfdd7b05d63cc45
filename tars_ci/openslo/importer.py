"""OpenSLO v1 SLOs → the spec's ``slos`` (and the ``kpis`` a threshold SLI needs).

:func:`resolve` joins each SLO with its SLI (inline or ``indicatorRef``) and checks that every
metric source is Prometheus (by ``type`` or through its ``DataSource``); :func:`import_slos`
maps the resolved SLOs (README, "OpenSLO v1", has the table):

- ``ratioMetric`` + Occurrences → a ratio SLI (good/total; ``bad`` → good = total − bad;
  ``counter: true`` → the summed ``rate(…[5m])`` of the counters);
- ``ratioMetric`` + Timeslices → a threshold SLI ``min: timeSliceTarget`` on a ratio KPI
  (good/total per step): each step is a time slice, so ``timeSliceWindow`` must be the spec's
  ``source.step``;
- ``ratioMetric`` + RatioTimeslices → a ratio SLI whose every step weighs one (the mean of
  the slices' ratios), ``timeSliceWindow`` = ``source.step`` too;
- ``thresholdMetric`` + Occurrences or Timeslices → a threshold SLI on a KPI of the metric's
  query (``lte``/``lt`` → ``max``, ``gte``/``gt`` → ``min``; tars-ci counts a value equal to
  the bound as good).

What does not map is an error naming the document and the field: calendar windows, months,
several objectives, raw ratios, non-Prometheus sources, a counter query tars-ci cannot take
the rate of, a time slice other than one step, a thresholdMetric with RatioTimeslices.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, NamedTuple

from tars_ci.errors import OpenSloError
from tars_ci.openslo import queries
from tars_ci.openslo.model import (
    DataSource,
    Document,
    Ignored,
    MetricSource,
    RatioMetric,
    Sli,
    SloDoc,
    Where,
)
from tars_ci.spec.fields import NAME_RE
from tars_ci.spec.model import Kpi
from tars_ci.spec.values import format_duration

KPI_ANNOTATION = "tars-ci/kpi"
UNIT_ANNOTATION = "tars-ci/unit"
DEFAULT_WINDOW = timedelta(days=30)


class Resolved(NamedTuple):
    """An SLO with its SLI, every source checked to be Prometheus."""

    slo: SloDoc
    sli: Sli


class Imported(NamedTuple):
    """What the import adds to a spec: SLOs and KPIs as spec YAML data, and notes."""

    slos: dict[str, dict[str, Any]]
    kpis: dict[str, dict[str, Any]]
    notes: list[str]


def spec_name(name: str) -> str:
    """An OpenSLO name (``web-availability``) as a spec name (``web_availability``)."""
    return re.sub(r"_+", "_", re.sub(r"[-./|\\\s]", "_", name.lower())).strip("_")


def resolve(documents: Sequence[Document]) -> tuple[list[Resolved], list[str]]:
    """The SLOs joined with their SLIs, and notes on what is not used; OpenSloError lists
    every reference or source that does not resolve."""
    slis = {d.name: d for d in documents if isinstance(d, Sli)}
    sources = {d.name: d for d in documents if isinstance(d, DataSource)}
    problems: list[str] = []
    notes: list[str] = []
    out = []
    used: set[str] = set()
    for doc in documents:
        if isinstance(doc, Ignored):
            notes.append(f"{doc.where.at('kind')}: not used ({doc.where.kind} has no "
                         f"tars-ci equivalent)")
        if not isinstance(doc, SloDoc):
            continue
        sli = doc.indicator
        path = "spec.indicator.spec"
        if sli is None:
            sli = slis.get(doc.indicator_ref)
            used.add(doc.indicator_ref)
            path = "spec.indicatorRef"
            if sli is None:
                problems.append(f"{doc.where.at('spec.indicatorRef')}: no SLI named "
                                f"{doc.indicator_ref!r} in the given files (known: "
                                f"{', '.join(sorted(slis)) or 'none'})")
                continue
        found = _check_sources(doc.where, sli, sources, path)
        problems += found
        if not found:
            out.append(Resolved(doc, sli))
    for name, sli in slis.items():
        if name not in used:
            notes.append(f"{sli.where.at('metadata.name')}: no SLO refers to this SLI; not "
                         f"imported")
    if problems:
        raise OpenSloError(problems)
    return out, notes


def _sources(sli: Sli) -> list[tuple[str, MetricSource]]:
    if sli.threshold is not None:
        return [("thresholdMetric", sli.threshold.source)]
    ratio = sli.ratio
    assert ratio is not None
    parts = [("good", ratio.good), ("bad", ratio.bad), ("total", ratio.total)]
    return [(f"ratioMetric.{k}", s) for k, s in parts if s is not None]


def _check_sources(where: Where, sli: Sli, sources: Mapping[str, DataSource],
                   path: str) -> list[str]:
    out = []
    for key, src in _sources(sli):
        at = where.at(f"{path} → {sli.where.kind or 'SLI'} {sli.name}: {key}.metricSource"
                      if path == "spec.indicatorRef" else f"{path}.{key}.metricSource")
        kind = src.type
        if src.ref:
            ds = sources.get(src.ref)
            if ds is None:
                out.append(f"{at}.metricSourceRef: no DataSource named {src.ref!r} in the "
                           f"given files")
                continue
            kind = kind or ds.type
        if not kind:
            out.append(f"{at}: give type (Prometheus) or a metricSourceRef to a DataSource")
        elif kind.lower() != "prometheus":
            out.append(f"{at}.type: {kind!r} does not map: tars-ci reads Prometheus queries")
    return out


# --------------------------------------------------------------------------- mapping


def import_slos(resolved: Sequence[Resolved], *, step: timedelta,
                kpis: Sequence[Kpi] = ()) -> Imported:
    """The spec's view of ``resolved``: an existing KPI with the same query is reused."""
    problems: list[str] = []
    notes: list[str] = []
    slos: dict[str, dict[str, Any]] = {}
    new_kpis: dict[str, dict[str, Any]] = {}
    for r in resolved:
        doc = r.slo
        name = spec_name(doc.name)
        if not NAME_RE.match(name):
            problems.append(f"{doc.where.at('metadata.name')}: {doc.name!r} does not make a "
                            f"spec name ({NAME_RE.pattern}), even as {name!r}")
            continue
        if name in slos:
            problems.append(f"{doc.where.at('metadata.name')}: a second SLO named {name!r}")
            continue
        entry: dict[str, Any] = {"objective": _percent(doc.objective.target)}
        if doc.window is None:
            notes.append(f"{doc.where.at('spec.timeWindow')}: absent; the spec's default "
                         f"rolling window {format_duration(DEFAULT_WINDOW)} applies")
        else:
            entry["window"] = format_duration(doc.window)
        if doc.alert_policies:
            notes.append(f"{doc.where.at('spec.alertPolicies')}: not imported; tars-ci's "
                         f"burn-rate alerts (slos.{name}.burn_alerts) apply, the Workbook's "
                         f"defaults unless you set them")
        found = _map(r, name, entry, step, kpis, new_kpis, notes)
        if found:
            problems += found
            continue
        slos[name] = entry
    if problems:
        raise OpenSloError(problems)
    return Imported(slos, new_kpis, notes)


def _percent(target: float) -> float:
    return round(target * 100.0, 10)


def _query(src: MetricSource | None, counter: bool) -> str | None:
    if src is None:
        return None
    return queries.rate_of(src.query) if counter else src.query


def _map(r: Resolved, name: str, entry: dict[str, Any], step: timedelta,
         kpis: Sequence[Kpi], new_kpis: dict[str, dict[str, Any]],
         notes: list[str]) -> list[str]:
    doc, sli, obj = r.slo, r.sli, r.slo.objective
    where = doc.where
    field = "spec.indicator.spec" if doc.indicator is not None else "SLI " + sli.name
    if doc.budgeting != "Occurrences":
        if obj.time_slice_window is None:
            return [where.at("spec.objectives[0].timeSliceWindow") + f": required with "
                    f"{doc.budgeting}"]
        if obj.time_slice_window != step:
            return [where.at("spec.objectives[0].timeSliceWindow") + f": "
                    f"{format_duration(obj.time_slice_window)} does not map: tars-ci judges "
                    f"a time slice per step, and the spec's source.step is "
                    f"{format_duration(step)} (set source.step to match, or use "
                    f"Occurrences)"]
    if sli.ratio is not None:
        return _ratio(r, name, entry, sli.ratio, field, kpis, new_kpis)
    assert sli.threshold is not None
    if doc.budgeting == "RatioTimeslices":
        return [where.at("spec.budgetingMethod") + ": RatioTimeslices needs a ratioMetric "
                "(the slices' ratios); a thresholdMetric has none"]
    if obj.op is None or obj.value is None:
        return [where.at("spec.objectives[0]") + ": a thresholdMetric needs op and value"]
    if obj.op in ("lt", "gt"):
        notes.append(f"{where.at('spec.objectives[0].op')}: {obj.op} imported as "
                     f"{'max' if obj.op == 'lt' else 'min'}: tars-ci counts a value equal "
                     f"to the bound as good")
    if doc.budgeting == "Timeslices":
        notes.append(f"{where.at('spec.budgetingMethod')}: Timeslices with one sample per "
                     f"slice: a slice is good when its sample meets the bound (the same as "
                     f"Occurrences over the samples)")
    kpi = _kpi_for(sli, sli.threshold.source.query, None, kpis, new_kpis,
                   "lower" if obj.op in ("lte", "lt") else "higher")
    bound = "max" if obj.op in ("lte", "lt") else "min"
    entry["threshold"] = {"kpi": kpi, bound: obj.value}
    return []


def _ratio(r: Resolved, name: str, entry: dict[str, Any], ratio: RatioMetric, field: str,
           kpis: Sequence[Kpi], new_kpis: dict[str, dict[str, Any]]) -> list[str]:
    doc, obj = r.slo, r.slo.objective
    good, bad = _query(ratio.good, ratio.counter), _query(ratio.bad, ratio.counter)
    total = _query(ratio.total, ratio.counter)
    if total is None or (good is None and bad is None):
        which = next(k for k, s in (("good", ratio.good), ("bad", ratio.bad),
                                    ("total", ratio.total))
                     if s is not None and _query(s, True) is None)
        return [doc.where.at(f"{field}.ratioMetric.{which}.metricSource.spec.query")
                + ": counter: true needs a vector selector or sum(selector) to take the rate "
                  "of; give a per-second rate query with counter: false"]
    good = good if good is not None else queries.good_from_bad(bad or "", total)
    if doc.budgeting == "Occurrences":
        entry["ratio"] = {"good": good, "total": total}
    elif doc.budgeting == "RatioTimeslices":
        g, t = queries.slice_ratio(good, total)
        entry["ratio"] = {"good": g, "total": t}
    else:  # Timeslices: a slice (step) is good when its ratio meets timeSliceTarget
        if obj.time_slice_target is None:
            return [doc.where.at("spec.objectives[0].timeSliceTarget")
                    + ": required with Timeslices"]
        kpi = _kpi_for(r.sli, good, total, kpis, new_kpis, "higher", f"{name}_ratio")
        entry["threshold"] = {"kpi": kpi, "min": obj.time_slice_target}
    return []


def _kpi_for(sli: Sli, query: str, denominator: str | None, kpis: Sequence[Kpi],
             new_kpis: dict[str, dict[str, Any]], better: str, fallback: str = "") -> str:
    """The KPI a threshold SLI reads: an existing one with the same series, else a new one
    (weight 0: imported for its SLO, it does not change the health score)."""
    for k in kpis:
        same = (k.ratio is None and k.query.strip() == query) if denominator is None else (
            k.ratio is not None and not k.ratio.slo and k.ratio.scale == 1
            and k.ratio.numerator.strip() == query
            and k.ratio.denominator.strip() == denominator)
        if same:
            return k.name
    name = sli.annotations.get(KPI_ANNOTATION) or fallback or spec_name(sli.name)
    entry: dict[str, Any] = (
        {"query": query} if denominator is None
        else {"ratio": {"numerator": query, "denominator": denominator}})
    entry.update({"unit": sli.annotations.get(UNIT_ANNOTATION)
                  or ("ratio" if denominator is not None else "value"),
                  "better": better, "weight": 0})
    if sli.display_name:
        entry["title"] = sli.display_name
    new_kpis[name] = entry
    return name
