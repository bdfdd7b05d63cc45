"""Scalar YAML nodes → typed values, for :mod:`tars_ci.spec.loader` (internal to the package).

A :class:`Scalar` is a node's text after ``${VAR}`` expansion together with the YAML type
that text has (see the loader's docstring for the rules); one converter per model type turns
it into a value or records a problem in the :class:`Context` and raises :class:`Invalid`.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime, time, timedelta
from typing import Any, NamedTuple

import yaml

from tars_ci.errors import SpecProblem
from tars_ci.spec.document import (
    BOOL,
    FLOAT,
    INT,
    NULL,
    STR,
    TIMESTAMP,
    describe,
    kind,
    line_of,
    resolve,
)
from tars_ci.spec.model import Secret
from tars_ci.spec.values import (
    expand_env,
    parse_duration,
    parse_time,
    parse_timestamp,
    short,
)

MAX_PROBLEMS = 100
# YAML 1.2 floats that YAML 1.1 (PyYAML) reads as strings, e.g. ``1e3``.
_FLOAT12_RE = re.compile(r"^[-+]?(?:\.\d+|\d+(?:\.\d*)?)(?:[eE][-+]?\d+)?$")
_TRUE = frozenset({"true", "yes", "on"})
_FALSE = frozenset({"false", "no", "off"})


class Invalid(Exception):
    """Internal: one field could not be converted; the problem is already recorded."""


class Stop(Exception):
    """Internal: too many problems; report those found so far."""


class Context:
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
            raise Stop
        self.problems.append(SpecProblem(path, line, message, self.file))

    def line_of(self, path: str) -> int | None:
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""



# --------------------------------------------------------------------------- scalars


class Scalar(NamedTuple):
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


def scalar(node: yaml.Node, path: str, ctx: Context) -> Scalar:
    if not isinstance(node, yaml.ScalarNode):
        ctx.add(path, line_of(node), f"must be a single value, got {describe(node)}")
        raise Invalid
    raw, line = str(node.value), line_of(node)
    text, errors = expand_env(raw, ctx.env)
    for message in errors:
        ctx.add(path, line, message)
    if errors:
        raise Invalid
    implicit = resolve(raw) if node.style is None else STR
    if node.tag != implicit:  # an explicit tag such as !!str decides
        tag = str(node.tag)
    elif node.style is None:
        tag = resolve(text) if text != raw else implicit
    else:
        tag = implicit
    return Scalar(text, tag, text != raw, line, node.style is None)


def literal(s: Scalar, allowed: tuple[Any, ...], path: str, ctx: Context) -> Any:
    for option in allowed:
        if isinstance(option, str) and s.text == option and s.tag in (STR, TIMESTAMP):
            return option
        if isinstance(option, int) and s.tag == INT and s.text == str(option):
            return option
    names = [str(a) for a in allowed]
    hint = " (write it unquoted)" if s.text in names else suggest(s.text, names)
    ctx.add(path, s.line, f"must be one of {', '.join(repr(a) for a in allowed)}, got "
                          f"{s.shown()}{hint}")
    raise Invalid


def _str(s: Scalar, path: str, ctx: Context) -> str:
    if s.tag not in (STR, TIMESTAMP) and not s.expanded:
        ctx.add(path, s.line, f"must be a string, got {s.shown()} (quote it)")
        raise Invalid
    return s.text


def _secret(s: Scalar, path: str, ctx: Context) -> Secret:
    if s.tag not in (STR, TIMESTAMP) and not s.expanded:  # never echo the value
        ctx.add(path, s.line, f"must be a string, got {kind(s.tag)} (quote it, or better: "
                              "use ${VAR} from a secret)")
        raise Invalid
    return Secret(s.text)


def _int(s: Scalar, path: str, ctx: Context) -> int:
    if s.tag != INT:
        ctx.add(path, s.line, f"must be an integer, got {s.shown()}")
        raise Invalid
    try:
        return _integer(s.text.replace("_", ""))
    except OverflowError:
        ctx.add(path, s.line, f"is out of range, got {s.shown()}")
    except ValueError:
        ctx.add(path, s.line, f"must be a plain integer (no leading 0, no 1:30), got {s.shown()}")
    raise Invalid


def _integer(text: str) -> int:
    """Python's reading of a YAML int (``0x1F``, ``0b101``, ``1000``); OverflowError if huge."""
    if len(text) > 400:
        raise OverflowError(text)
    return int(text, 0)


