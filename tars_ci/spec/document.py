"""Spec text → YAML node graph, refusing what no spec needs before anything walks it.

``yaml.compose`` builds nodes without constructing Python objects, and an alias is the very
same node object as its anchor: composing a "billion laughs" document is cheap, walking it is
not. :func:`compose` therefore measures the graph once, in linear time, and refuses

* nesting deeper than ``MAX_DEPTH`` (the composer recurses once per level),
* aliases that expand to more than ``MAX_ALIAS_NODES`` nodes in total (an alias bomb),
* recursive aliases (an alias inside its own anchor),
* tags outside YAML's core types (``!!python/object``, ``!custom``, ``!!set`` …),
* merge keys (``<<``),

each as a :class:`~tars_ci.errors.SpecError` with the YAML path and line. Syntax errors become
a SpecError with the line the parser stopped at (and where the construct it was in began).
"""

from __future__ import annotations

import typing
from typing import Any

import yaml

from tars_ci.errors import SpecError, SpecProblem
from tars_ci.spec.values import short

MAX_ALIAS_NODES = 10_000
MAX_DEPTH = 64

_T = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL, TIMESTAMP = (_T + k for k in
                                          ("str", "int", "float", "bool", "null", "timestamp"))
MAP, SEQ, MERGE = _T + "map", _T + "seq", _T + "merge"
SCALAR_TAGS = frozenset({STR, INT, FLOAT, BOOL, NULL, TIMESTAMP})
_ALLOWED_TAGS: dict[type, frozenset[str]] = {yaml.MappingNode: frozenset({MAP}),
                                             yaml.SequenceNode: frozenset({SEQ})}


class _Composer(yaml.SafeLoader):
    """SafeLoader that also remembers the line of each alias in a list (the node that an
    alias yields carries its anchor's position, not the alias's)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.alias_lines: dict[tuple[int, int], int] = {}
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        if isinstance(parent, yaml.SequenceNode) and self.check_event(yaml.AliasEvent):
            line = self.peek_event().start_mark.line + 1
            self.alias_lines[(id(parent), int(index))] = line
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:  # the composer recurses: stop long before Python does
                raise _TooDeep(self.peek_event().start_mark.line + 1)
            return typing.cast(yaml.Node, super().compose_node(parent, index))
        finally:
            self.depth -= 1


class _TooDeep(Exception):
    """Internal: nesting beyond MAX_DEPTH, at this line."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def line_of(node: yaml.Node) -> int:
    """1-based line where ``node`` starts."""
    return int(node.start_mark.line) + 1


def line_at(text: str, path: str) -> int | None:
    """Line of the value at dotted ``path`` in YAML ``text`` (None when absent or the text
    is not YAML)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    for key in path.split("."):
        if not isinstance(node, yaml.MappingNode):
            return None
        found = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
        if found is None:
            return None
        node = found
    return line_of(node) if node is not None else None


def join(path: str, key: str) -> str:
    """The YAML path of ``key`` under ``path`` (``release.days``)."""
    return f"{path}.{key}" if path else key


def resolve(text: str) -> str:
    """YAML's implicit type (tag) of a plain scalar's text."""
    return str(yaml.SafeLoader.resolve(yaml.SafeLoader, yaml.ScalarNode,  # type: ignore[arg-type]
                                       text, (True, False)))


def kind(tag: str) -> str:
    """A person's word for a YAML tag."""
    return {INT: "integer", FLOAT: "number", BOOL: "boolean", NULL: "null", STR: "string",
            TIMESTAMP: "timestamp"}.get(tag, tag.rsplit(":", 1)[-1])


