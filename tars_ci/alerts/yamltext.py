"""Rule files as deterministic YAML text, with the comments that explain them.

PyYAML cannot write comments, so the rules file is written here line by line; every text is
then read back with PyYAML and compared with the records it came from, so a quoting mistake
is an error at generation time, never a file Prometheus reads differently.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from tars_ci.alerts.model import AlertingRule, RecordingRule, RuleFile
from tars_ci.spec.values import format_duration

_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:/@+-]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def scalar(text: str) -> str:
    """``text`` as a YAML scalar that reads back as the same string."""
    if _PLAIN.match(text) and _reads_as(text, text):
        return text
    if not _CONTROL.search(text) and not text.startswith(" ") and not text.endswith(" "):
        return "'" + text.replace("'", "''") + "'"
    return json.dumps(text, ensure_ascii=False)


def _reads_as(text: str, value: str) -> bool:
    try:
        return bool(yaml.safe_load(text) == value)
    except yaml.YAMLError:
        return False


def data(rule_file: RuleFile) -> dict[str, Any]:
    """The rules file as Prometheus reads it (plain data)."""
    groups = []
    for g in rule_file.groups:
        rules: list[dict[str, Any]] = []
        for r in g.rules:
            if isinstance(r, RecordingRule):
                item: dict[str, Any] = {"record": r.record, "expr": r.expr}
            else:
                item = {"alert": r.alert, "expr": r.expr}
                if r.for_:
                    item["for"] = format_duration(r.for_)
            if r.labels:
                item["labels"] = dict(r.labels)
            if isinstance(r, AlertingRule) and r.annotations:
                item["annotations"] = dict(r.annotations)
            rules.append(item)
        groups.append({"name": g.name, "interval": format_duration(g.interval), "rules": rules})
    return {"groups": groups}


def rules_text(rule_file: RuleFile) -> str:
    """The rules file's text; ValueError when it would not read back as its records."""
    out = [f"#{' ' if line else ''}{line}" for line in rule_file.header]
    out.append("groups:")
    for g in rule_file.groups:
        out.append(f"  - name: {scalar(g.name)}")
        out.append(f"    interval: {format_duration(g.interval)}")
        out.append("    rules:")
        for r in g.rules:
            out.extend(f"      #{' ' if line else ''}{line}"
                       for line in r.comment.splitlines() if r.comment)
            if isinstance(r, RecordingRule):
                out.append(f"      - record: {scalar(r.record)}")
            else:
                out.append(f"      - alert: {scalar(r.alert)}")
            out.append(f"        expr: {scalar(r.expr)}")
            if isinstance(r, AlertingRule) and r.for_:
                out.append(f"        for: {format_duration(r.for_)}")
            for key, pairs in (("labels", r.labels),
                               ("annotations", r.annotations
                                if isinstance(r, AlertingRule) else ())):
                if pairs:
                    out.append(f"        {key}:")
                    out.extend(f"          {scalar(k)}: {scalar(v)}" for k, v in pairs)
    text = "\n".join(out) + "\n"
    if yaml.safe_load(text) != data(rule_file):  # a bug of this module, never user input
        raise ValueError("the generated rules file does not read back as its rules")
    return text


def unit_tests_text(header: tuple[str, ...], document: dict[str, Any]) -> str:
    """A promtool unit-test file: the header comment, then ``document`` as YAML."""
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=1 << 16,
                          default_flow_style=False)
    text = "".join(f"#{' ' if line else ''}{line}\n" for line in header) + body
    if yaml.safe_load(text) != document:
        raise ValueError("the generated test file does not read back as its tests")
    return text
