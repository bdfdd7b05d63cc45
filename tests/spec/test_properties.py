"""Property-based tests: whatever the input, parse_spec ends in a Spec or a well-formed
SpecError (never another exception), and valid specs load back to the values written."""

from __future__ import annotations

import dataclasses
import functools
import string
import typing
from datetime import datetime, time, timedelta, timezone
from typing import Any

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tars_ci.errors import SpecError
from tars_ci.spec import Secret, parse_spec
from tars_ci.spec.model import (
    NAME_RE,
    SLUG_RE,
    Aggregate,
    Band,
    DriftThresholds,
    Header,
    Kpi,
    Priorities,
    Release,
    Schedule,
    Slo,
    SourceSpec,
    Spec,
    Thresholds,
    ThresholdSli,
)
from tars_ci.spec.values import format_duration
from tests.spec.texts import MINIMAL

PROPERTY = settings(max_examples=500, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ENV = {"A": "1", "B": "yes", "EMPTY": "", "URL": "http://h:9090", "W": "2.5"}
BASE: dict[str, Any] = yaml.safe_load(MINIMAL)
KEYED = {("kpis",), ("slos",), ("priorities", "bands")}  # name → item: new names are fine


def outcome(text: str, env: dict[str, str] | None = None) -> Spec | SpecError:
    """parse_spec's result; any exception but SpecError fails the test. Checks the problems."""
    try:
        return parse_spec(text, ENV if env is None else env, "p.yaml")
    except SpecError as exc:
        assert exc.problems, "a SpecError must say what is wrong"
        last_line = text.count("\n") + 1
        for p in exc.problems:
            assert isinstance(p.path, str)
            assert isinstance(p.message, str) and p.message.strip()
            assert p.file == "p.yaml"
            if p.path:  # a located problem has a line inside the text
                assert isinstance(p.line, int) and 1 <= p.line <= last_line, p
        return exc


def dump(data: Any) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=10_000)


# --------------------------------------------------------------------------- random structures

TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
KEYS = st.one_of(TEXT, st.sampled_from(["version", "release", "kpis", "name", "days", "<<",
                                        "query", "${A}", "1", "true", "null", ""]))
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**300, max_value=10**400),
    st.floats(), TEXT, st.datetimes(timezones=st.just(timezone.utc)).map(str),
    st.sampled_from(["${A}", "${MISSING}", "${A:-x}", "$$", "${", "${1}", "30m", "00:47",
                     "2026-11-02T00:00:00Z", "1e3", ".inf", "0x1F", "017", "1:30", "~", "yes"]),
)
TREES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(KEYS, inner, max_size=5)), max_leaves=30)


@PROPERTY
@given(TREES)
def test_random_structures(tree: Any) -> None:
    outcome(dump(tree))


@PROPERTY
@given(st.lists(st.sampled_from(list(string.printable) + ["é", "\u2028", "\ufeff", "\x00",
                                                          "&a ", "*a", "!!", "${A}", ": "]),
                max_size=200).map("".join))
def test_random_text(text: str) -> None:
    outcome(text)


@PROPERTY
@given(st.integers(1, 150), st.sampled_from(["flow list", "flow map", "block list", "block map"]))
def test_deep_nesting(depth: int, kind: str) -> None:
    if kind == "flow list":
        text = "[" * depth + "1" + "]" * depth
    elif kind == "flow map":
        text = "{a: " * depth + "1" + "}" * depth
    elif kind == "block list":
        text = "".join("  " * i + "-\n" for i in range(depth)) + "  " * depth + "1"
    else:
        text = "".join("  " * i + "a:\n" for i in range(depth)) + "  " * depth + "1"
    result = outcome(text + "\n")
    if depth > 64:
        assert isinstance(result, SpecError)
        assert "nested more than 64 levels" in result.problems[0].message


