"""The history's schema: every committed file decodes, every wrong field is named, and the
generated JSON Schemas agree with the records and the committed files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, NamedTuple

import jsonschema
import pytest

from tars_ci.analysis.drift import Comparison
from tars_ci.analysis.kpis import Measurement
from tars_ci.errors import ReportError
from tars_ci.reports import records, schemas
from tars_ci.reports.codec import Location, decode, encode, json_schema
from tars_ci.reports.store import HistoryStore

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "reports" / "checkout-api-v2-4-0"
KINDS = {"ga_kpis": "ga_kpi_summary", "stability": "day_summary", "health": "health_report",
         "anomalies": "anomaly_events", "regression": "regression_summary",
         "output": "retrospective"}


class Inner(NamedTuple):
    level: Literal["low", "high"]
    value: float | None


class Outer(NamedTuple):
    name: str
    count: int
    items: tuple[Inner, ...]
    by_name: dict[str, Inner]
    pair: tuple[int, float | None]


GOOD = {"name": "x", "count": 2, "items": [{"level": "low", "value": 1.5}],
        "by_name": {"a b": {"level": "high", "value": None}}, "pair": [1, 2]}


def decode_error(data: Any) -> str:
    with pytest.raises(ReportError) as info:
        decode(Outer, data, Location("f.json"))
    return str(info.value)


def test_decode_builds_typed_records_and_encode_inverts_it() -> None:
    out = decode(Outer, GOOD, Location("f.json"))
    assert out == Outer("x", 2, (Inner("low", 1.5),), {"a b": Inner("high", None)}, (1, 2.0))
    assert encode(out) == {**GOOD, "pair": [1, 2.0]}


@pytest.mark.parametrize("change, message", [
    ({"count": "2"}, "f.json: .count: expected an integer, got string '2'"),
    ({"count": True}, "f.json: .count: expected an integer, got boolean true"),
    ({"count": 2.5}, "f.json: .count: expected an integer, got number 2.5"),
    ({"items": {}}, "f.json: .items: expected a list, got an object"),
    ({"items": [{"level": "mid", "value": 1}]},
     "f.json: .items[0].level: expected one of 'low', 'high', got string 'mid'"),
    ({"items": [{"level": "low", "value": "1"}]},
     "f.json: .items[0].value: expected a number, got string '1'"),
    ({"by_name": {"a b": {"level": "low"}}},
     "f.json: .by_name['a b'].value: missing (expected a number or null)"),
    ({"by_name": []}, "f.json: .by_name: expected an object, got a list of 0"),
    ({"pair": [1]}, "f.json: .pair: expected a list of 2, got a list of 1"),
    ({"extra": 1}, "f.json: .extra: unknown field (a Outer has by_name, count, items, name, "
                   "pair)"),
])
def test_every_wrong_field_is_named_by_its_jq_path(change: dict[str, Any], message: str) -> None:
    assert decode_error({**GOOD, **change}) == message


def test_a_missing_field_is_named() -> None:
    data = dict(GOOD)
    del data["count"]
    assert decode_error(data) == "f.json: .count: missing (expected an integer)"


def test_fields_added_in_a_later_schema_may_be_missing_from_older_files() -> None:
    body = json.loads((DEMO / "ga_kpis" / "ga_kpi_summary.json").read_text())
    body.pop("schema_version")
    body.pop("provenance")
    for entry in body["kpis"].values():
        entry.pop("late_since")
    ga = decode(records.GaSummary, body, Location("ga"), 1)
    assert ga.provenance is None and all(e.late_since is None for e in ga.kpis.values())
    with pytest.raises(ReportError, match=r"ga: \.kpis\.availability\.late_since: missing"):
        decode(records.GaSummary, body, Location("ga"), 2)


def test_file_records_carry_their_analysis_record_unchanged() -> None:
    assert records.KpiComparison._fields[:len(Comparison._fields)] == Comparison._fields
    entry_fields = [f for f in records.BaselineEntry.__dataclass_fields__]
    assert entry_fields[:len(Measurement._fields)] == list(Measurement._fields)
    store = HistoryStore(DEMO.parent, records.ReleaseBlock(
        "checkout-api v2.4.0", "checkout-api-v2-4-0", "2026-11-02T00:00:00Z", 7))
    history = store.load()
    assert history.ga is not None
    m = history.ga.kpis["availability"].measurement()
    assert isinstance(m, Measurement) and m.kpi == "availability" and m.status == "ok"
    c = history.days[2].summary.metrics_comparison["p99_latency_ms"].comparison()
    assert isinstance(c, Comparison) and c.severity == "high"


def test_every_committed_file_round_trips_byte_for_byte(tmp_path: Path) -> None:
    release = records.ReleaseBlock("checkout-api v2.4.0", "checkout-api-v2-4-0",
                                   "2026-11-02T00:00:00Z", 7)
    source = HistoryStore(DEMO.parent, release)
    history = source.load()
    outputs = source.load_outputs()
    copy = HistoryStore(tmp_path, release)
    assert history.ga is not None and history.anomalies is not None
    assert outputs.regression is not None and outputs.retro is not None
    copy.write_ga(history.ga)
    for rec in history.days.values():
        copy.write_day(rec.summary, rec.health)
    copy.write_anomalies(history.anomalies)
    copy.write_outputs(outputs.regression, outputs.retro,
                       (DEMO / "output" / "GA_7DAY_RETROSPECTIVE.md").read_text())
    for path in sorted(DEMO.rglob("*.json")):
        assert (copy.root / path.relative_to(DEMO)).read_bytes() == path.read_bytes(), path


def test_committed_schemas_are_fresh() -> None:
    for name in schemas.FILES:
        committed = json.loads((REPO / "config" / "schemas" / f"{name}.schema.json").read_text())
        assert committed == schemas.schema(name), (
            f"config/schemas/{name}.schema.json is stale: run "
            "`python -m tars_ci.reports.schemas --write config/schemas`")


def test_committed_reports_validate_against_their_schemas() -> None:
    for path in sorted(DEMO.rglob("*.json")):
        schema = schemas.schema(KINDS[path.parent.name])
        jsonschema.Draft202012Validator(schema).validate(json.loads(path.read_text()))


def test_schema_refuses_what_decode_refuses() -> None:
    defs: dict[str, Any] = {}
    root = json_schema(Outer, defs)
    validator = jsonschema.Draft202012Validator({**root, "$defs": defs})
    assert validator.is_valid(GOOD)
    for bad in ({**GOOD, "count": "2"}, {**GOOD, "extra": 1},
                {**GOOD, "items": [{"level": "mid", "value": 1}]}):
        assert not validator.is_valid(bad)
