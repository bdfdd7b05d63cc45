"""Rendering the retrospective model: the jinja2 environment (StrictUndefined) and filters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jinja2

from tars_ci.reports import markdown
from tars_ci.reports.retro import text


def environment() -> jinja2.Environment:
    """The template environment: strict (an undefined name is an error), no autoescape
    (strings are escaped for Markdown by the ``md`` filter)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("tars_ci.reports", "templates"),
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True,
        trim_blocks=False, lstrip_blocks=False)
    env.filters.update({
        "md": markdown.escape,
        "num": text.num,
        "pct": text.pct,
        "signed": markdown.signed_percent,
        "money": text.money,
    })
    return env


def render(model: Mapping[str, Any]) -> str:
    """The retrospective Markdown of ``model``."""
    return render_markdown("retrospective.md.j2", model)


def render_markdown(template: str, model: Mapping[str, Any]) -> str:
    """``template`` rendered with ``r=model``: trailing spaces cut, runs of blank lines
    collapsed to one, one final newline."""
    body = environment().get_template(template).render(r=model)
    lines = [line.rstrip() for line in body.splitlines()]
    collapsed: list[str] = []
    for line in lines:
        if line or (collapsed and collapsed[-1]):
            collapsed.append(line)
    return "\n".join(collapsed).strip() + "\n"
