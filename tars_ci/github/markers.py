"""Hidden markers: how tars-ci finds its own issues, comments and pull request again.

An issue is found by its label and the identity marker on its body's first line, never by
title or search::

    <!-- tars-ci:finding release=checkout-api-v2-4-0 id=p99_latency_ms:degradation -->

Every body and comment tars-ci writes about a finding also carries an event marker; read
together (the body and the comments written by the issue's author) they tell which episode
the issue is about, which days were reported, and whether tars-ci closed it::

    <!-- tars-ci:event kind=seen episode=3 day=5 -->

The retrospective pull request's body also records the reviewers tars-ci has asked, so a
request that was deferred (write cap) or failed is sent by a later run, and one a person
withdrew, or a reviewer who has already reviewed, is not asked again::

    <!-- tars-ci:reviewers requested=release-lead,sre-oncall -->

Marker values are restricted to a safe alphabet, and user strings in bodies are escaped
(``<`` becomes ``&lt;``), so text from metrics or the spec can never forge a marker.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal, NamedTuple
from urllib.parse import quote, unquote

EventKind = Literal["opened", "seen", "reopened", "closed"]
_FINDING = re.compile(r"<!-- tars-ci:finding release=(\S+) id=(\S+) -->")
_EVENT = re.compile(r"<!-- tars-ci:event kind=(opened|seen|reopened|closed) "
                    r"episode=(\d+) day=(\d+) -->")
_RETRO = re.compile(r"<!-- tars-ci:retro release=(\S+) -->")
_ITEM = re.compile(r"^- \[([ xX])\] .*<!-- tars-ci:item (\S+) -->\s*$", re.MULTILINE)
_REVIEWERS = re.compile(r"<!-- tars-ci:reviewers requested=(\S*) -->")


def _safe(value: str) -> str:
    return quote(value, safe="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                             "_.:-")


class Event(NamedTuple):
    """One lifecycle event recorded in a body or comment."""

    kind: EventKind
    episode: int
    day: int


def finding_marker(release_slug: str, finding_id: str) -> str:
    """The identity marker of a finding's issue."""
    return f"<!-- tars-ci:finding release={_safe(release_slug)} id={_safe(finding_id)} -->"


def parse_finding(body: str | None) -> tuple[str, str] | None:
    """(release slug, finding id) of an issue body, or None."""
    m = _FINDING.search(body or "")
    return (unquote(m.group(1)), unquote(m.group(2))) if m else None


def event_marker(kind: EventKind, episode: int, day: int) -> str:
    """An event marker."""
    return f"<!-- tars-ci:event kind={kind} episode={episode} day={day} -->"


def parse_events(texts: Iterable[str | None]) -> tuple[Event, ...]:
    """Every event in ``texts``, in order."""
    out: list[Event] = []
    for text in texts:
        for m in _EVENT.finditer(text or ""):
            out.append(Event(m.group(1), int(m.group(2)), int(m.group(3))))  # type: ignore[arg-type]
    return tuple(out)


def retro_marker(release_slug: str) -> str:
    """The marker of the retrospective pull request."""
    return f"<!-- tars-ci:retro release={_safe(release_slug)} -->"


def has_retro_marker(body: str | None, release_slug: str) -> bool:
    """Whether a PR body carries the release's retrospective marker."""
    m = _RETRO.search(body or "")
    return m is not None and unquote(m.group(1)) == release_slug


def item_marker(item_id: str) -> str:
    """Marker closing an action-item checklist line (keeps ticks across updates)."""
    return f"<!-- tars-ci:item {_safe(item_id)} -->"


def checked_items(body: str | None) -> frozenset[str]:
    """Action items a person ticked in a PR body."""
    return frozenset(unquote(m.group(2)) for m in _ITEM.finditer(body or "")
                     if m.group(1) in "xX")


def reviewers_marker(logins: Iterable[str]) -> str:
    """The marker of the reviewers tars-ci has asked (GitHub accepted the request)."""
    return f"<!-- tars-ci:reviewers requested={','.join(sorted(_safe(x) for x in logins))} -->"


def requested_reviewers(body: str | None) -> frozenset[str]:
    """Reviewers tars-ci asked on an earlier run, from a PR body's marker (lower-cased)."""
    m = _REVIEWERS.search(body or "")
    if m is None:
        return frozenset()
    return frozenset(unquote(x).lower() for x in m.group(1).split(",") if x)
