"""The spec's SLOs as OpenSLO v1 documents: one ``DataSource`` and one ``SLO`` per SLO.

The reverse of :mod:`tars_ci.openslo.importer`: a ratio SLI is ``ratioMetric`` with
Occurrences (``bad`` and ``counter: true`` when its queries have the shapes the import
writes, :mod:`tars_ci.openslo.queries`), or RatioTimeslices when every step weighs one; a
threshold SLI on a query KPI is a ``thresholdMetric`` with Occurrences (each sample is an
occurrence); a ``min`` threshold on a ratio KPI is a ``ratioMetric`` with Timeslices (each
step a slice, ``timeSliceTarget`` = min / scale). The SLI is inline, named after its KPI (or
SLO), and annotated with ``tars-ci/kpi`` and ``tars-ci/unit`` so that an import restores the
KPI. Burn-rate alerts are not exported: an OpenSLO v1 AlertCondition has one lookback window,
a tars-ci alert two.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import yaml

from tars_ci.analysis.rules import signal_of
from tars_ci.errors import UsageError
from tars_ci.openslo import queries
from tars_ci.openslo.importer import KPI_ANNOTATION, UNIT_ANNOTATION
from tars_ci.openslo.model import API_VERSION
from tars_ci.spec.model import Slo, Spec

DATASOURCE = "prometheus"


def dns_name(name: str) -> str:
    """A spec name as an OpenSLO (RFC 1123) name: ``latency_p99`` → ``latency-p99``."""
    return name.replace("_", "-")


def shorthand(value: timedelta) -> str:
    """A duration as an OpenSLO duration-shorthand (days, else hours, else minutes)."""
    for unit, size in (("d", timedelta(days=1)), ("h", timedelta(hours=1)),
                       ("m", timedelta(minutes=1))):
        if value % size == timedelta(0):
            return f"{value // size}{unit}"
    raise UsageError(f"{value} is not a whole number of minutes: OpenSLO has no shorter unit")


def export_documents(spec: Spec) -> list[dict[str, Any]]:
    """The spec's SLOs as OpenSLO v1 documents, a DataSource first."""
    docs: list[dict[str, Any]] = [{
        "apiVersion": API_VERSION, "kind": "DataSource",
        "metadata": {"name": DATASOURCE},
        "spec": {"type": "Prometheus",
                 "description": f"The Prometheus source of the tars-ci spec of "
                                f"{spec.release.name} (its URL comes from the spec)",
                 "connectionDetails": {}},
    }]
    docs += [_slo(spec, slo) for slo in spec.slos]
    return docs


def export_text(spec: Spec, header: str = "") -> str:
    """:func:`export_documents` as a YAML stream (``---`` between documents)."""
    body = yaml.safe_dump_all(export_documents(spec), sort_keys=False, allow_unicode=True,
                              width=1 << 16, explicit_start=True)
    return header + body


def _metric(query: str) -> dict[str, Any]:
    return {"metricSource": {"metricSourceRef": DATASOURCE, "type": "Prometheus",
                             "spec": {"query": query}}}


def _ratio_metric(good: str, total: str) -> dict[str, Any]:
    """good/total, as bad/total and counters when the queries have those shapes."""
    bad = queries.bad_of(good, total)
    numerator = ("bad", bad) if bad is not None else ("good", good)
    counters = [queries.counter_of(q) for q in (numerator[1], total)]
    if all(c is not None for c in counters):
        return {"counter": True, numerator[0]: _metric(counters[0] or ""),
                "total": _metric(counters[1] or "")}
    return {"counter": False, numerator[0]: _metric(numerator[1]), "total": _metric(total)}


def _slo(spec: Spec, slo: Slo) -> dict[str, Any]:
    step = spec.source.step
    objective: dict[str, Any] = {"target": round(slo.objective / 100.0, 12)}
    annotations = {}
    if slo.ratio is not None:
        sli_name = slo.name
        sliced = queries.slices_of(slo.ratio.good, slo.ratio.total)
        if sliced is not None:
            budgeting = "RatioTimeslices"
            indicator: dict[str, Any] = {"ratioMetric": _ratio_metric(*sliced)}
            objective["timeSliceWindow"] = shorthand(step)
        else:
            budgeting = "Occurrences"
            indicator = {"ratioMetric": _ratio_metric(slo.ratio.good, slo.ratio.total)}
    else:
        th = slo.threshold
        assert th is not None
        kpi = spec.kpi(th.kpi)
        sli_name = kpi.name
        annotations = {KPI_ANNOTATION: kpi.name, UNIT_ANNOTATION: kpi.unit}
        signal = signal_of(kpi, spec.slos)
        if signal.is_ratio and th.min is not None:
            numerator = (queries.good_from_bad(signal.numerator, signal.denominator)
                         if signal.complement else signal.numerator)
            budgeting = "Timeslices"
            indicator = {"ratioMetric": _ratio_metric(numerator, signal.denominator)}
            objective.update({"timeSliceTarget": th.min / signal.scale,
                              "timeSliceWindow": shorthand(step)})
        else:
            query = signal.query
            if signal.is_ratio:
                top = (f"({signal.denominator}) - ({signal.numerator})" if signal.complement
                       else signal.numerator)
                scale = "" if signal.scale == 1 else f"{signal.scale:g} * "
                query = f"{scale}({top}) / ({signal.denominator})"
            budgeting = "Occurrences"
            indicator = {"thresholdMetric": _metric(query)}
            objective.update({"op": "lte" if th.max is not None else "gte",
                              "value": th.max if th.max is not None else th.min})
    meta: dict[str, Any] = {"name": dns_name(sli_name)}
    if annotations:
        meta["annotations"] = annotations
    return {
        "apiVersion": API_VERSION, "kind": "SLO",
        "metadata": {"name": dns_name(slo.name)},
        "spec": {
            "description": f"{slo.name} of {spec.release.name}, exported by tars-ci",
            "service": spec.release.release_slug,
            "indicator": {"metadata": meta, "spec": indicator},
            "timeWindow": [{"duration": shorthand(slo.window), "isRolling": True}],
            "budgetingMethod": budgeting,
            "objectives": [objective],
        },
    }
