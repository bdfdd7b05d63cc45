"""The loader: YAML typing rules, ``${VAR}`` semantics, values, and hostile input."""

from __future__ import annotations

import dataclasses
import time as clock
import typing
from datetime import datetime, time, timedelta, timezone
from typing import Any, Literal

import pytest

from tars_ci.errors import SpecError
from tars_ci.spec import Secret, load_spec, parse_spec
from tars_ci.spec.loader import MAX_PROBLEMS
from tars_ci.spec.model import Header, Spec
from tars_ci.spec.scalars import CONVERTERS
from tars_ci.spec.values import (
    expand_env,
    format_duration,
    parse_duration,
    parse_timestamp,
)
from tests.spec.texts import EXAMPLE, MINIMAL, edit


def problems(text: str, env: dict[str, str] | None = None) -> list[str]:
    """``line: path: message`` of every problem ``text`` has."""
    with pytest.raises(SpecError) as info:
        parse_spec(text, env or {}, "s.yaml")
    return [f"{p.line}: {p.path}: {p.message}" for p in info.value.problems]


def one(text: str, env: dict[str, str] | None = None) -> str:
    """The single problem of ``text``."""
    found = problems(text, env)
    assert len(found) == 1, found
    return found[0]


# --------------------------------------------------------------------------- the good path


def test_minimal_spec_values() -> None:
    spec = parse_spec(MINIMAL, {})
    assert spec.release.ga_time == datetime(2026, 11, 2, tzinfo=timezone.utc)
    assert spec.release.release_slug == "checkout-api-v2-4-0"
    assert spec.schedule.daily_time == time(0, 47)
    assert spec.schedule.settle == timedelta(minutes=30)
    assert spec.source.url == "http://127.0.0.1:9090"
    assert [k.name for k in spec.kpis] == ["availability", "error_rate"]
    assert spec.kpi("availability").weight == 3.0
    assert spec.kpi("error_rate").weight == 1.0  # the model default
    assert spec.slos[0].threshold is not None and spec.slos[0].threshold.max == 1.0
    band = spec.band("availability")
    assert band is not None and (band.P0, band.P1, band.P2) == (99.0, 99.5, 99.9)


def test_example_spec_loads() -> None:
    spec = load_spec(EXAMPLE, {})
    assert spec.release.days == 7
    assert spec.schedule.settle == timedelta(minutes=30)
    assert all(k.query.strip() or k.ratio is not None for k in spec.kpis)


def test_aliases_for_shared_values_are_fine() -> None:
    text = edit("    weight: 3\n", "    weight: 3\n    mitigations: &steps [check pods, roll back]\n")
    text = edit("    better: lower\n", "    better: lower\n    mitigations: *steps\n", text)
    spec = parse_spec(text, {})
    assert spec.kpi("error_rate").mitigations == ("check pods", "roll back")
    assert spec.kpi("availability").mitigations == ("check pods", "roll back")


def test_header_shorthand_maps_name_to_value() -> None:
    text = edit("source:\n", "source:\n  headers: {X-Scope-OrgID: tenant-1}\n")
    assert parse_spec(text, {}).source.headers == (Header("X-Scope-OrgID", Secret("tenant-1")),)
    text = edit("source:\n", "source:\n  headers: {X-Org: {value: x}}\n")
    assert one(text) == "10: source.headers.X-Org: must be a single value, got a mapping"


# --------------------------------------------------------------------------- ${VAR}


@pytest.mark.parametrize(("text", "env", "expected"), [
    ("${A}", {"A": "x"}, "x"),
    ("a-${A}-b", {"A": "x"}, "a-x-b"),
    ("${A:-dflt}", {}, "dflt"),
    ("${A:-dflt}", {"A": ""}, "dflt"),  # empty counts as unset for :-, as in the shell
    ("${A}", {"A": ""}, ""),
    ("${A:-}", {}, ""),
    ("$$", {}, "$"),
    ("$${A}", {"A": "x"}, "${A}"),
    ("price $5", {}, "price $5"),
    ('=~"^/api/.*$"', {}, '=~"^/api/.*$"'),
    ("${A}${B}", {"A": "1", "B": "2"}, "12"),
])
def test_expand_env(text: str, env: dict[str, str], expected: str) -> None:
    assert expand_env(text, env) == (expected, ())


