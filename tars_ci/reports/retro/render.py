"""Rendering the retrospective model: the jinja2 environment (StrictUndefined) and filters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jinja2

from tars_ci.reports import markdown


def pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}%"


def num(value: Any, digits: int = 2) -> str:
    return "n/a" if value is None else f"{float(value):,.{digits}f}"


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("tars_ci.reports", "templates"),
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True,
        trim_blocks=False, lstrip_blocks=False)
    env.filters.update({
        "md": markdown.escape,
        "num": num,
        "pct": pct,
        "signed": markdown.signed_percent,
        "money": lambda v: "n/a" if v is None else f"${float(v):,.2f}",
    })
    return env


def render(model: Mapping[str, Any]) -> str:
    """The retrospective Markdown of ``model``."""
    text = environment().get_template("retrospective.md.j2").render(r=model)
    lines = [line.rstrip() for line in text.splitlines()]
    collapsed: list[str] = []
    for line in lines:
        if line or (collapsed and collapsed[-1]):
            collapsed.append(line)
    return "\n".join(collapsed).strip() + "\n"
