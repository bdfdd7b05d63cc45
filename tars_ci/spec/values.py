"""Spec values written as text: ``${VAR}`` expansion, durations, times of day, timestamps.

Pure functions over strings; the loader (:mod:`tars_ci.spec.loader`, whose docstring states
the ``${VAR}`` rules) attaches YAML paths and lines to the ``ValueError`` messages. The
patterns are shared with the JSON Schema, so they are written in the common subset of Python
and ECMA-262 regular expressions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, time, timedelta, timezone

# ``$$`` | ``${NAME}`` / ``${NAME:-default}`` | any other ``${`` (malformed, an error).
ENV_RE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}$]*))?\}|\$\{")
ENV_REFERENCE_PATTERN = r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}$]*)?\}"
_NUM = r"\d+(?:\.\d+)?"
DURATION_PATTERN = (rf"^(?:{_NUM}|(?!$)(?:({_NUM})w)?(?:({_NUM})d)?(?:({_NUM})h)?"
                    rf"(?:({_NUM})m(?!s))?(?:({_NUM})s)?(?:(\d+)ms)?)$")
DURATION_RE = re.compile(DURATION_PATTERN)
TIME_PATTERN = r"^([01]\d|2[0-3]):([0-5]\d)$"
TIME_RE = re.compile(TIME_PATTERN)
MAX_DURATION = timedelta(days=3650)
YEARS = (1970, 2999)


def short(text: str, limit: int = 60) -> str:
    """``repr`` of ``text``, cut to ``limit`` characters so a huge value cannot flood a log."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def expand_env(text: str, env: Mapping[str, str]) -> tuple[str, tuple[str, ...]]:
    """``text`` with ``${VAR}``, ``${VAR:-default}`` and ``$$`` expanded, and the problems."""
    errors: list[str] = []

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, default = match.group(1), match.group(2)
        value = env.get(name) if name is not None else None
        if name is None:
            errors.append("has a malformed ${...}: write ${NAME} or ${NAME:-default} (no "
                          "nesting), or $$ for a literal $")
        elif value or (value is not None and default is None):
            return value
        elif default is not None:  # unset or empty, as in the shell
            return default
        else:
            errors.append(f"environment variable {name} is not set "
                          f"(use ${{{name}:-default}} for a default)")
        return ""

    expanded = ENV_RE.sub(one, text) if "$" in text else text
    return expanded, tuple(dict.fromkeys(errors))


def parse_duration(text: str) -> timedelta:
    """``90s``, ``15m``, ``1h30m``, ``7d``, ``2w``, ``250ms`` or bare seconds → timedelta."""
    text = text.strip()
    match = DURATION_RE.match(text)
    if not match:
        raise ValueError(f"must be a duration like 30s, 15m, 1h30m or 7d, got {short(text)}")
    try:
        if not any(match.groups()):
            value = timedelta(seconds=float(text))
        else:  # unit by unit, so whole numbers of each unit stay exact
            w, d, h, m, s, ms = (float(g) if g else 0.0 for g in match.groups())
            value = (timedelta(weeks=w) + timedelta(days=d) + timedelta(hours=h)
                     + timedelta(minutes=m) + timedelta(seconds=s) + timedelta(milliseconds=ms))
    except OverflowError:
        value = timedelta.max
    if value > MAX_DURATION:
        raise ValueError(f"duration {short(text)} is out of range (at most 3650d)")
    return value


def format_duration(value: timedelta) -> str:
    """The shortest spec text for ``value`` (``1h30m``, ``250ms``, ``0s``); parses back equal.

    Precision is one millisecond, the finest unit the spec has.
    """
    ms = round(value / timedelta(milliseconds=1))
    if ms < 0:
        raise ValueError(f"negative duration {value}")
    parts = []
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000),
                       ("ms", 1)):
        count, ms = divmod(ms, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def parse_time(text: str) -> time:
    """``"HH:MM"`` (UTC, 24-hour) → time."""
    match = TIME_RE.match(text.strip())
    if not match:
        raise ValueError(f"must be a UTC time of day \"HH:MM\" (quoted), got {short(text)}")
    return time(int(match.group(1)), int(match.group(2)))


def parse_timestamp(text: str) -> datetime:
    """ISO 8601 with a timezone → aware UTC datetime (``Z`` accepted); ValueError otherwise.

    Years outside 1970–2999 are refused: they are typos, and day arithmetic near the ends of
    ``datetime``'s range would overflow.
    """
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError("must be an ISO 8601 timestamp like 2026-11-01T00:00:00Z, got "
                         f"{short(text)}") from None
    if value.tzinfo is None:
        raise ValueError(f"needs a timezone (add Z for UTC), got {short(text)}")
    try:
        value = value.astimezone(timezone.utc)
    except OverflowError:
        value = datetime.min.replace(tzinfo=timezone.utc)
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise ValueError(f"must be in the years {YEARS[0]}–{YEARS[1]}, got {short(text)}")
    return value
