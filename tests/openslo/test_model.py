"""openslo.model: OpenSLO v1 documents parsed once, every problem located."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tars_ci.errors import OpenSloError
from tars_ci.openslo.model import DataSource, Ignored, Sli, SloDoc, parse_documents

DOCS = Path(__file__).parent / "docs"


def parse(text: str) -> list[object]:
    return list(parse_documents(text, "slo.yaml"))


def problems(text: str) -> list[str]:
    with pytest.raises(OpenSloError) as info:
        parse_documents(text, "slo.yaml")
    return info.value.problems


def test_a_stream_of_documents_parses_into_records() -> None:
    docs = parse_documents((DOCS / "roundtrip.yaml").read_text(encoding="utf-8"),
                           "roundtrip.yaml")
    assert [type(d).__name__ for d in docs] == ["DataSource", "Sli", "SloDoc", "SloDoc",
                                                "SloDoc", "SloDoc", "SloDoc"]
    source, sli, web = docs[0], docs[1], docs[2]
    assert isinstance(source, DataSource) and source.type == "Prometheus"
    assert isinstance(sli, Sli) and sli.ratio is not None and sli.ratio.counter
    assert sli.ratio.good is not None and sli.ratio.good.ref == "prometheus-datasource"
    assert sli.ratio.good.query == 'sum(http_requests_total{component="web",code!~"5.."})'
    assert isinstance(web, SloDoc)
    assert (web.name, web.indicator_ref, web.budgeting, web.window) == (
        "web-availability", "web-successful-requests", "Occurrences", timedelta(days=28))
    assert web.objective.target == 0.995 and web.where.position == 2
    errors = docs[3]
    assert isinstance(errors, SloDoc) and errors.objective.target == pytest.approx(0.999)
    assert errors.indicator is not None and errors.indicator.ratio is not None
    assert errors.indicator.ratio.bad is not None and errors.indicator.ratio.good is None
    minutes = docs[6]
    assert isinstance(minutes, SloDoc)
    assert minutes.objective.time_slice_window == timedelta(minutes=1)
    assert minutes.objective.time_slice_target == 0.95


def test_a_list_of_objects_and_the_kinds_not_used() -> None:
    docs = parse_documents((DOCS / "kinds.yaml").read_text(encoding="utf-8"), "kinds.yaml")
    assert [type(d).__name__ for d in docs] == ["Ignored", "Ignored", "Ignored", "Sli",
                                                "SloDoc"]
    first = docs[0]
    assert isinstance(first, Ignored) and first.where.kind == "Service"
    slo = docs[4]
    assert isinstance(slo, SloDoc) and slo.window is None and slo.alert_policies == 1


HEAD = "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: web}\nspec:\n"
RATIO = ("  indicator:\n    metadata: {name: x}\n    spec:\n      ratioMetric:\n"
         "        good: {metricSource: {type: Prometheus, spec: {query: a}}}\n"
         "        total: {metricSource: {type: Prometheus, spec: {query: b}}}\n")


@pytest.mark.parametrize(("text", "message"), [
    ("apiVersion: openslo/v1alpha\nkind: SLO\nmetadata: {name: web}\nspec: {}\n",
     "slo.yaml: document 0 (SLO web): apiVersion: 'openslo/v1alpha' is not supported: "
     "tars-ci reads openslo/v1"),
    ("apiVersion: openslo/v1\nkind: Dashboard\nmetadata: {name: d}\nspec: {}\n",
     "slo.yaml: document 0 (Dashboard d): kind: 'Dashboard' is not an OpenSLO v1 kind"),
    ("apiVersion: openslo/v1\nkind: SLI\nmetadata: {}\nspec: {}\n",
     "slo.yaml: document 0 (SLI): metadata.name: is required"),
    (HEAD + RATIO + "  budgetingMethod: Occurrences\n"
     "  timeWindow: [{duration: 1M, isRolling: false, calendar: {startTime: '2022-01-01 "
     "00:00:00', timeZone: UTC}}]\n  objectives: [{target: 0.99}]\n",
     "slo.yaml: document 0 (SLO web): spec.timeWindow[0].calendar: calendar-aligned windows "
     "do not map"),
    (HEAD + RATIO + "  budgetingMethod: Occurrences\n"
     "  timeWindow: [{duration: 1M, isRolling: true}]\n  objectives: [{target: 0.99}]\n",
     "spec.timeWindow[0].duration: '1M': months, quarters and years have no fixed length"),
    (HEAD + RATIO + "  budgetingMethod: Occurrences\n"
     "  objectives: [{target: 0.99}, {targetPercent: 99.9}]\n",
     "spec.objectives: 2 objectives: a tars-ci SLO has one objective"),
    (HEAD + RATIO + "  budgetingMethod: Occurrences\n"
     "  objectives: [{target: 0.99, targetPercent: 99}]\n",
     "spec.objectives[0]: give exactly one of target or targetPercent"),
    (HEAD + RATIO + "  budgetingMethod: Occurrences\n  objectives: [{target: 1.5}]\n",
     "spec.objectives[0].target: must be within (0, 1)"),
    (HEAD + RATIO + "  budgetingMethod: Weekly\n  objectives: [{target: 0.9}]\n",
     "spec.budgetingMethod: must be one of Occurrences, Timeslices, RatioTimeslices"),
    (HEAD + "  indicatorRef: x\n" + RATIO + "  budgetingMethod: Occurrences\n"
     "  objectives: [{target: 0.9}]\n",
     "spec: give exactly one of indicator or indicatorRef"),
    (HEAD + "  indicator:\n    metadata: {name: x}\n    spec:\n      ratioMetric:\n"
     "        rawType: success\n        raw: {metricSource: {type: Prometheus, spec: "
     "{query: a}}}\n  budgetingMethod: Occurrences\n  objectives: [{target: 0.9}]\n",
     "spec.indicator.spec.ratioMetric.raw: a precomputed ratio does not map"),
    (HEAD + "  indicator:\n    metadata: {name: x}\n    spec:\n      ratioMetric:\n"
     "        good: {metricSource: {type: Prometheus, spec: {query: a}}}\n"
     "        bad: {metricSource: {type: Prometheus, spec: {query: a}}}\n"
     "        total: {metricSource: {type: Prometheus, spec: {query: b}}}\n"
     "  budgetingMethod: Occurrences\n  objectives: [{target: 0.9}]\n",
     "spec.indicator.spec.ratioMetric: give exactly one of good or bad, with total"),
    (HEAD + "  indicator:\n    metadata: {name: x}\n    spec:\n      thresholdMetric:\n"
     "        metricSource: {type: Prometheus, spec: {promql: up}}\n"
     "  budgetingMethod: Occurrences\n  objectives: [{target: 0.9, op: lte, value: 1}]\n",
     "spec.indicator.spec.thresholdMetric.metricSource.spec.query: is required"),
    ("kind: [\n", "slo.yaml:2: not valid YAML"),
    ("", "slo.yaml: no OpenSLO document in the file"),
])
def test_what_does_not_parse_is_named_by_document_and_field(text: str, message: str) -> None:
    found = problems(text)
    assert any(message in p for p in found), found


def test_every_problem_is_reported_together() -> None:
    text = ("apiVersion: openslo/v1alpha\nkind: SLO\nmetadata: {name: a}\nspec: {}\n---\n"
            + HEAD + RATIO + "  budgetingMethod: Occurrences\n  objectives: []\n")
    found = problems(text)
    assert len(found) == 2
    assert found[0].startswith("slo.yaml: document 0 (SLO a): apiVersion")
    assert found[1].startswith("slo.yaml: document 1 (SLO web): spec.objectives")


def test_time_slice_windows_in_minutes_or_shorthand() -> None:
    text = (HEAD + RATIO + "  budgetingMethod: Timeslices\n"
            "  objectives: [{target: 0.9, timeSliceTarget: 0.9, timeSliceWindow: 5}]\n")
    slo = parse(text)[0]
    assert isinstance(slo, SloDoc) and slo.objective.time_slice_window == timedelta(minutes=5)
    assert slo.window is None
