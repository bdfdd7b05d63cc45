"""Safe Markdown for issue, comment and pull-request bodies.

Inline strings (KPI names, finding titles, labels, spec values) go through
:func:`tars_ci.reports.markdown.escape`, re-exported here as :func:`inline`, which neutralises
@-mentions, HTML, links, images and emphasis. This module adds what only GitHub bodies need:

- :func:`block` keeps a Markdown paragraph's formatting (bold, lists, code) but defuses raw
  HTML, @-mentions, autolinks (``https://``, ``www.``), inline links and images — for the
  retrospective's executive summary;
- :func:`code` shows an identifier literally in a code span;
- :func:`title` makes a one-line issue or PR title;
- :func:`fit` bounds a body below GitHub's 65,536-character limit while keeping the hidden
  marker at its start.
"""

from __future__ import annotations

import re

from tars_ci.reports.markdown import ZWSP, escape

inline = escape
BODY_LIMIT = 60_000
TITLE_LIMIT = 200

_MENTION = re.compile(r"@(?=[A-Za-z0-9_-])")
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp)(:)|\b(www)(\.)")
_LINK = re.compile(r"(!?\[[^\]\n]*\])(\()")


def block(text: str) -> str:
    """A Markdown block from a trusted generator, defused: no HTML, mentions or links."""
    out = text.replace("&", "&amp;").replace("<", "&lt;")
    out = _MENTION.sub("@" + ZWSP, out)
    out = _AUTOLINK.sub(lambda m: (m.group(1) or m.group(3)) + ZWSP + (m.group(2) or m.group(4)),
                        out)
    out = _LINK.sub(lambda m: m.group(1).replace("[", "\\[").replace("]", "\\]") + "\\(", out)
    return out


def code(text: str, limit: int = 200) -> str:
    """An inline code span showing ``text`` literally (nothing inside a span is interpreted:
    no mention, link or HTML), fenced with more backticks than ``text`` contains."""
    one = " ".join(str(text).split())
    if len(one) > limit:
        one = one[:limit - 1] + "…"
    longest = max((len(run) for run in re.findall(r"`+", one)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if one.startswith("`") or one.endswith("`") else ""
    return f"{fence}{pad}{one}{pad}{fence}"


def title(text: str) -> str:
    """A one-line title without control characters, at most 200 characters."""
    one = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return one if len(one) <= TITLE_LIMIT else one[:TITLE_LIMIT - 1] + "…"


def fit(body: str, note: str, limit: int = BODY_LIMIT) -> str:
    """``body`` cut to ``limit`` characters at a line boundary, ending with ``note``."""
    if len(body) <= limit:
        return body
    room = limit - len(note) - 2
    cut = body.rfind("\n", 0, room)
    return body[:cut if cut > 0 else room] + "\n\n" + note
