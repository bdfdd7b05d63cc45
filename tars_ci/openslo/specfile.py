"""Imported SLOs (and KPIs) written into a spec file's text, its comments kept.

PyYAML cannot round-trip comments, so the new entries are inserted as text: after the last
entry of the spec's ``kpis`` / ``slos`` mapping (before the comments that introduce the next
section), indented like the entries already there; a spec without ``slos`` gets the section
at its end. The caller validates the result with the spec loader before writing it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from tars_ci.errors import UsageError


def entries_text(entries: Mapping[str, Any], indent: int) -> list[str]:
    """``entries`` as block YAML lines, each indented by ``indent`` spaces."""
    body = yaml.safe_dump(dict(entries), sort_keys=False, allow_unicode=True, width=1 << 16,
                          default_flow_style=False)
    return [" " * indent + line if line else line for line in body.splitlines()]


def merge(text: str, sections: Mapping[str, Mapping[str, Any]], file: str) -> str:
    """``text`` with ``sections`` (``kpis`` / ``slos`` → name → entry) added; UsageError for a
    name the spec has already or a section written in flow style."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise UsageError(f"{file}: not valid YAML: {exc}") from exc
    if not isinstance(root, yaml.MappingNode):
        raise UsageError(f"{file}: not a spec (the top level is not a mapping)")
    lines = text.splitlines()
    # (start, stop, appended, new lines): replace [start, stop); at one place, a section
    # appended at the end goes after the entries added to the one before it
    edits: list[tuple[int, int, int, list[str]]] = []
    for section, entries in sections.items():
        if not entries:
            continue
        found = next(((k, v) for k, v in root.value if getattr(k, "value", None) == section),
                     None)
        if found is None:
            edits.append((len(lines), len(lines), 1, ["", f"{section}:",
                                                       *entries_text(entries, 2)]))
            continue
        key, value = found
        if isinstance(value, yaml.ScalarNode) and value.value in ("", "~", "null"):
            edits.append((key.start_mark.line, value.end_mark.line + 1, 0,
                          [f"{section}:", *entries_text(entries, 2)]))
            continue
        if not isinstance(value, yaml.MappingNode):
            raise UsageError(f"{file}:{key.start_mark.line + 1}: {section} is not a mapping")
        have = sorted(set(entries) & {getattr(k, "value", "") for k, _ in value.value})
        if have:
            raise UsageError(f"{file}: {section}.{have[0]} is in the spec already; rename it "
                             f"in the OpenSLO document or remove it from the spec")
        if value.flow_style:
            if value.value:
                raise UsageError(f"{file}:{key.start_mark.line + 1}: {section} is written in "
                                 f"flow style ({{…}}); write it as a block mapping to import "
                                 f"into it")
            edits.append((key.start_mark.line, value.end_mark.line + 1, 0,
                          [f"{section}:", *entries_text(entries, 2)]))
            continue
        indent = value.value[0][0].start_mark.column
        last = value.end_mark.line - 1 if value.end_mark.column == 0 else value.end_mark.line
        while last > key.start_mark.line and (not lines[last].strip()
                                              or lines[last].lstrip().startswith("#")):
            last -= 1
        edits.append((last + 1, last + 1, 0, entries_text(entries, indent)))
    for start, stop, _, new in sorted(edits, key=lambda e: (e[0], e[2]), reverse=True):
        lines[start:stop] = new
    return "\n".join(lines) + "\n"
