"""Markdown that cannot be hijacked by the strings it shows.

Strings from metrics, labels and the spec end up in committed Markdown, issue bodies and PR
bodies. :func:`escape` neutralises @-mentions, HTML, links, images, autolinks, emphasis, code
spans and table pipes, and bounds the length, so a value like
``@team <img src=x> [x](http://evil)`` renders as inert text. It escapes only what can take
effect inline, so the committed Markdown stays readable as plain text.
"""

from __future__ import annotations

import re

# What can take effect inline: code spans, emphasis, links/images, tables, strikethrough.
# An underscore inside a word cannot start emphasis in GitHub's Markdown, so latency_p99
# stays readable; one at a word boundary is escaped.
_SPECIAL = re.compile(r"([\\`*\[\]|~])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
ZWSP = "\u200b"


def escape(text: object, limit: int = 500) -> str:
    """Inline-safe Markdown for an untrusted string (one line, at most ``limit`` chars)."""
    s = " ".join(str(text).split())
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _SPECIAL.sub(lambda m: "\\" + m.group(0), s)
    s = s.replace("@", "@" + ZWSP)  # no mentions: GitHub needs @ directly before the login
    s = re.sub(r"(?i)(https?|ftp):", r"\1" + ZWSP + ":", s)  # no autolinks
    s = re.sub(r"(?i)\bwww\.", "www" + ZWSP + ".", s)
    return s


def number(value: float | None, unit: str = "", digits: int | None = None) -> str:
    """A KPI value with its unit for people (the analysis' own format), ``n/a`` when missing."""
    from tars_ci.analysis.kpis import format_value

    return format_value(value, escape(unit) if unit else "", digits)


def signed_percent(value: float | None, digits: int = 1) -> str:
    """``+12.3%`` / ``-4.0%`` / ``n/a``."""
    return "n/a" if value is None else f"{value:+.{digits}f}%"