def _float(s: Scalar, path: str, ctx: Context) -> float:
    if s.tag == STR and s.plain and _FLOAT12_RE.match(s.text):
        s = s._replace(tag=FLOAT)  # YAML 1.2 reads a plain 1e3 as a number; so do we, here
    if s.tag not in (INT, FLOAT):
        ctx.add(path, s.line, f"must be a number, got {s.shown()}")
        raise Invalid
    text = s.text.replace("_", "")
    try:
        value = float(_integer(text)) if s.tag == INT else float(text)
    except OverflowError:
        value = math.inf
    except ValueError:  # YAML's .inf / .nan, or a sexagesimal 1:30.5
        if not re.fullmatch(r"[-+]?\.(?:inf|nan)", text, re.IGNORECASE):
            ctx.add(path, s.line, f"must be a plain number, got {s.shown()}")
            raise Invalid from None
        value = math.inf
    if not math.isfinite(value):
        ctx.add(path, s.line, f"must be a finite number, got {short(s.text)}")
        raise Invalid
    return value


def _bool(s: Scalar, path: str, ctx: Context) -> bool:
    word = s.text.strip().lower()
    if s.tag != BOOL or word not in _TRUE | _FALSE:
        ctx.add(path, s.line, f"must be true or false, got {s.shown()}")
        raise Invalid
    return word in _TRUE


def _parsed(parse: Callable[[str], Any]) -> Callable[[Scalar, str, Context], Any]:
    """A converter for a text parser whose ``ValueError`` message is the problem."""

    def convert(s: Scalar, path: str, ctx: Context) -> Any:
        try:
            return parse(s.text)
        except ValueError as exc:
            ctx.add(path, s.line, str(exc))
            raise Invalid from None

    return convert


CONVERTERS: dict[Any, Any] = {
    str: _str, Secret: _secret, int: _int, float: _float, bool: _bool,
    datetime: _parsed(parse_timestamp), time: _parsed(parse_time),
    timedelta: _parsed(parse_duration),
}


def check_meta(value: Any, s: Scalar, path: str, meta: Mapping[str, Any],
                ctx: Context) -> None:
    """Bounds (``minimum`` …) and ``pattern`` from field metadata, as the JSON Schema has them."""
    if isinstance(value, str) and "pattern" in meta and not (value == "" and meta.get("empty_ok")):
        pattern = str(meta["pattern"])
        if pattern.endswith("$") and not pattern.endswith("\\$"):  # ECMA-262 `$`: no newline
            pattern = pattern[:-1] + r"\Z"
        if not re.search(pattern, value):
            shown = "a value" if isinstance(value, Secret) else short(value)
            ctx.add(path, s.line, f"must match {meta['pattern']}, got {shown}")
            raise Invalid
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return
    checks = (("minimum", lambda b: value >= b, "≥"), ("maximum", lambda b: value <= b, "≤"),
              ("exclusiveMinimum", lambda b: value > b, ">"),
              ("exclusiveMaximum", lambda b: value < b, "<"))
    for key, ok, sign in checks:
        if key in meta and not ok(meta[key]):
            ctx.add(path, s.line, f"must be {sign} {meta[key]}, got {s.text.strip()[:60]}")
            raise Invalid


def suggest(word: str, options: list[str]) -> str:
    """`` (did you mean 'x'?)`` when one of ``options`` is close to ``word``, else ``""``."""
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.7)
    return f" (did you mean {close[0]!r}?)" if close else ""
