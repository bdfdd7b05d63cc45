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
import difflib
import functools
import math
import re
import types
import typing
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal, NamedTuple, Union

import yaml

from tars_ci.errors import SpecError, SpecProblem
from tars_ci.spec.document import (
    BOOL,
    FLOAT,
    INT,
    NULL,
    STR,
    TIMESTAMP,
    compose,
    describe,
    join,
    kind,
    line_of,
    resolve,
)
from tars_ci.spec.model import Secret, Spec
from tars_ci.spec.values import (
    expand_env,
    format_duration,
    parse_duration,
    parse_time,
    parse_timestamp,
    short,
)

__all__ = ["MAX_BYTES", "MAX_PROBLEMS", "field_meta", "format_duration", "load_spec",
           "parse_duration", "parse_spec", "parse_timestamp"]

MAX_BYTES = 256 * 1024
MAX_PROBLEMS = 100
# YAML 1.2 floats that YAML 1.1 (PyYAML) reads as strings, e.g. ``1e3``.
_FLOAT12_RE = re.compile(r"^[-+]?(?:\.\d+|\d+(?:\.\d*)?)(?:[eE][-+]?\d+)?$")
_TRUE = frozenset({"true", "yes", "on"})
_FALSE = frozenset({"false", "no", "off"})


class _Invalid(Exception):
    """Internal: one field could not be converted; the problem is already recorded."""


class _Stop(Exception):
    """Internal: too many problems; report those found so far."""


class _Context:
    """Collects problems and remembers the line of every YAML path seen."""

    def __init__(self, file: str, env: Mapping[str, str]) -> None:
        self.file = file
        self.env = env
        self.problems: list[SpecProblem] = []
        self.lines: dict[str, int] = {}

    def add(self, path: str, line: int | None, message: str) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.problems.append(SpecProblem("", None, f"stopped after {MAX_PROBLEMS} problems",
                                             self.file))
            raise _Stop
        self.problems.append(SpecProblem(path, line, message, self.file))

    def line_of(self, path: str) -> int | None:
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""


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
    ctx = _Context(file, env)
    spec = None
    try:
        spec = _convert(root, Spec, "", {}, ctx)
    except (_Invalid, _Stop):
        pass
    if ctx.problems or spec is None:
        raise SpecError(ctx.problems)
    return typing.cast(Spec, spec)


# --------------------------------------------------------------------------- conversion


def _convert(node: yaml.Node, tp: Any, path: str, meta: Mapping[str, Any], ctx: _Context) -> Any:
    ctx.lines.setdefault(path, line_of(node))
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        optional = len(inner) < len(args)
        if optional and isinstance(node, yaml.ScalarNode) and _scalar(node, path, ctx).tag == NULL:
            return None
        return _convert(node, inner[0], path, meta, ctx)
    if dataclasses.is_dataclass(tp):
        return _dataclass(node, typing.cast(type, tp), path, ctx)
    if origin is tuple:
        if meta.get("keyed"):
            return _keyed(node, args[0], meta["keyed"], path, meta, ctx)
        return _sequence(node, args[0], path, meta, ctx)
    scalar = _scalar(node, path, ctx)
    if origin is Literal:
        return _literal(scalar, args, path, ctx)
    converter = _SCALARS.get(tp)
    if converter is None:  # pragma: no cover - guarded by test_every_model_type_is_loadable
        raise TypeError(f"no loader for {tp!r}")
    value = converter(scalar, path, ctx)
    _check_meta(value, scalar, path, meta, ctx)
    return value


def _dataclass(node: yaml.Node, cls: type, path: str, ctx: _Context,
               injected: Mapping[str, Any] | None = None) -> Any:
    if not isinstance(node, yaml.MappingNode):
        ctx.add(path, line_of(node), f"must be a mapping, got {describe(node)}")
        raise _Invalid
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
            ctx.add(sub, line_of(key_node), f"unknown key {key!r}{_suggest(key, list(fields))}; "
                                          f"allowed: {', '.join(fields)}")
            failed = True
        elif key in present:
            ctx.add(sub, line_of(key_node), f"leave {key!r} out: the mapping key gives it")
            failed = True
        else:
            present.add(key)
            try:
                values[key] = _convert(value_node, hints[key], sub, field_meta(fields[key]), ctx)
            except _Invalid:
                failed = True
    for name, f in fields.items():
        if _required(f) and name not in present:
            ctx.add(path, ctx.line_of(path), f"missing required key {name!r}")
            failed = True
    if failed:
        raise _Invalid
    return _build(cls, values, path, ctx)


