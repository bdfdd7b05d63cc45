"""openslo.importer: each OpenSLO v1 form mapped into the spec, and what does not map."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tars_ci.errors import OpenSloError
from tars_ci.openslo.importer import Imported, import_slos, resolve
from tars_ci.openslo.model import parse_documents
from tars_ci.openslo.specfile import merge
from tars_ci.spec import parse_spec
from tars_ci.spec.model import Kpi

DOCS = Path(__file__).parent / "docs"
MINUTE = timedelta(minutes=1)
SMALL_SPEC = """\
version: 1
release: {name: svc v1, ga_time: "2026-11-02T00:00:00Z"}
source: {kind: replay, path: x.json}
kpis:
  up:
    query: avg(up)
    unit: ratio
    better: higher
"""


def imported(text: str, step: timedelta = MINUTE, kpis: tuple[Kpi, ...] = ()) -> Imported:
    resolved, _ = resolve(parse_documents(text, "slo.yaml"))
    return import_slos(resolved, step=step, kpis=kpis)


def roundtrip_docs() -> Imported:
    resolved, notes = resolve(parse_documents((DOCS / "roundtrip.yaml").read_text("utf-8"),
                                              "roundtrip.yaml"))
    assert notes == []
    return import_slos(resolved, step=MINUTE)


def test_each_form_maps_into_the_spec() -> None:
    got = roundtrip_docs()
    assert got.slos == {
        "web_availability": {
            "objective": 99.5, "window": "28d",
            "ratio": {"good": 'sum(rate(http_requests_total{component="web",code!~"5.."}[5m]))',
                      "total": 'sum(rate(http_requests_total{component="web"}[5m]))'}},
        "checkout_errors": {
            "objective": 99.9, "window": "30d",
            "ratio": {"good": '(sum by (region) (rate(checkout_requests_total[5m]))) - (sum by '
                              '(region) (rate(checkout_requests_total{status="error"}[5m])))',
                      "total": "sum by (region) (rate(checkout_requests_total[5m]))"}},
        "main_page": {
            "objective": 99.0, "window": "14d",
            "ratio": {"good": '(sum(rate(main_page_requests_total{code=~"2.."}[5m]))) / '
                              '(sum(rate(main_page_requests_total[5m])))',
                      "total": "(sum(rate(main_page_requests_total[5m]))) / "
                               "(sum(rate(main_page_requests_total[5m])))"}},
        "search_latency": {
            "objective": 99.0, "window": "7d",
            "threshold": {"kpi": "search_p99_seconds", "max": 0.3}},
        "api_minutes": {
            "objective": 99.0, "window": "1d",
            "threshold": {"kpi": "api_minutes_ratio", "min": 0.95}},
    }
    assert got.kpis == {
        "search_p99_seconds": {
            "query": "histogram_quantile(0.99, sum by (le) "
                     "(rate(search_duration_seconds_bucket[5m])))",
            "unit": "s", "better": "lower", "weight": 0, "title": "Search p99 latency"},
        "api_minutes_ratio": {
            "ratio": {"numerator": 'sum(rate(api_requests_total{code!~"5.."}[5m]))',
                      "denominator": "sum(rate(api_requests_total[5m]))"},
            "unit": "ratio", "better": "higher", "weight": 0},
    }
    assert got.notes == []


def test_the_imported_slos_make_a_valid_spec() -> None:
    got = roundtrip_docs()
    text = merge(SMALL_SPEC, {"kpis": got.kpis, "slos": got.slos}, "tars.yaml")
    spec = parse_spec(text, {}, "tars.yaml")
    assert [o.name for o in spec.slos] == list(got.slos)
    assert spec.kpi("api_minutes_ratio").weight == 0
    assert spec.slos[0].window == timedelta(days=28)


def test_kinds_not_used_and_policies_are_notes() -> None:
    resolved, notes = resolve(parse_documents((DOCS / "kinds.yaml").read_text("utf-8"),
                                              "kinds.yaml"))
    got = import_slos(resolved, step=MINUTE)
    assert got.slos == {"web_up": {"objective": 99.0, "ratio": {
        "good": 'sum(up{job="web"})', "total": 'count(up{job="web"})'}}}
    assert notes == [
        "kinds.yaml: document 0 (Service web): kind: not used (Service has no tars-ci "
        "equivalent)",
        "kinds.yaml: document 1 (AlertNotificationTarget OnCallDevopsMailNotification): kind: "
        "not used (AlertNotificationTarget has no tars-ci equivalent)",
        "kinds.yaml: document 2 (AlertCondition cpu-usage-breach): kind: not used "
        "(AlertCondition has no tars-ci equivalent)",
        "kinds.yaml: document 3 (SLI unused): metadata.name: no SLO refers to this SLI; not "
        "imported",
    ]
    assert got.notes == [
        "kinds.yaml: document 4 (SLO web-up): spec.timeWindow: absent; the spec's default "
        "rolling window 30d applies",
        "kinds.yaml: document 4 (SLO web-up): spec.alertPolicies: not imported; tars-ci's "
        "burn-rate alerts (slos.web_up.burn_alerts) apply, the Workbook's defaults unless you "
        "set them",
    ]


def _slo(budgeting: str, sli: str, objective: str, extra: str = "") -> str:
    return (f"apiVersion: openslo/v1\nkind: SLO\nmetadata: {{name: s}}\nspec:\n  service: x\n"
            f"  indicator:\n    metadata: {{name: i}}\n    spec:\n{sli}"
            f"  budgetingMethod: {budgeting}\n  objectives: [{objective}]\n{extra}")


RATIO = ("      ratioMetric:\n        counter: {counter}\n"
         "        good: {{metricSource: {{type: Prometheus, spec: {{query: '{good}'}}}}}}\n"
         "        total: {{metricSource: {{type: Prometheus, spec: {{query: '{total}'}}}}}}\n")
THRESHOLD = ("      thresholdMetric:\n"
             "        metricSource: {type: Prometheus, spec: {query: 'avg(up)'}}\n")


@pytest.mark.parametrize(("text", "message"), [
    (_slo("Occurrences", RATIO.format(counter="true", good="sum(rate(a[5m]))", total="b"),
          "{target: 0.9}"),
     "slo.yaml: document 0 (SLO s): spec.indicator.spec.ratioMetric.good.metricSource.spec."
     "query: counter: true needs a vector selector or sum(selector) to take the rate of"),
    (_slo("Timeslices", RATIO.format(counter="false", good="a", total="b"),
          "{target: 0.9, timeSliceTarget: 0.9, timeSliceWindow: 5m}"),
     "spec.objectives[0].timeSliceWindow: 5m does not map: tars-ci judges a time slice per "
     "step, and the spec's source.step is 1m"),
    (_slo("Timeslices", RATIO.format(counter="false", good="a", total="b"), "{target: 0.9}"),
     "spec.objectives[0].timeSliceWindow: required with Timeslices"),
    (_slo("Timeslices", RATIO.format(counter="false", good="a", total="b"),
          "{target: 0.9, timeSliceWindow: 1m}"),
     "spec.objectives[0].timeSliceTarget: required with Timeslices"),
    (_slo("RatioTimeslices", THRESHOLD, "{target: 0.9, timeSliceWindow: 1m, op: lte, "
                                        "value: 1}"),
     "spec.budgetingMethod: RatioTimeslices needs a ratioMetric"),
    (_slo("Occurrences", THRESHOLD, "{target: 0.9}"),
     "spec.objectives[0]: a thresholdMetric needs op and value"),
    (_slo("Occurrences", THRESHOLD.replace("Prometheus", "Datadog"),
          "{target: 0.9, op: lte, value: 1}"),
     "spec.indicator.spec.thresholdMetric.metricSource.type: 'Datadog' does not map: tars-ci "
     "reads Prometheus queries"),
    (_slo("Occurrences", THRESHOLD.replace("type: Prometheus, ", ""),
          "{target: 0.9, op: lte, value: 1}"),
     "thresholdMetric.metricSource: give type (Prometheus) or a metricSourceRef"),
    (_slo("Occurrences", THRESHOLD.replace("type: Prometheus", "metricSourceRef: dd"),
          "{target: 0.9, op: lte, value: 1}"),
     "thresholdMetric.metricSource.metricSourceRef: no DataSource named 'dd'"),
    ("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: s}\nspec:\n  indicatorRef: gone\n"
     "  budgetingMethod: Occurrences\n  objectives: [{target: 0.9}]\n",
     "slo.yaml: document 0 (SLO s): spec.indicatorRef: no SLI named 'gone' in the given files"),
    (_slo("Occurrences", THRESHOLD, "{target: 0.9, op: lte, value: 1}").replace(
        "name: s}", "name: 9lives}"),
     "metadata.name: '9lives' does not make a spec name"),
])
def test_what_does_not_map_is_named_by_document_and_field(text: str, message: str) -> None:
    with pytest.raises(OpenSloError) as info:
        imported(text)
    assert any(message in p for p in info.value.problems), info.value.problems


def test_a_datasource_of_another_type_is_named_through_the_reference() -> None:
    text = ("apiVersion: openslo/v1\nkind: DataSource\nmetadata: {name: dd}\n"
            "spec: {type: Datadog, connectionDetails: {}}\n---\n"
            + _slo("Occurrences", THRESHOLD.replace("type: Prometheus", "metricSourceRef: dd"),
                   "{target: 0.9, op: lte, value: 1}"))
    with pytest.raises(OpenSloError) as info:
        imported(text)
    assert info.value.problems == [
        "slo.yaml: document 1 (SLO s): spec.indicator.spec.thresholdMetric.metricSource.type: "
        "'Datadog' does not map: tars-ci reads Prometheus queries"]


def test_lt_and_timeslice_thresholds_say_how_they_map() -> None:
    got = imported(_slo("Timeslices", THRESHOLD, "{target: 0.95, op: gt, value: 0.5, "
                                                 "timeSliceTarget: 0.8, timeSliceWindow: 1m}"))
    assert got.slos["s"]["threshold"] == {"kpi": "i", "min": 0.5}
    assert got.kpis["i"]["better"] == "higher"
    assert [n.split(": ")[2] for n in got.notes] == [
        "spec.timeWindow", "spec.objectives[0].op", "spec.budgetingMethod"]
    assert "gt imported as min: tars-ci counts a value equal to the bound as good" in (
        got.notes[1])
    assert "Timeslices with one sample per slice" in got.notes[2]


def test_an_existing_kpi_with_the_same_query_is_reused() -> None:
    spec = parse_spec(SMALL_SPEC, {}, "tars.yaml")
    got = imported(_slo("Occurrences", THRESHOLD, "{target: 0.9, op: gte, value: 0.99}"),
                   kpis=spec.kpis)
    assert got.slos["s"]["threshold"] == {"kpi": "up", "min": 0.99}
    assert got.kpis == {}


def test_two_slos_of_one_name_are_an_error() -> None:
    one = _slo("Occurrences", THRESHOLD, "{target: 0.9, op: lte, value: 1}")
    with pytest.raises(OpenSloError, match="a second SLO named 's'"):
        imported(one + "---\n" + one)


def test_merge_keeps_comments_and_indentation(tmp_path: Path) -> None:
    text = (SMALL_SPEC.replace("  up:\n", "  # the targets\n  up:\n")
            + "\n# thresholds next\nthresholds: {}\n")
    got = roundtrip_docs()
    merged = merge(text, {"kpis": got.kpis, "slos": got.slos}, "tars.yaml")
    assert "  # the targets\n  up:\n" in merged
    lines = merged.splitlines()
    assert lines.index("  search_p99_seconds:") < lines.index("# thresholds next")
    assert merged.rstrip().endswith("\n".join(["slos:", *merged.split("\nslos:\n")[1]
                                               .splitlines()]))
    data: dict[str, Any] = yaml.safe_load(merged)
    assert list(data["kpis"]) == ["up", "search_p99_seconds", "api_minutes_ratio"]
    parse_spec(merged, {}, "tars.yaml")


def test_merge_refuses_a_name_the_spec_has() -> None:
    from tars_ci.errors import UsageError

    with pytest.raises(UsageError, match="kpis.up is in the spec already"):
        merge(SMALL_SPEC, {"kpis": {"up": {"query": "x"}}}, "tars.yaml")
    with pytest.raises(UsageError, match="written in flow style"):
        merge(SMALL_SPEC + "slos: {a: {objective: 99, ratio: {good: a, total: b}}}\n",
              {"slos": {"b": {}}}, "tars.yaml")
