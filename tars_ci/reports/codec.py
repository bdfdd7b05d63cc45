"""Typed records ⇄ JSON, checked field by field, and the JSON Schema of a record type.

The history's records (:mod:`tars_ci.reports.records`) are frozen dataclasses and NamedTuples
with type hints. :func:`decode` walks those hints: every field must be present (unless the
record says it was added after the file's schema version) and of its declared type; unknown
keys are refused. A problem raises :class:`~tars_ci.errors.ReportError` naming the file and
the field as a ``jq`` path (``.findings[2].priority``), so a hand-edited report is fixed in
one look. :func:`encode` is the inverse (plain JSON data, tuples as lists) and
:func:`json_schema` describes the same shape for people and editors.

Supported hints: ``str``, ``int``, ``float`` (an integer is accepted; ``bool`` never is),
``bool``, ``None``, ``Literal``, ``X | Y``, ``tuple[X, ...]``, fixed ``tuple[X, Y]``,
``dict[str, X]`` / ``Mapping[str, X]``, ``Enum`` (by value), NamedTuples, dataclasses and
:data:`Json` (any JSON value, for free-form parts such as settings).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import math
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, TypeVar, Union

from tars_ci.errors import ReportError

T = TypeVar("T")

# Any JSON value; decoded as it is (after a check that it is JSON-shaped).
Json = Any

_NONE = type(None)


class Location(typing.NamedTuple):
    """Where a value sits: the file and the ``jq`` path inside it."""

    file: str
    path: str = ""

    def key(self, name: str) -> Location:
        """The location of member ``name``."""
        simple = name.replace("_", "a").isalnum() and not name[:1].isdigit()
        return Location(self.file, f"{self.path}.{name}" if simple else f"{self.path}[{name!r}]")

    def item(self, i: int) -> Location:
        """The location of item ``i``."""
        return Location(self.file, f"{self.path}[{i}]")

    def error(self, message: str) -> ReportError:
        """A ReportError naming the file and the path."""
        return ReportError(f"{self.file}: {self.path or '.'}: {message}")


def since(version: int) -> dict[str, int]:
    """Field metadata: the field was added in schema ``version`` (older files may lack it)."""
    return {"since": version}


# NamedTuples carry no field metadata: their later fields are registered here instead
_ADDED: dict[type, dict[str, int]] = {}


def added_in(version: int, cls: type, *fields: str) -> None:
    """Record that NamedTuple ``cls`` gained ``fields`` (with defaults) in schema
    ``version``, so older files that lack them still decode."""
    defaults = getattr(cls, "_field_defaults", {})
    missing = [f for f in fields if f not in defaults]
    if missing:
        raise TypeError(f"{cls.__name__}: fields added later need defaults: {missing}")
    _ADDED.setdefault(cls, {}).update({f: version for f in fields})


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _fields(cls: type) -> list[tuple[str, Any, int]]:
    """(name, hint, schema version it appeared in) of a record class, in order."""
    hints = _hints(cls)
    if dataclasses.is_dataclass(cls):
        return [(f.name, hints[f.name], int(f.metadata.get("since", 0)))
                for f in dataclasses.fields(cls)]
    added = _ADDED.get(cls, {})
    return [(name, hints[name], added.get(name, 0))
            for name in cls._fields]  # type: ignore[attr-defined]


def is_record(tp: Any) -> bool:
    """A NamedTuple or dataclass class."""
    return isinstance(tp, type) and (dataclasses.is_dataclass(tp) or
                                     (issubclass(tp, tuple) and hasattr(tp, "_fields")))


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "…"
        return f"string {shown!r}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _expected(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if tp is str:
        return "a string"
    if tp is int:
        return "an integer"
    if tp is float:
        return "a number"
    if tp is bool:
        return "true or false"
    if tp is _NONE:
        return "null"
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if origin in (Union, types.UnionType):
        return " or ".join(_expected(a) for a in typing.get_args(tp))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return "one of " + ", ".join(repr(m.value) for m in tp)
    if origin is tuple or tp is tuple:
        return "a list"
    if is_record(tp) or origin in (dict, Mapping) or tp in (dict,):
        return "an object"
    return str(tp)


def decode(tp: type[T] | Any, data: Any, where: Location, version: int = 1 << 30) -> T:
    """``data`` (parsed JSON) as type ``tp``; ReportError at the first field that is wrong.

    ``version`` is the file's schema version: fields added after it may be missing (they
    take their default, or None).
    """
    return typing.cast(T, _decode(tp, data, where, version))


def _decode(tp: Any, data: Any, at: Location, version: int) -> Any:
    origin = typing.get_origin(tp)
    if tp is Any:
        _check_json(data, at)
        return data
    if tp is _NONE:
        if data is not None:
            raise at.error(f"expected null, got {_describe(data)}")
        return None
    if tp is bool:
        if not isinstance(data, bool):
            raise at.error(f"expected true or false, got {_describe(data)}")
        return data
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise at.error(f"expected an integer, got {_describe(data)}")
        return data
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise at.error(f"expected a number, got {_describe(data)}")
        if not math.isfinite(data):
            raise at.error(f"expected a finite number, got {data!r}")
        return float(data)
    if tp is str:
        if not isinstance(data, str):
            raise at.error(f"expected a string, got {_describe(data)}")
        return data
    if origin is Literal:
        allowed = typing.get_args(tp)
        if isinstance(data, bool) or data not in allowed:
            raise at.error(f"expected {_expected(tp)}, got {_describe(data)}")
        return data
    if origin in (Union, types.UnionType):
        return _decode_union(tp, data, at, version)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(data)
        except ValueError:
            raise at.error(f"expected {_expected(tp)}, got {_describe(data)}") from None
    if origin is tuple:
        return _decode_tuple(tp, data, at, version)
    if origin in (dict, Mapping) or origin is typing.get_origin(Mapping[str, int]):
        key_type, value_type = typing.get_args(tp)
        if not isinstance(data, Mapping):
            raise at.error(f"expected an object, got {_describe(data)}")
        return {_decode(key_type, k, at, version): _decode(value_type, v, at.key(k), version)
                for k, v in data.items()}
    if is_record(tp):
        return _decode_record(tp, data, at, version)
    raise TypeError(f"codec: unsupported type {tp!r}")


def _decode_union(tp: Any, data: Any, at: Location, version: int) -> Any:
    args = typing.get_args(tp)
    options = [o for o in args if o is not _NONE]
    if data is None and len(options) < len(args):
        return None
    if len(options) == 1:  # X | None: the error of X says more than "expected X or null"
        return _decode(options[0], data, at, version)
    for option in options:
        try:
            return _decode(option, data, at, version)
        except ReportError:
            continue
    raise at.error(f"expected {_expected(tp)}, got {_describe(data)}")


def _decode_tuple(tp: Any, data: Any, at: Location, version: int) -> tuple[Any, ...]:
    args = typing.get_args(tp)
    if not isinstance(data, list):
        raise at.error(f"expected a list, got {_describe(data)}")
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(_decode(args[0], v, at.item(i), version) for i, v in enumerate(data))
    if len(data) != len(args):
        raise at.error(f"expected a list of {len(args)}, got {_describe(data)}")
    return tuple(_decode(a, v, at.item(i), version) for i, (a, v) in enumerate(zip(args, data)))


def _decode_record(cls: type, data: Any, at: Location, version: int) -> Any:
    if not isinstance(data, Mapping):
        raise at.error(f"expected an object, got {_describe(data)}")
    fields = _fields(cls)
    known = {name for name, _, _ in fields}
    unknown = sorted(set(data) - known)
    if unknown:
        raise at.key(unknown[0]).error(f"unknown field (a {cls.__name__} has "
                                       f"{', '.join(sorted(known))})")
    values: dict[str, Any] = {}
    for name, hint, added in fields:
        if name in data:
            values[name] = _decode(hint, data[name], at.key(name), version)
        elif added > version:
            values[name] = _default(cls, name)
        else:
            raise at.key(name).error(f"missing (expected {_expected(hint)})")
    return cls(**values)


def _default(cls: type, name: str) -> Any:
    if dataclasses.is_dataclass(cls):
        f = next(f for f in dataclasses.fields(cls) if f.name == name)
        if f.default is not dataclasses.MISSING:
            return f.default
        if f.default_factory is not dataclasses.MISSING:
            return f.default_factory()
        return None
    return getattr(cls, "_field_defaults", {}).get(name)


def _check_json(data: Any, at: Location) -> None:
    if data is None or isinstance(data, (bool, int, str)):
        return
    if isinstance(data, float):
        if not math.isfinite(data):
            raise at.error(f"expected a finite number, got {data!r}")
        return
    if isinstance(data, list):
        for i, v in enumerate(data):
            _check_json(v, at.item(i))
        return
    if isinstance(data, Mapping):
        for k, v in data.items():
            if not isinstance(k, str):
                raise at.error(f"object keys must be strings, got {k!r}")
            _check_json(v, at.key(k))
        return
    raise at.error(f"not a JSON value: {type(data).__name__}")


# --------------------------------------------------------------------------- encoding


def encode(value: Any) -> Any:
    """A record as plain JSON data (objects, lists, strings, numbers, booleans, null).

    Floats are left as they are: :func:`tars_ci.reports.jsonio.dumps` rounds them once, when
    the file is written.
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return encode(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return {k: encode(v) for k, v in value._asdict().items()}
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        return encode(value.item())
    raise TypeError(f"cannot encode {type(value).__name__}")


# --------------------------------------------------------------------------- JSON Schema


def json_schema(tp: Any, defs: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12 fragment) of ``tp``; records go into ``defs``."""
    defs = {} if defs is None else defs
    origin = typing.get_origin(tp)
    if tp is Any:
        return {}
    if tp is _NONE:
        return {"type": "null"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is str:
        return {"type": "string"}
    if origin is Literal:
        return {"enum": list(typing.get_args(tp))}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return {"enum": [m.value for m in tp]}
    if origin in (Union, types.UnionType):
        return {"anyOf": [json_schema(a, defs) for a in typing.get_args(tp)]}
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": json_schema(args[0], defs)}
        return {"type": "array", "prefixItems": [json_schema(a, defs) for a in args],
                "minItems": len(args), "maxItems": len(args)}
    if origin in (dict, Mapping) or origin is typing.get_origin(Mapping[str, int]):
        return {"type": "object",
                "additionalProperties": json_schema(typing.get_args(tp)[1], defs)}
    if is_record(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder against recursion
            fields = _fields(tp)
            doc = (tp.__doc__ or "").strip().splitlines()
            defs[name] = {
                "type": "object",
                **({"description": doc[0]} if doc else {}),
                "properties": {n: json_schema(h, defs) for n, h, _ in fields},
                "required": [n for n, _, _ in fields],
                "additionalProperties": False,
            }
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"codec: unsupported type {tp!r}")