def _paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a node in ``data`` (mapping keys and list indexes)."""
    out = [path]
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*path, i))
    return out


def _replace(data: Any, path: tuple[Any, ...], make: typing.Callable[[Any], Any]) -> Any:
    if not path:
        return make(data)
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[path[0]] = _replace(data[path[0]], path[1:], make)
    return copy


@PROPERTY
@given(st.data())
def test_random_key_at_every_level_of_a_valid_spec(data: st.DataObject) -> None:
    mappings = [p for p in _paths(BASE) if isinstance(_get(BASE, p), dict)]
    where = data.draw(st.sampled_from(mappings))
    key = data.draw(KEYS.filter(lambda k: k not in _get(BASE, where)))
    value = data.draw(TREES)
    result = outcome(dump(_replace(BASE, where, lambda m: {**m, key: value})))
    if where not in KEYED:  # a dataclass's mapping is closed: any other key is an error
        assert isinstance(result, SpecError)


@PROPERTY
@given(st.data())
def test_mutations_of_a_valid_spec(data: st.DataObject) -> None:
    spec = BASE
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.sampled_from(_paths(spec)))
        how = data.draw(st.sampled_from(["replace", "delete", "wrap"]))
        if how == "delete" and where:
            spec = _replace(spec, where[:-1], functools.partial(_without, key=where[-1]))
        elif how == "wrap":
            spec = _replace(spec, where, lambda v: [v])
        else:
            spec = _replace(spec, where, functools.partial(_constant, data.draw(TREES)))
    outcome(dump(spec), data.draw(st.sampled_from([{}, ENV])))


@PROPERTY
@given(st.data())
def test_text_edits_of_a_valid_spec(data: st.DataObject) -> None:
    text = MINIMAL
    for _ in range(data.draw(st.integers(1, 4))):
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(start, min(len(text), start + 20)))
        insert = data.draw(st.sampled_from(["", " ", "\n", "\t", ":", "- ", "[", "{", "&x ", "*x",
                                            "${A}", "$", "#", "'", '"', "!!int ", "<<: ", "\x07"]))
        text = text[:start] + insert + text[end:]
    outcome(text)


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _constant(value: Any, _old: Any) -> Any:
    return value


def _without(container: Any, key: Any) -> Any:
    if isinstance(container, dict):
        return {k: v for k, v in container.items() if k != key}
    return [v for i, v in enumerate(container) if i != key]


# --------------------------------------------------------------------------- round trip

WORDS = st.text(st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=12)
LOWER = "abcdefghijklmnopqrstuvwxyz"
NAMES = st.tuples(st.sampled_from(LOWER), st.text(LOWER + "0123456789_", max_size=8)).map("".join)
SLUGS = st.tuples(st.sampled_from(LOWER + "0123456789"), st.text(LOWER + "0123456789-",
                                                                 max_size=8)).map("".join)
FINITE = st.floats(allow_nan=False, allow_infinity=False)
NONNEG = st.floats(min_value=0, max_value=1e12)
DURATIONS = st.integers(0, 3650 * 86_400_000).map(lambda ms: timedelta(milliseconds=ms))
AGGREGATES: st.SearchStrategy[Aggregate] = st.sampled_from(typing.get_args(Aggregate))


@st.composite
def kpis(draw: st.DrawFn) -> tuple[Kpi, ...]:
    names = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    out = [Kpi(name=n, query=draw(WORDS.filter(str.strip)), unit=draw(WORDS),
               better=draw(st.sampled_from(["higher", "lower"])), title=draw(st.just("") | WORDS),
               critical=draw(st.booleans()), weight=draw(NONNEG), cost=draw(st.booleans()),
               aggregate=draw(AGGREGATES), limit=draw(st.none() | FINITE),
               mitigations=tuple(draw(st.lists(WORDS, max_size=2))))
           for n in names]
    assume(any(k.weight > 0 for k in out))
    assert NAME_RE.match(out[0].name)
    return tuple(out)


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    ks = draw(kpis())
    ga = draw(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2999, 12, 30),
                           timezones=st.just(timezone.utc)))
    release = Release(name=draw(WORDS.filter(str.strip)), ga_time=ga,
                      days=draw(st.integers(1, 90)), slug=draw(st.just("") | SLUGS))
    assert not release.slug or SLUG_RE.match(release.slug)
    schedule = Schedule(daily_time=time(draw(st.integers(0, 23)), draw(st.integers(0, 59))),
                        settle=draw(DURATIONS))
    source = SourceSpec(url="http://" + draw(SLUGS), step=draw(DURATIONS.filter(bool)),
                        retries=draw(st.integers(0, 10)), tls_verify=draw(st.booleans()),
                        headers=tuple(Header(n, Secret(v)) for n, v in
                                      draw(st.dictionaries(SLUGS, WORDS, max_size=2)).items()))
    cuts = sorted(draw(st.lists(NONNEG, min_size=4, max_size=4, unique=True)))
    drift = DriftThresholds(notable=cuts[0], medium=cuts[1], high=cuts[2], critical=cuts[3])
    slos = tuple(Slo(name=k.name, objective=draw(st.floats(0.001, 99.999)),
                     window=draw(DURATIONS), threshold=ThresholdSli(kpi=k.name, max=draw(FINITE)))
                 for k in ks[:2])
    bands = []
    for k in ks[:2]:
        bounds = sorted(draw(st.lists(FINITE, min_size=3, max_size=3)),
                        reverse=k.better == "lower")
        bands.append(Band(kpi=k.name, P0=bounds[0], P1=bounds[1], P2=bounds[2]))
    return Spec(version=1, release=release, source=source, kpis=ks, schedule=schedule,
                slos=slos, thresholds=Thresholds(drift=drift),
                priorities=Priorities(bands=tuple(bands)))


def to_yaml_data(value: Any, meta: typing.Mapping[str, Any] | None = None,
                 defaults: bool = True) -> Any:
    """The model value as YAML data the loader reads back to an equal value; without
    ``defaults``, fields equal to their default are left out."""
    if dataclasses.is_dataclass(value):
        out = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if not defaults and item == _default(f):
                continue
            out[f.name] = to_yaml_data(item, f.metadata, defaults)
        return out
    if isinstance(value, tuple) and meta and meta.get("keyed"):
        key = meta["keyed"]
        keyed = {}
        for item in value:
            fields = {n: v for n, v in to_yaml_data(item).items() if n != key}
            keyed[getattr(item, key)] = next(iter(fields.values())) if len(fields) == 1 else fields
        return keyed
    if isinstance(value, tuple):
        return [to_yaml_data(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, str):  # Secret too
        return str(value).replace("$", "$$")
    return value


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None if f.default is dataclasses.MISSING else f.default


@PROPERTY
@given(specs(), st.booleans())
def test_round_trip(spec: Spec, defaults: bool) -> None:
    text = dump(to_yaml_data(spec, defaults=defaults))
    loaded = outcome(text, {})
    assert not isinstance(loaded, SpecError), loaded.problems
    assert loaded == spec


def test_round_trip_covers_secrets_and_dollars() -> None:
    spec = parse_spec(MINIMAL, {})
    spec = dataclasses.replace(spec, release=dataclasses.replace(spec.release, name="$5 ${X} $$"))
    assert parse_spec(dump(to_yaml_data(spec)), {}) == spec
    assert isinstance(Secret("a"), str)
