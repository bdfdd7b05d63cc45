"""The spec's JSON Schema (draft 2020-12) and the README's spec reference, from the model.

Both walk the dataclasses of :mod:`tars_ci.spec.model` the way the loader does: a dataclass is
an object with exactly its fields (``additionalProperties: false``, fields without a default
are ``required``); a ``keyed`` tuple is an object whose values are the item without its key
field (an item with one other field is just that field's value); other tuples are arrays;
``Literal`` is an ``enum``; ``X | None`` also allows ``null``; durations are a string
(``30m``, ``1h30m``) or a number of seconds; timestamps are ``date-time`` strings; times of day
are ``"HH:MM"``; bounds, ``pattern`` and descriptions come from field metadata. Wherever a
value has a type or shape beyond "any string", a ``${VAR}`` reference is allowed too, since
the loader expands it before checking.

Regenerate after changing the model (a test fails while the committed files are stale)::

    python -m tars_ci.spec.schema --write config/tars.schema.json
    python -m tars_ci.spec.schema --markdown     # README, between the spec-reference markers
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import types
import typing
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal, Union

from tars_ci.reports.jsonio import dumps, write_text
from tars_ci.spec.document import STR, resolve
from tars_ci.spec.loader import field_meta
from tars_ci.spec.model import Secret, Spec
from tars_ci.spec.values import (
    DURATION_PATTERN,
    ENV_REFERENCE_PATTERN,
    MAX_DURATION,
    TIME_PATTERN,
    format_duration,
)

SCHEMA_PATH = Path("config/tars.schema.json")
DRAFT = "https://json-schema.org/draft/2020-12/schema"
ENV_DEF = "EnvReference"
_BOUNDS = ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum")
_GENERATED = ("<!-- generated from tars_ci/spec/model.py by "
              "`python -m tars_ci.spec.schema --markdown`; do not edit by hand -->")
_FORMATS = ("Value formats: durations are `30s`, `15m`, `1h30m`, `7d`, `2w`, `250ms` or plain "
            "seconds; timestamps are ISO 8601 with a timezone (`2026-11-02T00:00:00Z`); times "
            "of day are quoted `\"HH:MM\"` in UTC. Any value may be `${VAR}` or "
            "`${VAR:-default}` (expanded from the environment before it is checked; `$$` is a "
            "literal `$`). Unknown keys are errors.")
_SIGNS = {"minimum": "≥", "maximum": "≤", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}


# --------------------------------------------------------------------------- walking the model


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _fields(cls: type, key: str | None = None) -> list[tuple[dataclasses.Field[Any], Any]]:
    """``(field, type hint)`` of ``cls`` in declaration order, without the key field."""
    hints = _hints(cls)
    return [(f, hints[f.name]) for f in dataclasses.fields(cls) if f.name != key]


def _required(f: dataclasses.Field[Any]) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def _optional(tp: Any) -> tuple[Any, bool]:
    """``(inner type, allows None)`` of ``tp``."""
    if typing.get_origin(tp) in (Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return inner[0], len(inner) < len(typing.get_args(tp))
    return tp, False


def _doc(cls: type) -> str:
    return " ".join((cls.__doc__ or "").split())


# --------------------------------------------------------------------------- JSON Schema


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a spec file."""
    defs: dict[str, Any] = {ENV_DEF: {
        "type": "string", "pattern": ENV_REFERENCE_PATTERN,
        "description": "`${VAR}` or `${VAR:-default}`, expanded from the environment before "
                       "the value is checked."}}
    root = _object(Spec, None, defs)
    return {"$schema": DRAFT, "title": "tars-ci spec", **root, "$defs": defs}


def schema_text() -> str:
    """The canonical text of the schema file (sorted keys, trailing newline)."""
    return dumps(json_schema())


def _object(cls: type, key: str | None, defs: dict[str, Any]) -> dict[str, Any]:
    props = {}
    for f, hint in _fields(cls, key):
        props[f.name] = _field(f, hint, defs)
    return {"type": "object", "description": _doc(cls), "properties": props,
            "required": [f.name for f, _ in _fields(cls, key) if _required(f)],
            "additionalProperties": False}


def _ref(cls: type, key: str | None, defs: dict[str, Any]) -> dict[str, Any]:
    name = cls.__name__ if key is None else f"{cls.__name__}Entry"
    if name not in defs:
        defs[name] = {}  # reserve the name before recursing
        defs[name] = _object(cls, key, defs)
    return {"$ref": f"#/$defs/{name}"}


