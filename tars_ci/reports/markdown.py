"""Markdown that cannot be hijacked by the strings it shows.

Strings from metrics, labels and the spec end up in committed Markdown, issue bodies and PR
bodies. :func:`escape` neutralises @-mentions, HTML, links, images, emphasis, code spans and
table pipes, and bounds the length, so a value like ``@team <img src=x> [x](http://evil)``
renders as inert text.
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")
ZWSP = "\u200b"


def escape(text: object, limit: int = 500) -> str:
    """Inline-safe Markdown for an untrusted string (one line, at most ``limit`` chars)."""
    s = " ".join(str(text).split())
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _SPECIAL.sub(r"\\\1", s)
    s = s.replace("@", "@" + ZWSP)  # no mentions: GitHub needs @ directly before the login
    s = re.sub(r"(?i)(https?):", r"\1" + ZWSP + ":", s)  # no autolinks
    return s


def number(value: float | None, unit: str = "", digits: int = 2) -> str:
    """A value with its unit for people, or ``n/a`` for missing data."""
    if value is None:
        return "n/a"
    text = f"{value:,.{digits}f}"
    if unit in ("percent", "%"):
        return f"{text}%"
    if unit == "usd_per_hour":
        return f"${text}/h"
    if unit == "usd":
        return f"${text}"
    return f"{text} {escape(unit)}" if unit else text


def signed_percent(value: float | None, digits: int = 1) -> str:
    """``+12.3%`` / ``-4.0%`` / ``n/a``."""
    return "n/a" if value is None else f"{value:+.{digits}f}%"
