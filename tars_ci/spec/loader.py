"""YAML → :class:`tars_ci.spec.model.Spec`, with every error located by YAML path and line.

The conversion is generic: it walks the model's dataclasses and their type hints, so a field
added to the model is loadable (and appears in the JSON Schema) without touching this file.
All problems are collected, not just the first, and reported together as one ``SpecError``.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import types
import typing
from collections.abc import Mapping
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Literal, Union

import yaml

from tars_ci.errors import SpecError, SpecProblem
from tars_ci.spec.model import Secret, Spec

ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\$")
DURATION_RE = re.compile(r"^(?:(\d+(?:\.\d+)?)w)?(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?"
                         r"(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MAX_BYTES = 1 << 20


class _Invalid(Exception):
    """Internal: one field could not be converted; the problem is already recorded."""


class _Context:
    """Collects problems and remembers the line of every YAML path seen."""

    def __init__(self, file: str, env: Mapping[str, str]) -> None:
        self.file = file
        self.env = env
        self.problems: list[SpecProblem] = []
        self.lines: dict[str, int] = {}

    def add(self, path: str, line: int | None, message: str) -> None:
        self.problems.append(SpecProblem(path, line, message, self.file))

    def line_of(self, path: str) -> int | None:
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = _parent(path)


def _parent(path: str) -> str:
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


# --------------------------------------------------------------------------- public API


def load_spec(path: str | Path, env: Mapping[str, str]) -> Spec:
    """Read and validate the spec at ``path``; ``env`` expands ``${VAR}``. Raises SpecError."""
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise SpecError([SpecProblem("", None, f"cannot read spec: {exc.strerror or exc}",
                                     file)]) from exc
    if len(raw) > MAX_BYTES:
        raise SpecError([SpecProblem("", None, f"spec is larger than {MAX_BYTES} bytes", file)])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError([SpecProblem("", None, f"spec is not UTF-8: {exc.reason}", file)]) from exc
    return parse_spec(text, env, file)


def parse_spec(text: str, env: Mapping[str, str], file: str = "spec") -> Spec:
    """Validate spec ``text``; raises SpecError listing every problem with path and line."""
    ctx = _Context(file, env)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        msg = f"invalid YAML: {exc.problem or exc.context}"
        raise SpecError([SpecProblem("", line, msg, file)]) from exc
    except yaml.YAMLError as exc:
        raise SpecError([SpecProblem("", None, f"invalid YAML: {exc}", file)]) from exc
    except RecursionError as exc:
        raise SpecError([SpecProblem("", None, "YAML is nested too deeply", file)]) from exc
    if root is None:
        raise SpecError([SpecProblem("", None, "spec is empty", file)])
    try:
        spec = _convert(root, Spec, "", {}, ctx)
    except _Invalid:
        spec = None
    except RecursionError as exc:
        raise SpecError([SpecProblem("", None, "spec is nested too deeply", file)]) from exc
    if ctx.problems or spec is None:
        raise SpecError(ctx.problems)
    return typing.cast(Spec, spec)


# --------------------------------------------------------------------------- conversion


def _convert(node: yaml.Node, tp: Any, path: str, meta: Mapping[str, Any], ctx: _Context) -> Any:
    ctx.lines.setdefault(path, _line(node))
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            if type(None) in args:
                return None
        return _convert(node, inner[0], path, meta, ctx)
    if dataclasses.is_dataclass(tp):
        return _dataclass(node, typing.cast(type, tp), path, ctx)
    if origin is tuple:
        if meta.get("keyed"):
            return _keyed(node, args[0], meta["keyed"], path, ctx)
        return _sequence(node, args[0], path, meta, ctx)
    if origin is Literal:
        value = _scalar(node, path, ctx)
        for allowed in args:
            if value == str(allowed):
                return allowed
        ctx.add(path, _line(node), f"must be one of {', '.join(repr(a) for a in args)}, "
                                   f"got {value!r}{_suggest(value, [str(a) for a in args])}")
        raise _Invalid
    converter = _SCALARS.get(tp)
    if converter is None:  # pragma: no cover - guarded by test_every_model_type_is_loadable
        raise TypeError(f"no loader for {tp!r}")
    value = converter(node, path, ctx)
    _check_bounds(value, path, node, meta, ctx)
    return value


def _dataclass(node: yaml.Node, cls: type, path: str, ctx: _Context,
               injected: Mapping[str, Any] | None = None) -> Any:
    if not isinstance(node, yaml.MappingNode):
        ctx.add(path, _line(node), f"must be a mapping, got {_describe(node)}")
        raise _Invalid
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = dict(injected or {})
    present = set(values)
    failed = False
    for key_node, value_node in _pairs(node, path, ctx):
        key = key_node.value
        present.add(key)
        sub = _join(path, key)
        ctx.lines[sub] = _line(key_node)
        if key not in fields:
            ctx.add(sub, _line(key_node), f"unknown key {key!r}{_suggest(key, list(fields))}; "
                                          f"allowed: {', '.join(fields)}")
            failed = True
            continue
        if injected and key in injected:
            given = _scalar(value_node, sub, ctx) if isinstance(value_node, yaml.ScalarNode) else None
            if given != injected[key]:
                ctx.add(sub, _line(key_node), f"is {given!r} but the mapping key says "
                                              f"{injected[key]!r}; leave it out")
                failed = True
            continue
        try:
            values[key] = _convert(value_node, hints[key], sub, fields[key].metadata, ctx)
        except _Invalid:
            failed = True
    for name, f in fields.items():
        missing = (f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
        if missing and name not in present:
            ctx.add(path, _line(node), f"missing required key {name!r}")
            failed = True
    if failed:
        raise _Invalid
    obj = cls(**values)
    check = getattr(obj, "problems", None)
    if check is not None:
        for rel, message in check():
            where = _join(path, rel) if rel else path
            ctx.add(where, ctx.line_of(where), message)
    return obj


def _keyed(node: yaml.Node, cls: Any, key_field: str, path: str, ctx: _Context) -> tuple[Any, ...]:
    if not isinstance(node, yaml.MappingNode):
        ctx.add(path, _line(node), f"must be a mapping of name → settings, got {_describe(node)}")
        raise _Invalid
    out, failed = [], False
    for key_node, value_node in _pairs(node, path, ctx):
        sub = _join(path, key_node.value)
        ctx.lines[sub] = _line(key_node)
        try:
            out.append(_dataclass(value_node, cls, sub, ctx, {key_field: key_node.value}))
        except _Invalid:
            failed = True
    if failed:
        raise _Invalid
    return tuple(out)


def _sequence(node: yaml.Node, item: Any, path: str, meta: Mapping[str, Any],
              ctx: _Context) -> tuple[Any, ...]:
    if not isinstance(node, yaml.SequenceNode):
        ctx.add(path, _line(node), f"must be a list, got {_describe(node)}")
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
        ctx.add(path, _line(node), f"needs at least {meta['min_items']} item(s)")
        raise _Invalid
    return tuple(out)


def _pairs(node: yaml.MappingNode, path: str, ctx: _Context) -> list[tuple[yaml.ScalarNode, yaml.Node]]:
    seen: dict[str, int] = {}
    out = []
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:null":
            ctx.add(path, _line(key_node), "mapping keys must be plain strings")
            continue
        if key_node.value in seen:
            ctx.add(_join(path, key_node.value), _line(key_node),
                    f"duplicate key {key_node.value!r} (first on line {seen[key_node.value]})")
            continue
        seen[key_node.value] = _line(key_node)
        out.append((key_node, value_node))
    return out


# --------------------------------------------------------------------------- scalars


def _scalar(node: yaml.Node, path: str, ctx: _Context) -> str:
    """The scalar's text after ``${VAR}`` expansion."""
    if not isinstance(node, yaml.ScalarNode):
        ctx.add(path, _line(node), f"must be a single value, got {_describe(node)}")
        raise _Invalid
    text = str(node.value)
    if "$" not in text:
        return text
    missing: list[str] = []

    def expand(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, default = match.group(1), match.group(2)
        if name in ctx.env:
            return ctx.env[name]
        if default is not None:
            return default
        missing.append(name)
        return ""

    expanded = ENV_RE.sub(expand, text)
    for name in missing:
        ctx.add(path, _line(node), f"environment variable {name} is not set "
                                   f"(use ${{{name}:-default}} for a default)")
    if missing:
        raise _Invalid
    return expanded


def _tag(node: yaml.ScalarNode, text: str) -> str:
    """YAML's implicit type of the (possibly expanded) plain scalar."""
    if node.style is not None and node.style != "":  # quoted: always a string
        return "tag:yaml.org,2002:str"
    return str(yaml.SafeLoader.resolve(yaml.SafeLoader, yaml.ScalarNode, text, (True, False)))  # type: ignore[arg-type]


def _str(node: yaml.Node, path: str, ctx: _Context) -> str:
    text = _scalar(node, path, ctx)
    tag = _tag(typing.cast(yaml.ScalarNode, node), text)
    if tag not in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp"):
        ctx.add(path, _line(node), f"must be a string, got {_kind(tag)} {text!r} (quote it)")
        raise _Invalid
    return text


def _secret(node: yaml.Node, path: str, ctx: _Context) -> Secret:
    return Secret(_scalar(node, path, ctx))


def _int(node: yaml.Node, path: str, ctx: _Context) -> int:
    text = _scalar(node, path, ctx)
    if _tag(typing.cast(yaml.ScalarNode, node), text) != "tag:yaml.org,2002:int":
        ctx.add(path, _line(node), f"must be an integer, got {text!r}")
        raise _Invalid
    try:
        value = int(text.replace("_", ""), 0)
    except ValueError:
        ctx.add(path, _line(node), f"must be an integer, got {text!r}")
        raise _Invalid from None
    return value


def _float(node: yaml.Node, path: str, ctx: _Context) -> float:
    text = _scalar(node, path, ctx)
    tag = _tag(typing.cast(yaml.ScalarNode, node), text)
    if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
        ctx.add(path, _line(node), f"must be a number, got {text!r}")
        raise _Invalid
    try:
        value = float(int(text.replace("_", ""), 0)) if tag.endswith("int") else float(
            text.replace("_", ""))
    except (ValueError, OverflowError):
        ctx.add(path, _line(node), f"must be a number, got {text!r}")
        raise _Invalid from None
    if not math.isfinite(value):
        ctx.add(path, _line(node), f"must be a finite number, got {text!r}")
        raise _Invalid
    return value


def _bool(node: yaml.Node, path: str, ctx: _Context) -> bool:
    text = _scalar(node, path, ctx)
    if _tag(typing.cast(yaml.ScalarNode, node), text) != "tag:yaml.org,2002:bool":
        ctx.add(path, _line(node), f"must be true or false, got {text!r}")
        raise _Invalid
    return text.lower() in ("true", "yes", "on", "y")


def _datetime(node: yaml.Node, path: str, ctx: _Context) -> datetime:
    return parse_timestamp(_scalar(node, path, ctx), path, _line(node), ctx)


def parse_timestamp(text: str, path: str = "", line: int | None = None,
                    ctx: _Context | None = None) -> datetime:
    """ISO 8601 with a timezone → aware UTC datetime (``Z`` accepted)."""
    problem = None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        problem = f"must be an ISO 8601 timestamp like 2026-11-01T00:00:00Z, got {text!r}"
    else:
        if value.tzinfo is None:
            problem = f"needs a timezone (add Z for UTC), got {text!r}"
        else:
            return value.astimezone(timezone.utc)
    if ctx is None:
        raise ValueError(problem)
    ctx.add(path, line, problem)
    raise _Invalid


def _time(node: yaml.Node, path: str, ctx: _Context) -> time:
    text = _scalar(node, path, ctx).strip()
    match = TIME_RE.match(text)
    if not match:
        ctx.add(path, _line(node), f"must be a UTC time of day HH:MM (quote it), got {text!r}")
        raise _Invalid
    return time(int(match.group(1)), int(match.group(2)))


def _timedelta(node: yaml.Node, path: str, ctx: _Context) -> timedelta:
    text = _scalar(node, path, ctx).strip()
    try:
        return parse_duration(text)
    except ValueError as exc:
        ctx.add(path, _line(node), str(exc))
        raise _Invalid from None


def parse_duration(text: str) -> timedelta:
    """``90s``, ``15m``, ``1h30m``, ``7d``, ``2w``, ``250ms`` or bare seconds → timedelta."""
    text = text.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        seconds = float(text)
    else:
        match = DURATION_RE.match(text)
        if not text or not match or not any(match.groups()):
            raise ValueError(f"must be a duration like 30s, 15m, 1h30m or 7d, got {text!r}")
        w, d, h, m, s, ms = (float(g) if g else 0.0 for g in match.groups())
        seconds = w * 604800 + d * 86400 + h * 3600 + m * 60 + s + ms / 1000
    if not math.isfinite(seconds) or seconds > 10 * 365 * 86400:
        raise ValueError(f"duration {text!r} is out of range")
    return timedelta(seconds=seconds)


_SCALARS: dict[Any, Any] = {
    str: _str, Secret: _secret, int: _int, float: _float, bool: _bool,
    datetime: _datetime, time: _time, timedelta: _timedelta,
}


def _check_bounds(value: Any, path: str, node: yaml.Node, meta: Mapping[str, Any],
                  ctx: _Context) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return
    checks = (("minimum", lambda b: value >= b, "≥"), ("maximum", lambda b: value <= b, "≤"),
              ("exclusiveMinimum", lambda b: value > b, ">"),
              ("exclusiveMaximum", lambda b: value < b, "<"))
    for key, ok, sign in checks:
        if key in meta and not ok(meta[key]):
            ctx.add(path, _line(node), f"must be {sign} {meta[key]}, got {value}")
            raise _Invalid


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"{_kind(node.tag)} {node.value!r}"


def _kind(tag: str) -> str:
    return {"tag:yaml.org,2002:int": "integer", "tag:yaml.org,2002:float": "number",
            "tag:yaml.org,2002:bool": "boolean", "tag:yaml.org,2002:null": "null",
            "tag:yaml.org,2002:str": "string"}.get(tag, tag.rsplit(":", 1)[-1])


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.7)
    return f" (did you mean {close[0]!r}?)" if close else ""
