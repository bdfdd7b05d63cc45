"""The building blocks of the spec model: field documentation, secrets, shared literals."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any, Literal

Severity = Literal["low", "medium", "high", "critical"]
Priority = Literal["P0", "P1", "P2", "P3"]
Better = Literal["higher", "lower"]
Aggregate = Literal["mean", "median", "min", "max", "p95", "p99", "last"]

SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high", "critical")
PRIORITIES: tuple[Priority, ...] = ("P0", "P1", "P2", "P3")

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


def doc(text: str, **extra: Any) -> dict[str, Any]:
    """Field metadata: the documentation string shown in the schema and the README."""
    return {"doc": text, **extra}


class Secret(str):
    """A string that never shows itself in ``repr`` or logs; ``str(secret)`` is the value."""

    def __repr__(self) -> str:
        return "Secret('***')"


def slugify(name: str) -> str:
    """Path-safe slug of a release name: lowercase ASCII letters, digits and single dashes.

    Accents are folded (``café`` → ``cafe``); a name with any non-ASCII character also gets
    the first 8 hex digits of its SHA-256, so names that fold alike or not at all (``支付服务``,
    ``订单服务``) never share a folder: ``release-1f0b…``. ASCII names keep their plain slug.
    """
    folded = "".join(ch if ch.isascii() else unicodedata.normalize("NFKD", ch).encode(
        "ascii", "ignore").decode("ascii") or " " for ch in name)
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    if not name.isascii():
        digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
        return f"{slug[:71].rstrip('-') or 'release'}-{digest}"
    return slug[:80].rstrip("-") or "release"