@pytest.mark.parametrize(("text", "message"), [
    ("${MISSING}", ("environment variable MISSING is not set (use ${MISSING:-default} for a "
                   "default)")),
    ("${1A}", ("has a malformed ${...}: write ${NAME} or ${NAME:-default} (no nesting), or $$ "
              "for a literal $")),
    ("${A", ("has a malformed ${...}: write ${NAME} or ${NAME:-default} (no nesting), or $$ for "
            "a literal $")),
    ("${A:-${B}}", ("has a malformed ${...}: write ${NAME} or ${NAME:-default} (no nesting), or "
                   "$$ for a literal $")),
])
def test_expand_env_problems(text: str, message: str) -> None:
    assert expand_env(text, {"B": "set"})[1] == (message,)


def test_env_expands_before_typing() -> None:
    text = edit("weight: 3", "weight: ${W}", edit("days: 7", "days: ${D}"))
    spec = parse_spec(text, {"W": "2.5", "D": "9"})
    assert spec.kpi("availability").weight == 2.5
    assert spec.release.days == 9
    assert one(text, {"W": "abc", "D": "9"}) == ("16: kpis.availability.weight: must be a "
                                                 "number, got string 'abc'")


def test_env_empty_default_makes_an_optional_null() -> None:
    text = edit("    weight: 3\n", "    weight: 3\n    limit: ${LIMIT:-}\n")
    assert parse_spec(text, {}).kpi("availability").limit is None
    assert parse_spec(text, {"LIMIT": "99.9"}).kpi("availability").limit == 99.9


def test_string_field_takes_env_text_as_is() -> None:
    text = edit("    weight: 3\n", "    weight: 3\n    title: ${T}\n")
    for value in ("123", "yes", "null", "", "1e3"):
        assert parse_spec(text, {"T": value}).kpi("availability").title == value
    plain = edit("    weight: 3\n", "    weight: 3\n    title: yes\n")
    assert one(plain) == "17: kpis.availability.title: must be a string, got boolean 'yes' (quote it)"


def test_env_is_expanded_in_quoted_scalars_but_never_in_keys() -> None:
    text = edit("name: checkout-api v2.4.0", 'name: "${NAME} v2"')
    assert parse_spec(text, {"NAME": "api"}).release.name == "api v2"
    text = edit("days: 7", "${KEY}: 7")
    assert one(text, {"KEY": "days"}) == ("5: release.${KEY}: unknown key '${KEY}'; allowed: "
                                          "name, ga_time, days, slug")


# --------------------------------------------------------------------------- typing rules


@pytest.mark.parametrize(("line", "value", "expected"), [
    ("weight: 3", "weight: 1e3", 1000.0),  # YAML 1.2 float
    ("weight: 3", "weight: 1_000", 1000.0),
    ("weight: 3", "weight: 0x10", 16.0),
    ("weight: 3", "weight: +2.5", 2.5),
])
def test_number_forms(line: str, value: str, expected: float) -> None:
    assert parse_spec(edit(line, value), {}).kpi("availability").weight == expected


@pytest.mark.parametrize(("value", "message"), [
    ("weight: .inf", "must be a finite number, got '.inf'"),
    ("weight: 1e400", "must be a finite number, got '1e400'"),
    ('weight: "3"', "must be a number, got string '3'"),
    ("weight: true", "must be a number, got boolean 'true'"),
    ("weight:", "must be a number, got null"),
    ("weight: [3]", "must be a single value, got a list"),
])
def test_number_problems(value: str, message: str) -> None:
    assert one(edit("weight: 3", value)) == f"16: kpis.availability.weight: {message}"


@pytest.mark.parametrize(("value", "message"), [
    ("days: 7.0", "must be an integer, got number '7.0'"),
    ("days: 017", "must be a plain integer (no leading 0, no 1:30), got integer '017'"),
    ("days: 1:30", "must be a plain integer (no leading 0, no 1:30), got integer '1:30'"),
    ("days: " + "9" * 500, "is out of range, got integer '" + "9" * 60 + "…'"),
    ("days: 91", "must be ≤ 90, got 91"),
    ("days: 0", "must be ≥ 1, got 0"),
])
def test_integer_problems(value: str, message: str) -> None:
    assert one(edit("days: 7", value)) == f"5: release.days: {message}"


def test_literals_are_typed() -> None:
    assert one(edit("version: 1", 'version: "1"')) == ("1: version: must be one of 1, got string "
                                                       "'1' (write it unquoted)")
    assert one(edit("better: higher", "better: Higher")) == (
        "15: kpis.availability.better: must be one of 'higher', 'lower', got string 'Higher' "
        "(did you mean 'higher'?)")


