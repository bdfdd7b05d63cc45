"""OpenSLO v1 → spec → OpenSLO v1 gives equivalent documents; spec → OpenSLO → spec too.

Equivalent: the same SLOs, each with the same budgeting method, rolling window, target, SLI
kind and per-second rate queries (a counter's as ``sum(rate(…[5m]))``, which is what the
SLO measures either way; good or bad, total), threshold bound and time slices, every source
Prometheus. Display names, descriptions, services and DataSource names are not part of
what tars-ci keeps.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from tars_ci.cli import main
from tars_ci.openslo import queries
from tars_ci.openslo.exporter import export_documents, export_text
from tars_ci.openslo.importer import Resolved, import_slos, resolve
from tars_ci.openslo.model import MetricSource, parse_documents
from tars_ci.openslo.specfile import merge
from tars_ci.spec import load_spec, parse_spec
from tests.openslo.test_import import DOCS, MINUTE, SMALL_SPEC

ROOT = Path(__file__).resolve().parents[2]


class Normal(NamedTuple):
    """What an OpenSLO SLO means, as tars-ci keeps it."""

    name: str
    budgeting: str
    window: timedelta
    target: float
    op: str | None
    value: float | None
    slice_target: float | None
    slice_window: timedelta | None
    good: str | None
    bad: str | None
    total: str | None
    threshold: str | None


def _q(src: MetricSource | None, counter: bool = False) -> str | None:
    if src is None:
        return None
    query = re.sub(r"\s+", " ", src.query.strip())
    return queries.rate_of(query) if counter else query


def normal(r: Resolved) -> Normal:
    slo, sli = r.slo, r.sli
    obj = slo.objective
    ratio = sli.ratio
    return Normal(slo.name, slo.budgeting, slo.window or timedelta(days=30),
                  round(obj.target, 9), obj.op, obj.value,
                  obj.time_slice_target if slo.budgeting == "Timeslices" else None,
                  obj.time_slice_window,
                  None if ratio is None else _q(ratio.good, ratio.counter),
                  None if ratio is None else _q(ratio.bad, ratio.counter),
                  None if ratio is None else _q(ratio.total, ratio.counter),
                  None if sli.threshold is None else _q(sli.threshold.source))


def normals(text: str, file: str) -> list[Normal]:
    resolved, _ = resolve(parse_documents(text, file))
    return [normal(r) for r in resolved]


def test_openslo_documents_round_trip_to_equivalent_documents() -> None:
    original = (DOCS / "roundtrip.yaml").read_text(encoding="utf-8")
    resolved, _ = resolve(parse_documents(original, "roundtrip.yaml"))
    got = import_slos(resolved, step=MINUTE)
    spec = parse_spec(merge(SMALL_SPEC, {"kpis": got.kpis, "slos": got.slos}, "tars.yaml"),
                      {}, "tars.yaml")
    exported = export_text(spec)
    assert normals(exported, "exported.yaml") == normals(original, "roundtrip.yaml")
    assert len(normals(exported, "exported.yaml")) == 5
    # and once more: a second import of the export changes nothing
    again, _ = resolve(parse_documents(exported, "exported.yaml"))
    assert import_slos(again, step=MINUTE, kpis=spec.kpis).slos == got.slos


def test_the_export_is_openslo_v1(tmp_path: Path) -> None:
    spec = load_spec(ROOT / "config" / "tars.yaml", {})
    docs = export_documents(spec)
    assert [d["kind"] for d in docs] == ["DataSource", "SLO", "SLO"]
    assert all(d["apiVersion"] == "openslo/v1" for d in docs)
    availability, latency = docs[1]["spec"], docs[2]["spec"]
    assert docs[2]["metadata"]["name"] == "latency-p99"
    assert availability["budgetingMethod"] == "Occurrences"
    assert availability["timeWindow"] == [{"duration": "30d", "isRolling": True}]
    assert availability["objectives"] == [{"target": 0.999}]
    ratio = availability["indicator"]["spec"]["ratioMetric"]
    assert ratio["counter"] is True
    assert ratio["good"]["metricSource"] == {
        "metricSourceRef": "prometheus", "type": "Prometheus",
        "spec": {"query": 'sum(http_requests_total{job="checkout-api",code!~"5.."})'}}
    assert latency["indicator"]["metadata"] == {
        "name": "p99-latency-ms",
        "annotations": {"tars-ci/kpi": "p99_latency_ms", "tars-ci/unit": "ms"}}
    assert latency["objectives"] == [{"target": 0.99, "op": "lte", "value": 250.0}]
    assert "histogram_quantile(0.99" in (
        latency["indicator"]["spec"]["thresholdMetric"]["metricSource"]["spec"]["query"])


def _spec_without_slos() -> str:
    text = (ROOT / "config" / "tars.yaml").read_text(encoding="utf-8")
    start, end = text.index("\nslos:\n"), text.index("\nthresholds:\n")
    return text[:start] + text[end:]


def test_the_example_spec_round_trips_through_openslo(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """spec → OpenSLO → a spec without SLOs: the same SLO entries come back."""
    monkeypatch.chdir(ROOT)
    assert main(["openslo", "export", "--out", str(tmp_path / "slos.yaml")], env={}) == 0
    assert f"wrote: {tmp_path / 'slos.yaml'} (2 SLOs)" in capsys.readouterr().out
    bare = tmp_path / "tars.yaml"
    bare.write_text(_spec_without_slos().replace(
        "ratio: {slo: availability, of: good, scale: 100}",
        "query: '100'").replace("ratio: {slo: availability, of: bad, scale: 100}",
                                "query: '0'"), encoding="utf-8")
    assert main(["openslo", "import", str(tmp_path / "slos.yaml"), "--spec", str(bare),
                 "--write"], env={}) == 0
    assert f"wrote: {bare} (+2 SLOs)" in capsys.readouterr().out
    original = load_spec(ROOT / "config" / "tars.yaml", {})
    back = load_spec(bare, {})
    assert back.slos == tuple(o for o in original.slos)


def test_import_then_export_through_the_cli(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "tars.yaml"
    spec.write_text(SMALL_SPEC, encoding="utf-8")
    assert main(["openslo", "import", str(DOCS / "roundtrip.yaml"), "--spec", str(spec),
                 "--write"], env={}) == 0
    assert capsys.readouterr().out == f"wrote: {spec} (+5 SLOs, +2 KPIs)\n"
    assert main(["openslo", "export", "--spec", str(spec)], env={}) == 0
    exported = capsys.readouterr().out
    assert exported.startswith("# OpenSLO v1 documents of the SLOs in")
    original = (DOCS / "roundtrip.yaml").read_text(encoding="utf-8")
    assert normals(exported, "exported.yaml") == normals(original, "roundtrip.yaml")
    docs: list[Any] = list(yaml.safe_load_all(exported))
    assert docs[0]["kind"] == "DataSource"