def _build(cls: type, values: Mapping[str, Any], path: str, ctx: _Context) -> Any:
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
           ctx: _Context) -> tuple[Any, ...]:
    if not isinstance(node, yaml.MappingNode):
        ctx.add(path, line_of(node), f"must be a mapping of name → settings, got {describe(node)}")
        raise _Invalid
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
        except _Invalid:
            failed = True
    if failed:
        raise _Invalid
    if len(out) < meta.get("min_items", 0):
        n = meta["min_items"]
        ctx.add(path, ctx.line_of(path), f"needs at least {n} {'entry' if n == 1 else 'entries'}")
        raise _Invalid
    return tuple(out)


def _sequence(node: yaml.Node, item: Any, path: str, meta: Mapping[str, Any],
              ctx: _Context) -> tuple[Any, ...]:
    if not isinstance(node, yaml.SequenceNode):
        ctx.add(path, line_of(node), f"must be a list, got {describe(node)}")
        raise _Invalid
    out, failed = [], False
    for i, child in enumerate(node.value):
        try:
            out.append(_convert(child, item, f"{path}[{i}]", {}, ctx))
        except _Invalid:
            failed = True
    if failed:
        raise _Invalid
    if len(out) < meta.get("min_items", 0):
        ctx.add(path, line_of(node), f"needs at least {meta['min_items']} item(s)")
        raise _Invalid
    return tuple(out)


def _pairs(node: yaml.MappingNode, path: str,
           ctx: _Context) -> list[tuple[yaml.ScalarNode, yaml.Node]]:
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


# --------------------------------------------------------------------------- scalars


class _Scalar(NamedTuple):
    """A scalar after ``${VAR}`` expansion, with the YAML type of its text."""

    text: str
    tag: str
    expanded: bool
    line: int
    plain: bool

    def shown(self) -> str:
        """The value for a message: its YAML type and (shortened) text."""
        if self.tag == NULL:
            return "null"
        return f"{kind(self.tag)} {short(self.text)}"


def _scalar(node: yaml.Node, path: str, ctx: _Context) -> _Scalar:
    if not isinstance(node, yaml.ScalarNode):
        ctx.add(path, line_of(node), f"must be a single value, got {describe(node)}")
        raise _Invalid
    raw, line = str(node.value), line_of(node)
    text, errors = expand_env(raw, ctx.env)
    for message in errors:
        ctx.add(path, line, message)
    if errors:
        raise _Invalid
    implicit = resolve(raw) if node.style is None else STR
    if node.tag != implicit:  # an explicit tag such as !!str decides
        tag = str(node.tag)
    elif node.style is None:
        tag = resolve(text) if text != raw else implicit
    else:
        tag = implicit
    return _Scalar(text, tag, text != raw, line, node.style is None)


def _literal(s: _Scalar, allowed: tuple[Any, ...], path: str, ctx: _Context) -> Any:
    for option in allowed:
        if isinstance(option, str) and s.text == option and s.tag in (STR, TIMESTAMP):
            return option
        if isinstance(option, int) and s.tag == INT and s.text == str(option):
            return option
    names = [str(a) for a in allowed]
    hint = " (write it unquoted)" if s.text in names else _suggest(s.text, names)
    ctx.add(path, s.line, f"must be one of {', '.join(repr(a) for a in allowed)}, got "
                          f"{s.shown()}{hint}")
    raise _Invalid


def _str(s: _Scalar, path: str, ctx: _Context) -> str:
    if s.tag not in (STR, TIMESTAMP) and not s.expanded:
        ctx.add(path, s.line, f"must be a string, got {s.shown()} (quote it)")
        raise _Invalid
    return s.text


def _secret(s: _Scalar, path: str, ctx: _Context) -> Secret:
    if s.tag not in (STR, TIMESTAMP) and not s.expanded:  # never echo the value
        ctx.add(path, s.line, f"must be a string, got {kind(s.tag)} (quote it, or better: "
                              "use ${VAR} from a secret)")
        raise _Invalid
    return Secret(s.text)


