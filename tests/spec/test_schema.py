"""The generated JSON Schema: fresh on disk, valid, and agreeing with the loader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tars_ci.errors import SpecError
from tars_ci.spec import parse_spec
from tars_ci.spec.schema import DRAFT, ENV_DEF, json_schema, main, schema_text
from tests.spec.texts import EXAMPLE, MINIMAL, REPO, edit

COMMITTED = REPO / "config" / "tars.schema.json"
ENV = {"$ref": f"#/$defs/{ENV_DEF}"}


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_committed_schema_is_fresh() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        "config/tars.schema.json is stale: run "
        "`python -m tars_ci.spec.schema --write config/tars.schema.json`")


def test_schema_text_is_deterministic() -> None:
    text = schema_text()
    assert text == schema_text()
    assert text.endswith("}\n")
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def test_check_and_write_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "tars.schema.json"
    assert main(["--check", str(target)]) == 1  # missing counts as stale
    assert "is stale" in capsys.readouterr().err
    assert main(["--write", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == schema_text()
    assert main(["--check", str(target)]) == 0
    assert main([]) == 0
    assert capsys.readouterr().out == schema_text()


def test_shape_of_hand_picked_parts() -> None:
    schema = json_schema()
    defs = schema["$defs"]
    assert schema["$schema"] == DRAFT == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["version", "release", "source", "kpis"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["version"]["anyOf"] == [{"enum": [1]}, ENV]
    assert defs["Release"]["required"] == ["name", "ga_time"]
    assert defs["Release"]["properties"]["days"] == {
        "anyOf": [{"type": "integer", "minimum": 1, "maximum": 90}, ENV], "default": 7,
        "description": "Days compared to the GA-day baseline (day 0)."}
    assert defs["Release"]["properties"]["ga_time"]["anyOf"][0] == {"type": "string",
                                                                    "format": "date-time"}
    kpis = schema["properties"]["kpis"]
    assert kpis["type"] == "object" and kpis["minProperties"] == 1
    assert kpis["additionalProperties"] == {"$ref": "#/$defs/KpiEntry"}
    assert "name" not in defs["KpiEntry"]["properties"]  # the key is the mapping key
    assert defs["KpiEntry"]["required"] == ["unit", "better"]  # `query` or `ratio`
    assert defs["KpiEntry"]["properties"]["limit"]["anyOf"] == [{"type": "number"}, ENV,
                                                               {"type": "null"}]
    assert defs["SourceSpec"]["properties"]["headers"]["additionalProperties"] == {
        "type": "string"}
    settle = defs["Schedule"]["properties"]["settle"]
    assert settle["default"] == "30m"
    assert settle["anyOf"][1] == {"type": "number", "minimum": 0, "maximum": 315360000}
    assert defs["Schedule"]["properties"]["daily_time"]["default"] == "00:45"
    assert defs["SloEntry"]["properties"]["objective"]["anyOf"][0] == {
        "type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 100}


def test_example_spec_is_valid(validator: jsonschema.Draft202012Validator) -> None:
    for text in (EXAMPLE.read_text(encoding="utf-8"), MINIMAL):
        errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(yaml.safe_load(text))]
        assert errors == []


# Each: a change to MINIMAL, and whether the loader (and so the schema) accepts it.
AGREEMENT: list[tuple[str, str, str, bool]] = [
    ("unknown key", "days: 7", "dayz: 7", False),
    ("bad enum", "better: higher", "better: up", False),
    ("below minimum", "days: 7", "days: 0", False),
    ("above maximum", "days: 7", "days: 91", False),
    ("negative weight", "weight: 3", "weight: -1", False),
    ("objective 100", "objective: 99.0", "objective: 100", False),
    ("string for number", "weight: 3", "weight: heavy", False),
    ("list for mapping", "dir: reports", "dir: [reports]", False),
    ("key field repeated", "    query: avg(up)", "    name: availability\n    query: avg(up)", False),
    ("bad duration", "settle: 30m", "settle: 30x", False),
    ("bad time", '"00:47"', '"7:30"', False),
    ("bad slug", "days: 7", "days: 7\n  slug: Bad", False),
    ("env in a number", "weight: 3", "weight: ${W:-3}", True),
    ("env in an enum", "better: higher", "better: ${B:-higher}", True),
    ("integer seconds", "settle: 30m", "settle: 1800", True),
    ("compound duration", "settle: 30m", "settle: 1h30m", True),
    ("header shorthand", "source:\n", "source:\n  headers: {X-Org: acme}\n", True),
    ("optional null", "    weight: 3\n", "    weight: 3\n    limit: null\n", True),
    ("number limit", "    weight: 3\n", "    weight: 3\n    limit: 99.9\n", True),
    ("empty kpis", "kpis:\n", "kpis: {}\nx:\n", False),
]


@pytest.mark.parametrize(("old", "new", "accepted"), [a[1:] for a in AGREEMENT],
                         ids=[a[0] for a in AGREEMENT])
def test_schema_agrees_with_loader(validator: jsonschema.Draft202012Validator, old: str,
                                   new: str, accepted: bool) -> None:
    text = edit(old, new)
    data: Any = yaml.safe_load(text)
    try:
        parse_spec(text, {}, "s.yaml")
        loaded = True
    except SpecError:
        loaded = False
    assert loaded is accepted
    assert validator.is_valid(data) is accepted