@pytest.mark.parametrize(("value", "expected"), [("yes", True), ("off", False), ("TRUE", True)])
def test_booleans(value: str, expected: bool) -> None:
    text = edit("source:\n", f"source:\n  tls_verify: {value}\n")
    assert parse_spec(text, {}).source.tls_verify is expected


def test_quoted_boolean_is_a_string() -> None:
    text = edit("source:\n", 'source:\n  tls_verify: "true"\n')
    assert one(text) == "10: source.tls_verify: must be true or false, got string 'true'"


def test_explicit_core_tag_decides_the_type() -> None:
    assert one(edit("days: 7", "days: !!str 7")) == "5: release.days: must be an integer, got string '7'"
    assert parse_spec(edit("days: 7", 'days: !!int "8"'), {}).release.days == 8


def test_null_for_a_required_mapping() -> None:
    assert one(edit("reports:\n  dir: reports\n", "reports:\n")) == "30: reports: must be a mapping, got null"


def test_key_field_inside_a_keyed_item_is_refused() -> None:
    text = edit("    query: avg(up)\n", "    name: availability\n    query: avg(up)\n")
    assert one(text) == "13: kpis.availability.name: leave 'name' out: the mapping key gives it"


def test_keyed_mapping_honours_min_items() -> None:
    start, end = MINIMAL.index("kpis:"), MINIMAL.index("slos:")
    text = MINIMAL[:start] + "kpis: {}\n" + MINIMAL[end:].replace("error_rate", "x")
    assert one(text) == "11: kpis: needs at least 1 entry"


def test_missing_root_key_is_reported_on_the_root_line() -> None:
    start, end = MINIMAL.index("reports:"), len(MINIMAL)
    text = "# comment\n" + MINIMAL[:start].replace("version: 1\n", "") + MINIMAL[start:end]
    assert one(text) == "2: : missing required key 'version'"


def test_slug_pattern_from_metadata() -> None:
    text = edit("days: 7", 'days: 7\n  slug: "Bad Slug"')
    assert one(text) == "6: release.slug: must match ^[a-z0-9][a-z0-9-]{0,79}$, got 'Bad Slug'"
    text = edit("days: 7", 'days: 7\n  slug: "ok\\n"')  # Python's `$` would let this pass
    assert one(text).startswith("6: release.slug: must match")


def test_secret_values_never_appear_in_messages() -> None:
    text = edit("url: ${PROMETHEUS_URL:-http://127.0.0.1:9090}",
                "url: http://x:9090\n  auth: {type: bearer, token: 987654321}")
    message = one(text)
    assert "987654321" not in message
    assert repr(Secret("hunter2")) == "Secret('***')"


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize(("text", "seconds"), [
    ("30s", 30), ("15m", 900), ("1h30m", 5400), ("7d", 604800), ("2w", 1209600),
    ("250ms", 0.25), ("1.5h", 5400), ("90", 90), ("0.5", 0.5), ("1m30s", 90), ("0s", 0),
    ("1d2h3m4s5ms", 93784.005), (" 15m ", 900),
])
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "m", "30x", "-5", "1h 30m", "1m30", "30M", "3651d", "1e3"])
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize(("value", "text"), [
    (timedelta(minutes=30), "30m"), (timedelta(seconds=90), "1m30s"), (timedelta(0), "0s"),
    (timedelta(milliseconds=250), "250ms"), (timedelta(days=1, milliseconds=1), "1d1ms"),
    (timedelta(days=30), "30d"), (timedelta(hours=25), "1d1h"),
])
def test_format_duration(value: timedelta, text: str) -> None:
    assert format_duration(value) == text
    assert parse_duration(text) == value


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-02T00:00:00Z", datetime(2026, 11, 2, tzinfo=timezone.utc)),
    ("2026-11-02T01:30:00+01:30", datetime(2026, 11, 2, tzinfo=timezone.utc)),
    ("2026-11-02 00:00:00z", datetime(2026, 11, 2, tzinfo=timezone.utc)),
    ("2026-11-01T19:00:00-05:00", datetime(2026, 11, 2, tzinfo=timezone.utc)),
])
def test_parse_timestamp(text: str, expected: datetime) -> None:
    value = parse_timestamp(text)
    assert value == expected
    assert value.tzinfo == timezone.utc