def _int(s: _Scalar, path: str, ctx: _Context) -> int:
    if s.tag != INT:
        ctx.add(path, s.line, f"must be an integer, got {s.shown()}")
        raise _Invalid
    try:
        return _integer(s.text.replace("_", ""))
    except OverflowError:
        ctx.add(path, s.line, f"is out of range, got {s.shown()}")
    except ValueError:
        ctx.add(path, s.line, f"must be a plain integer (no leading 0, no 1:30), got {s.shown()}")
    raise _Invalid


def _integer(text: str) -> int:
    """Python's reading of a YAML int (``0x1F``, ``0b101``, ``1000``); OverflowError if huge."""
    if len(text) > 400:
        raise OverflowError(text)
    return int(text, 0)


def _float(s: _Scalar, path: str, ctx: _Context) -> float:
    if s.tag == STR and s.plain and _FLOAT12_RE.match(s.text):
        s = s._replace(tag=FLOAT)  # YAML 1.2 reads a plain 1e3 as a number; so do we, here
    if s.tag not in (INT, FLOAT):
        ctx.add(path, s.line, f"must be a number, got {s.shown()}")
        raise _Invalid
    text = s.text.replace("_", "")
    try:
        value = float(_integer(text)) if s.tag == INT else float(text)
    except OverflowError:
        value = math.inf
    except ValueError:  # YAML's .inf / .nan, or a sexagesimal 1:30.5
        if not re.fullmatch(r"[-+]?\.(?:inf|nan)", text, re.IGNORECASE):
            ctx.add(path, s.line, f"must be a plain number, got {s.shown()}")
            raise _Invalid from None
        value = math.inf
    if not math.isfinite(value):
        ctx.add(path, s.line, f"must be a finite number, got {short(s.text)}")
        raise _Invalid
    return value


def _bool(s: _Scalar, path: str, ctx: _Context) -> bool:
    word = s.text.strip().lower()
    if s.tag != BOOL or word not in _TRUE | _FALSE:
        ctx.add(path, s.line, f"must be true or false, got {s.shown()}")
        raise _Invalid
    return word in _TRUE


def _datetime(s: _Scalar, path: str, ctx: _Context) -> datetime:
    try:
        return parse_timestamp(s.text)
    except ValueError as exc:
        ctx.add(path, s.line, str(exc))
        raise _Invalid from None


def _time(s: _Scalar, path: str, ctx: _Context) -> time:
    try:
        return parse_time(s.text)
    except ValueError as exc:
        ctx.add(path, s.line, str(exc))
        raise _Invalid from None


def _timedelta(s: _Scalar, path: str, ctx: _Context) -> timedelta:
    try:
        return parse_duration(s.text)
    except ValueError as exc:
        ctx.add(path, s.line, str(exc))
        raise _Invalid from None


_SCALARS: dict[Any, Any] = {
    str: _str, Secret: _secret, int: _int, float: _float, bool: _bool,
    datetime: _datetime, time: _time, timedelta: _timedelta,
}


def _check_meta(value: Any, s: _Scalar, path: str, meta: Mapping[str, Any],
                ctx: _Context) -> None:
    """Bounds (``minimum`` …) and ``pattern`` from field metadata, as the JSON Schema has them."""
    if isinstance(value, str) and "pattern" in meta and not (value == "" and meta.get("empty_ok")):
        pattern = str(meta["pattern"])
        if pattern.endswith("$") and not pattern.endswith("\\$"):  # ECMA-262 `$`: no newline
            pattern = pattern[:-1] + r"\Z"
        if not re.search(pattern, value):
            shown = "a value" if isinstance(value, Secret) else short(value)
            ctx.add(path, s.line, f"must match {meta['pattern']}, got {shown}")
            raise _Invalid
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return
    checks = (("minimum", lambda b: value >= b, "≥"), ("maximum", lambda b: value <= b, "≤"),
              ("exclusiveMinimum", lambda b: value > b, ">"),
              ("exclusiveMaximum", lambda b: value < b, "<"))
    for key, ok, sign in checks:
        if key in meta and not ok(meta[key]):
            ctx.add(path, s.line, f"must be {sign} {meta[key]}, got {s.text.strip()[:60]}")
            raise _Invalid


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.7)
    return f" (did you mean {close[0]!r}?)" if close else ""
