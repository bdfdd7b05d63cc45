"""YAML → :class:`tars_ci.spec.model.Spec`, with every error located by YAML path and line.

The conversion is generic: it walks the model's dataclasses and their type hints, so a field
added to the model is loadable (and appears in the JSON Schema) without touching this file.
All problems are collected, not just the first, and reported together as one ``SpecError``
(at most ``MAX_PROBLEMS`` of them).

How YAML maps to the model
    A dataclass is a mapping with exactly its field names (unknown keys are errors, with a
    did-you-mean). A ``tuple`` field marked ``keyed`` is a mapping from name to item and the
    key fills the item's key field (which must not be repeated inside the item); an item class
    with exactly one other field is written as that field's value (``headers: {X-Org: acme}``).
    Other tuples are lists. ``Literal`` fields take one of their values, ``X | None`` also
    takes ``null``. Durations are ``30s``, ``15m``, ``1h30m``, ``7d``, ``2w``, ``250ms`` or
    plain seconds; times of day are ``"HH:MM"`` (UTC); timestamps are ISO 8601 with a
    timezone. A string field refuses a plain ``yes``/``1.0``/``null``: quote it.

Environment variables (``${VAR}``)
    * ``${VAR}`` is replaced by the variable's value; an unset variable is an error that names
      it (a variable set to the empty string is empty). ``${VAR:-default}`` uses ``default``
      when ``VAR`` is unset or empty, as in the shell (the default cannot contain ``}`` or
      ``$``; it may be empty). ``$$`` is a literal ``$``; a lone ``$`` not
      followed by ``{`` stays as it is (PromQL regexes keep their ``$``). Any other ``${`` is
      an error, as is a nested reference.
    * Expansion happens on scalar *values* only, never on keys, and in quoted and block
      scalars too.
    * It happens before type conversion: the expanded text of a plain scalar is typed as YAML
      would type it, so ``weight: ${W}`` with ``W=3`` is the number 3 and ``limit: ${L:-}`` is
      ``null``. A string field takes expanded text as it is (an env value cannot be quoted).

Untrusted input
    The file is capped at ``MAX_BYTES`` and read no further; :mod:`tars_ci.spec.document`
    refuses alias bombs, recursive aliases, non-standard tags and merge keys before any
    conversion walks the graph; at most ``MAX_PROBLEMS`` problems are collected.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Union

import yaml

from tars_ci.errors import SpecError, SpecProblem
from tars_ci.spec.document import (
    NULL,
    compose,
    describe,
    join,
    line_of,
)
from tars_ci.spec.model import Spec
from tars_ci.spec.scalars import (
    CONVERTERS,
    MAX_PROBLEMS,
    Context,
    Invalid,
    Stop,
    check_meta,
    literal,
    scalar,
    suggest,
)
from tars_ci.spec.values import (
    format_duration,
    parse_duration,
    parse_timestamp,
)

__all__ = ["MAX_BYTES", "MAX_PROBLEMS", "field_meta", "format_duration", "load_spec",
           "parse_duration", "parse_spec", "parse_timestamp"]

MAX_BYTES = 256 * 1024


def field_meta(f: dataclasses.Field[Any]) -> dict[str, Any]:
    """A field's metadata as the loader and the JSON Schema apply it: a ``pattern`` does not
    apply to the empty string when that is the default (empty means "not set")."""
    meta = dict(f.metadata)
    if "pattern" in meta and f.default == "":
        meta["empty_ok"] = True
    return meta


def _fail(file: str, line: int | None, message: str) -> SpecError:
    return SpecError([SpecProblem("", line, message, file)])


# --------------------------------------------------------------------------- public API


def load_spec(path: str | Path, env: Mapping[str, str]) -> Spec:
    """Read and validate the spec at ``path``; ``env`` expands ``${VAR}``. Raises SpecError."""
    file = str(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise _fail(file, None, f"cannot read spec: {reason}") from exc
    if len(raw) > MAX_BYTES:
        raise _fail(file, None, f"spec is larger than {MAX_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise _fail(file, line, f"spec is not UTF-8 text ({exc.reason}: byte "
                                f"0x{raw[exc.start]:02x})") from exc
    return parse_spec(text, env, file)


def parse_spec(text: str, env: Mapping[str, str], file: str = "spec") -> Spec:
    """Validate spec ``text``; raises SpecError listing every problem with path and line."""
    if len(text) > MAX_BYTES:
        raise _fail(file, None, f"spec is larger than {MAX_BYTES} bytes")
    root = compose(text, file)
    if root is None:
        raise _fail(file, None, "spec is empty")
    ctx = Context(file, env)
    spec = None
    try:
        spec = _convert(root, Spec, "", {}, ctx)
    except (Invalid, Stop):
        pass
    if ctx.problems or spec is None:
        raise SpecError(ctx.problems)
    return typing.cast(Spec, spec)


# --------------------------------------------------------------------------- conversion


def _convert(node: yaml.Node, tp: Any, path: str, meta: Mapping[str, Any], ctx: Context) -> Any:
    ctx.lines.setdefault(path, line_of(node))
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        optional = len(inner) < len(args)
        if optional and isinstance(node, yaml.ScalarNode) and scalar(node, path, ctx).tag == NULL:
            return None
        return _convert(node, inner[0], path, meta, ctx)
    if dataclasses.is_dataclass(tp):
        return _dataclass(node, typing.cast(type, tp), path, ctx)
    if origin is tuple:
        if meta.get("keyed"):
            return _keyed(node, args[0], meta["keyed"], path, meta, ctx)
        return _sequence(node, args[0], path, meta, ctx)
    leaf = scalar(node, path, ctx)
    if origin is Literal:
        return literal(leaf, args, path, ctx)
    converter = CONVERTERS.get(tp)
    if converter is None:  # pragma: no cover - guarded by test_every_model_type_is_loadable
        raise TypeError(f"no loader for {tp!r}")
    value = converter(leaf, path, ctx)
    check_meta(value, leaf, path, meta, ctx)
    return value


def _dataclass(node: yaml.Node, cls: type, path: str, ctx: Context,
               injected: Mapping[str, Any] | None = None) -> Any:
    if not isinstance(node, yaml.MappingNode):
        ctx.add(path, line_of(node), f"must be a mapping, got {describe(node)}")
        raise Invalid
    hints = _hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = dict(injected or {})
    present = set(values)
    failed = False
    for key_node, value_node in _pairs(node, path, ctx):
        key = key_node.value
        sub = join(path, key)
        ctx.lines[sub] = line_of(key_node)
        if key not in fields:
            ctx.add(sub, line_of(key_node), f"unknown key {key!r}{suggest(key, list(fields))}; "
                                          f"allowed: {', '.join(fields)}")
            failed = True
        elif key in present:
            ctx.add(sub, line_of(key_node), f"leave {key!r} out: the mapping key gives it")
            failed = True
        else:
            present.add(key)
            try:
                values[key] = _convert(value_node, hints[key], sub, field_meta(fields[key]), ctx)
            except Invalid:
                failed = True
    for name, f in fields.items():
        if _required(f) and name not in present:
            ctx.add(path, ctx.line_of(path), f"missing required key {name!r}")
            failed = True
    if failed:
        raise Invalid
    return _build(cls, values, path, ctx)


def _build(cls: type, values: Mapping[str, Any], path: str, ctx: Context) -> Any:
    """The record, with its own cross-field ``problems()`` recorded."""
    obj = cls(**values)
    check = getattr(obj, "problems", None)
    if check is not None:
        for rel, message in check():
            where = join(path, rel) if rel else path
            ctx.add(where, ctx.line_of(where), message)
    return obj


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """``typing.get_type_hints`` once per class (it evaluates every annotation each time)."""
    return typing.get_type_hints(cls)


def _required(f: dataclasses.Field[Any]) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def _keyed(node: yaml.Node, cls: Any, key_field: str, path: str, meta: Mapping[str, Any],
           ctx: Context) -> tuple[Any, ...]:
    if not isinstance(node, yaml.MappingNode):
        ctx.add(path, line_of(node), f"must be a mapping of name → settings, got {describe(node)}")
        raise Invalid
    others = [f for f in dataclasses.fields(cls) if f.name != key_field]
    out, failed = [], False
    for key_node, value_node in _pairs(node, path, ctx):
        sub = join(path, key_node.value)
        ctx.lines[sub] = line_of(key_node)
        try:
            if len(others) == 1:  # shorthand: the key maps straight to the one other field
                hint = _hints(cls)[others[0].name]
                value = _convert(value_node, hint, sub, field_meta(others[0]), ctx)
                values = {key_field: key_node.value, others[0].name: value}
                out.append(_build(cls, values, sub, ctx))
            else:
                out.append(_dataclass(value_node, cls, sub, ctx, {key_field: key_node.value}))
        except Invalid:
            failed = True
    if failed:
        raise Invalid
    if len(out) < meta.get("min_items", 0):
        n = meta["min_items"]
        ctx.add(path, ctx.line_of(path), f"needs at least {n} {'entry' if n == 1 else 'entries'}")
        raise Invalid
    return tuple(out)


def _sequence(node: yaml.Node, item: Any, path: str, meta: Mapping[str, Any],
              ctx: Context) -> tuple[Any, ...]:
    if not isinstance(node, yaml.SequenceNode):
        ctx.add(path, line_of(node), f"must be a list, got {describe(node)}")
        raise Invalid
    out, failed = [], False
    for i, child in enumerate(node.value):
        try:
            out.append(_convert(child, item, f"{path}[{i}]", {}, ctx))
        except Invalid:
            failed = True
    if failed:
        raise Invalid
    if len(out) < meta.get("min_items", 0):
        ctx.add(path, line_of(node), f"needs at least {meta['min_items']} item(s)")
        raise Invalid
    return tuple(out)


def _pairs(node: yaml.MappingNode, path: str,
           ctx: Context) -> list[tuple[yaml.ScalarNode, yaml.Node]]:
    seen: dict[str, int] = {}
    out = []
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == NULL:
            ctx.add(path, line_of(key_node), "mapping keys must be plain strings")
            continue
        if key_node.value in seen:
            ctx.add(join(path, key_node.value), line_of(key_node),
                    f"duplicate key {key_node.value!r} (first on line {seen[key_node.value]})")
            continue
        seen[key_node.value] = line_of(key_node)
        out.append((key_node, value_node))
    return out