def _field(f: dataclasses.Field[Any], hint: Any, defs: dict[str, Any]) -> dict[str, Any]:
    out = _type(hint, field_meta(f), defs)
    out["description"] = f.metadata.get("doc", "")
    if f.default is not dataclasses.MISSING:
        key = f.metadata.get("keyed")
        out["default"] = _keyed_plain(f.default, key) if key else _plain(f.default)
    return out


def _keyed_plain(items: Any, key: str) -> dict[str, Any]:
    """A keyed tuple's default as the YAML mapping it is written as (``{}`` when empty)."""
    out: dict[str, Any] = {}
    for item in items:
        others = {f.name: _plain(getattr(item, f.name)) for f in dataclasses.fields(item)
                  if f.name != key}
        out[getattr(item, key)] = others if len(others) > 1 else next(iter(others.values()))
    return out


def _type(tp: Any, meta: typing.Mapping[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    inner, nullable = _optional(tp)
    if nullable:
        base = _type(inner, meta, defs)
        alternatives = base["anyOf"] if list(base) == ["anyOf"] else [base]
        return {"anyOf": [*alternatives, {"type": "null"}]}
    if dataclasses.is_dataclass(tp):
        return _ref(typing.cast(type, tp), None, defs)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is tuple:
        return _tuple(args[0], meta, defs)
    if origin is Literal:
        return _env({"enum": list(args)})
    return _scalar(tp, meta)


def _tuple(item: Any, meta: typing.Mapping[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    key = meta.get("keyed")
    if not key:
        out: dict[str, Any] = {"type": "array", "items": _type(item, {}, defs)}
        if meta.get("min_items"):
            out["minItems"] = meta["min_items"]
        return out
    others = _fields(item, key)
    if len(others) == 1:  # shorthand: name → the one other field's value
        value = _type(others[0][1], field_meta(others[0][0]), defs)
    else:
        value = _ref(item, key, defs)
    out = {"type": "object", "additionalProperties": value}
    if meta.get("min_items"):
        out["minProperties"] = meta["min_items"]
    key_pattern = next(f.metadata.get("pattern") for f in dataclasses.fields(item)
                       if f.name == key)
    if key_pattern:
        out["propertyNames"] = {"pattern": key_pattern}
    return out


def _scalar(tp: Any, meta: typing.Mapping[str, Any]) -> dict[str, Any]:
    bounds = {k: meta[k] for k in _BOUNDS if k in meta}
    if tp is bool:
        return _env({"type": "boolean"})
    if tp is int:
        return _env({"type": "integer", **bounds})
    if tp is float:
        return _env({"type": "number", **bounds})
    if tp in (str, Secret):
        if "pattern" not in meta:
            return {"type": "string"}
        out = _env({"type": "string", "pattern": meta["pattern"]})
        if meta.get("empty_ok"):
            out["anyOf"].insert(1, {"const": ""})
        return out
    if tp is datetime:
        return _env({"type": "string", "format": "date-time"})
    if tp is time:
        return _env({"type": "string", "pattern": TIME_PATTERN})
    if tp is timedelta:
        return {"anyOf": [{"type": "string", "pattern": DURATION_PATTERN},
                          {"type": "number", "minimum": 0,
                           "maximum": int(MAX_DURATION.total_seconds())},
                          {"$ref": f"#/$defs/{ENV_DEF}"}]}
    raise TypeError(f"no JSON Schema for {tp!r}")


def _env(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"$ref": f"#/$defs/{ENV_DEF}"}]}


def _plain(value: Any) -> Any:
    """A field default as YAML/JSON data."""
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return str(value) if isinstance(value, Secret) else value


# --------------------------------------------------------------------------- Markdown


def markdown_reference() -> str:
    """The README's spec reference: one table per section (key, type, default, description)."""
    out = [_GENERATED, "", _FORMATS, ""]
    for path, cls, key in _sections(Spec, "", None):
        out += [f"#### `{path}`" if path else "#### Top level", "", _doc(cls), "",
                "| key | type | default | description |", "| --- | --- | --- | --- |"]
        for f, hint in _fields(cls, key):
            sub = f"{path}.{f.name}" if path else f.name
            cells = (f"`{f.name}`", _type_name(hint, field_meta(f), sub), _default(f),
                     f.metadata.get("doc", ""))
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        out.append("")
    return "\n".join(out)


def _sections(cls: type, path: str, key: str | None) -> list[tuple[str, type, str | None]]:
    """``(YAML path, class, key field)`` of ``cls`` and every mapping nested in it, in order."""
    out = [(path, cls, key)]
    for f, hint in _fields(cls, key):
        inner, _ = _optional(hint)
        sub = f"{path}.{f.name}" if path else f.name
        if dataclasses.is_dataclass(inner):
            out += _sections(typing.cast(type, inner), sub, None)
        elif typing.get_origin(inner) is tuple and f.metadata.get("keyed"):
            item, item_key = typing.get_args(inner)[0], f.metadata["keyed"]
            if len(_fields(item, item_key)) > 1:
                out += _sections(item, f"{sub}.<{item_key}>", item_key)
        elif typing.get_origin(inner) is tuple and dataclasses.is_dataclass(
                typing.get_args(inner)[0]):
            out += _sections(typing.get_args(inner)[0], f"{sub}[]", None)
    return out


def _type_name(tp: Any, meta: typing.Mapping[str, Any], path: str) -> str:
    """A person's name for a field's type; ``path`` is the field's YAML path."""
    inner, nullable = _optional(tp)
    if nullable:
        return f"{_type_name(inner, meta, path)} or null"
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if dataclasses.is_dataclass(tp):
        return f"mapping (`{path}`)"
    if origin is tuple and meta.get("keyed"):
        key = meta["keyed"]
        others = _fields(args[0], key)
        if len(others) == 1:
            return f"mapping {key} → {_type_name(others[0][1], field_meta(others[0][0]), path)}"
        return f"mapping {key} → settings (`{path}.<{key}>`)"
    if origin is tuple and dataclasses.is_dataclass(args[0]):
        return f"list of mappings (`{path}[]`)"
    if origin is tuple:
        item = _type_name(args[0], {}, path)
        return f"list of {item.removeprefix('one of ')}"
    if origin is Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    names = {bool: "boolean", int: "integer", float: "number", str: "string",
             Secret: "string (secret)", datetime: "timestamp", time: "time `HH:MM`",
             timedelta: "duration"}
    text = names[tp]
    limits = [f"{_SIGNS[k]} {meta[k]}" for k in _BOUNDS if k in meta]
    if "pattern" in meta:
        limits.append(f"matching `{meta['pattern']}`" + (" or empty" if meta.get("empty_ok") else ""))
    return f"{text} ({', '.join(limits)})" if limits else text


def _default(f: dataclasses.Field[Any]) -> str:
    if _required(f):
        return "**required**"
    if f.default is dataclasses.MISSING:
        return "its defaults"
    if f.metadata.get("keyed"):
        names = [str(getattr(item, f.metadata["keyed"])) for item in f.default]
        return ", ".join(f"`{n}`" for n in names) if names else "`{}`"
    value = _plain(f.default)
    if isinstance(value, list):
        return "`[" + ", ".join(str(v) for v in value) + "]`"
    if value is None:
        return "`null`"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, str) and (value == "" or resolve(value) != STR
                                   or isinstance(f.default, time)):  # YAML needs quotes
        return f'`"{value}"`'
    return f"`{value}`"


# --------------------------------------------------------------------------- command


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tars_ci.spec.schema``: print or write the schema, or the Markdown reference."""
    parser = argparse.ArgumentParser(prog="python -m tars_ci.spec.schema",
                                     description="Generate the spec's JSON Schema or the "
                                                 "README's spec reference from the model.")
    parser.add_argument("--write", nargs="?", const=str(SCHEMA_PATH), metavar="PATH",
                        help=f"write the schema to PATH (default {SCHEMA_PATH})")
    parser.add_argument("--check", nargs="?", const=str(SCHEMA_PATH), metavar="PATH",
                        help="exit 1 when the schema file at PATH is stale")
    parser.add_argument("--markdown", action="store_true",
                        help="print the Markdown spec reference instead")
    args = parser.parse_args(argv)
    text = markdown_reference() if args.markdown else schema_text()
    if args.check:
        path = Path(args.check)
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            print(f"{path} is stale: run python -m tars_ci.spec.schema --write {path}",
                  file=sys.stderr)
            return 1
        return 0
    if args.write:
        changed = write_text(Path(args.write), text)
        print(f"{'wrote' if changed else 'unchanged'}: {args.write}", file=sys.stderr)
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