def describe(node: yaml.Node) -> str:
    """What ``node`` is, for an error message (``a list``, ``integer '7'``)."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == NULL:
        return "null"
    return f"{kind(node.tag)} {short(str(node.value))}"


def compose(text: str, file: str) -> yaml.Node | None:
    """The single YAML document in ``text`` as a checked node graph (None when empty)."""
    loader = None
    try:
        loader = _Composer(text)  # the reader checks every character here
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        msg = f"invalid YAML: {exc.problem or exc.context}"
        if exc.context and exc.problem:
            start = exc.context_mark
            at = f", line {start.line + 1}" if start is not None and start.line + 1 != line else ""
            msg += f" ({exc.context}{at})"
        raise SpecError([SpecProblem("", line, msg, file)]) from exc
    except yaml.reader.ReaderError as exc:
        line = text[:exc.position].count("\n") + 1
        msg = f"invalid YAML: character U+{exc.character:04X} is not allowed ({exc.reason})"
        raise SpecError([SpecProblem("", line, msg, file)]) from exc
    except yaml.YAMLError as exc:  # pragma: no cover - every parser error is marked
        raise SpecError([SpecProblem("", None, f"invalid YAML: {exc}", file)]) from exc
    except _TooDeep as exc:
        msg = f"YAML is nested more than {MAX_DEPTH} levels deep; a spec needs a handful"
        raise SpecError([SpecProblem("", exc.line, msg, file)]) from None
    except RecursionError as exc:  # pragma: no cover - MAX_DEPTH stops it first
        raise SpecError([SpecProblem("", None, "YAML is nested too deeply", file)]) from exc
    finally:
        if loader is not None:
            loader.dispose()
    if root is not None:
        graph = _Graph(loader.alias_lines if loader is not None else {}, file)
        try:
            graph.walk(root, "", line_of(root))
        except _Stop:
            pass
        except RecursionError as exc:  # pragma: no cover - compose recurses deeper first
            raise SpecError([SpecProblem("", None, "YAML is nested too deeply", file)]) from exc
        if graph.problems:
            raise SpecError(graph.problems)
    return root


class _Stop(Exception):
    """Internal: the graph is refused; stop walking."""


class _Graph:
    """One walk over the node graph: every node once, every further use from a budget."""

    def __init__(self, alias_lines: dict[tuple[int, int], int], file: str) -> None:
        self.alias_lines = alias_lines
        self.file = file
        self.sizes: dict[int, int] = {}
        self.open: set[int] = set()
        self.budget = MAX_ALIAS_NODES
        self.problems: list[SpecProblem] = []

    def add(self, path: str, line: int, message: str) -> None:
        self.problems.append(SpecProblem(path, line, message, self.file))
        if len(self.problems) >= 20:
            raise _Stop

    def walk(self, node: yaml.Node, path: str, line: int) -> int:
        """The expanded node count of ``node``; records problems, raises _Stop on a bomb."""
        key = id(node)
        if key in self.open:
            self.add(path, line, "recursive YAML alias (an alias inside its own anchor)")
            raise _Stop
        if key in self.sizes:
            self.budget -= self.sizes[key]
            if self.budget < 0:
                self.add(path, line, f"YAML aliases expand to more than {MAX_ALIAS_NODES} "
                                     "nodes (an alias bomb?); a spec needs far fewer")
                raise _Stop
            return self.sizes[key]
        if node.tag not in _ALLOWED_TAGS.get(type(node), SCALAR_TAGS):
            self.add(path, line_of(node), f"unsupported YAML tag {node.tag!r}")
            return 1
        self.open.add(key)
        size = 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.tag == MERGE:
                    self.add(path, line_of(k), "YAML merge keys (<<) are not supported; write "
                                               "the keys out (an alias can stand for a value)")
                elif isinstance(k, yaml.ScalarNode) and k.tag not in SCALAR_TAGS:
                    self.add(path, line_of(k), f"unsupported YAML tag {k.tag!r}")
                else:
                    sub = join(path, str(k.value)) if isinstance(k, yaml.ScalarNode) else path
                    size += 1 + self.walk(v, sub, line_of(k))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                at = self.alias_lines.get((key, i), line_of(item))
                size += self.walk(item, f"{path}[{i}]", at)
        self.open.discard(key)
        self.sizes[key] = size
        return size
