"""PromQL shapes that carry OpenSLO semantics through a tars-ci spec and back.

tars-ci's SLI queries are per-step rates; OpenSLO's may be counters (``counter: true``), a
bad count, or a mean of per-slice ratios (RatioTimeslices). Each is written in the spec as a
plain PromQL expression of a fixed shape, and :mod:`tars_ci.openslo.exporter` recognises the
shape to write the OpenSLO form again::

    counter: true, sum(S)            sum(rate(S[5m]))            (S a vector selector)
    counter: true, S                 sum(rate(S[5m]))            (exports as sum(S))
    bad B with total T               good = (T) - (B)
    RatioTimeslices, good G, total T good = (G) / (T), total = (T) / (T)
"""

from __future__ import annotations

import re

RATE_WINDOW = "5m"
_SELECTOR = r"(?:[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^{}]*\})?|\{[^{}]*\})"
_GROUPING = r"(?:\s*(?:by|without)\s*\([^()]*\))?"
_SUM = re.compile(rf"^sum({_GROUPING})\s*\(\s*({_SELECTOR})\s*\)$")
_SUM_AFTER = re.compile(rf"^sum\s*\(\s*({_SELECTOR})\s*\)({_GROUPING})$")
_BARE = re.compile(rf"^({_SELECTOR})$")
_RATE = re.compile(rf"^sum( (?:by|without) \([^()]*\))? \(rate\(({_SELECTOR})\[{RATE_WINDOW}\]\)\)$"
                   rf"|^sum\(rate\(({_SELECTOR})\[{RATE_WINDOW}\]\)\)$")


def rate_of(counter_query: str) -> str | None:
    """The per-second rate of a counter query, summed (None when it has another shape)."""
    q = counter_query.strip()
    for pattern, sel, group in ((_SUM, 2, 1), (_SUM_AFTER, 1, 2)):
        m = pattern.match(q)
        if m:
            grouping = " ".join(m.group(group).split())
            head = f"sum {grouping} " if grouping else "sum"
            return f"{head}(rate({m.group(sel)}[{RATE_WINDOW}]))"
    m = _BARE.match(q)
    if m:
        return f"sum(rate({m.group(1)}[{RATE_WINDOW}]))"
    return None


def counter_of(rate_query: str) -> str | None:
    """The counter query :func:`rate_of` made ``rate_query`` from (None: another shape)."""
    m = _RATE.match(rate_query.strip())
    if m is None:
        return None
    if m.group(3):
        return f"sum({m.group(3)})"
    return f"sum{m.group(1) or ''} ({m.group(2)})"


def good_from_bad(bad: str, total: str) -> str:
    """The good events of a bad/total ratio."""
    return f"({total}) - ({bad})"


def bad_of(good: str, total: str) -> str | None:
    """The bad query :func:`good_from_bad` made ``good`` from (None: another shape)."""
    head = f"({total}) - ("
    if good.startswith(head) and good.endswith(")"):
        return good[len(head):-1]
    return None


def slice_ratio(good: str, total: str) -> tuple[str, str]:
    """RatioTimeslices as a ratio SLI: every step weighs one (its own good/total), so
    Σgood/Σtotal is the mean of the steps' ratios; a step without traffic is missing."""
    return f"({good}) / ({total})", f"({total}) / ({total})"


def slices_of(good: str, total: str) -> tuple[str, str] | None:
    """The (good, total) :func:`slice_ratio` made these from (None: another shape)."""
    m = re.match(r"^\((.*)\) / \((.*)\)$", total, re.DOTALL)
    if m is None or m.group(1) != m.group(2):
        return None
    inner = m.group(1)
    tail = f") / ({inner})"
    if good.startswith("(") and good.endswith(tail):
        return good[1:-len(tail)], inner
    return None