@pytest.mark.parametrize(("text", "message"), [
    ("2026-11-02T00:00:00", "needs a timezone"),
    ("yesterday", "must be an ISO 8601 timestamp"),
    ("1969-12-31T23:59:59Z", "must be in the years 1970–2999"),
    ("3000-01-01T00:00:00Z", "must be in the years 1970–2999"),
    ("0001-01-01T00:00:00+01:00", "must be in the years 1970–2999"),  # overflowed before
])
def test_parse_timestamp_refuses(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_timestamp(text)


def test_unquoted_yaml_timestamp_is_accepted() -> None:
    spec = parse_spec(edit('"2026-11-02T00:00:00Z"', "2026-11-02T00:00:00Z"), {})
    assert spec.release.ga_time == datetime(2026, 11, 2, tzinfo=timezone.utc)


def test_time_of_day() -> None:
    assert parse_spec(edit('"00:47"', "00:47"), {}).schedule.daily_time == time(0, 47)
    assert one(edit('"00:47"', '"7:30"')) == ('7: schedule.daily_time: must be a UTC time of '
                                               'day "HH:MM" (quoted), got \'7:30\'')


# --------------------------------------------------------------------------- hostile input


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    started = clock.perf_counter()
    found = problems("\n".join(lines) + "\n")
    assert clock.perf_counter() - started < 1.0
    assert found == [("5: e[0]: YAML aliases expand to more than 10000 nodes (an alias bomb?); "
                     "a spec needs far fewer")]


def test_merge_keys_are_refused() -> None:
    text = edit("drift: {notable: 10", "drift: {<<: {z: 1}, notable: 10")
    assert one(text) == ("26: thresholds.drift: YAML merge keys (<<) are not supported; write "
                         "the keys out (an alias can stand for a value)")


def test_custom_tags_are_refused() -> None:
    assert one(edit("dir: reports", "dir: !env HOME")) == "31: reports.dir: unsupported YAML tag '!env'"
    assert one(edit("labels", "x", MINIMAL + "github: !!set {labels}\n")) == (
        "32: github: unsupported YAML tag 'tag:yaml.org,2002:set'")


def test_deep_nesting_is_refused_without_a_crash() -> None:
    assert problems("a: " + "[" * 3000 + "]" * 3000 + "\n") == [
        "1: : YAML is nested more than 64 levels deep; a spec needs a handful"]
    block = "".join(" " * i + f"k{i}:\n" for i in range(70)) + " " * 70 + "leaf\n"
    # the root mapping is level 1, so key k63 (line 64) is the 65th level
    assert problems(block) == ["64: : YAML is nested more than 64 levels deep; a spec needs a handful"]


def test_second_document_is_refused_on_its_line() -> None:
    assert problems(MINIMAL + "---\nversion: 1\n") == [
        ("32: : invalid YAML: but found another document (expected a single document in the "
        "stream, line 1)")]


def test_control_character_is_refused_on_its_line() -> None:
    assert problems(edit("days: 7", "days: 7\x07")) == [
        ("5: : invalid YAML: character U+0007 is not allowed (special characters are not "
        "allowed)")]


def test_problem_count_is_capped() -> None:
    text = edit("days: 7\n", "days: 7\n" + "".join(f"  junk{i}: 1\n" for i in range(150)))
    found = problems(text)
    assert len(found) == MAX_PROBLEMS + 1
    assert found[0] == "None: : stopped after 100 problems"  # no line: sorted first
    assert found[1] == "6: release.junk0: unknown key 'junk0'; allowed: name, ga_time, days, slug"
    assert found[-1] == "105: release.junk99: unknown key 'junk99'; allowed: name, ga_time, days, slug"


# --------------------------------------------------------------------------- model coverage


def _leaf_types(cls: type, seen: set[type]) -> set[Any]:
    out: set[Any] = set()
    for f in dataclasses.fields(cls):
        todo = [typing.get_type_hints(cls)[f.name]]
        while todo:
            tp = todo.pop()
            origin = typing.get_origin(tp)
            if dataclasses.is_dataclass(tp) and tp not in seen:
                seen.add(typing.cast(type, tp))
                out |= _leaf_types(typing.cast(type, tp), seen)
            elif origin is Literal:
                out.add(Literal)
            elif origin is not None:
                todo += [a for a in typing.get_args(tp) if a is not type(None) and a is not ...]
            elif not dataclasses.is_dataclass(tp):
                out.add(tp)
    return out


def test_every_model_type_is_loadable() -> None:
    leaves = _leaf_types(Spec, set())
    assert leaves - {Literal} <= set(CONVERTERS)
    assert {str, int, float, bool, datetime, time, timedelta, Secret} <= leaves
