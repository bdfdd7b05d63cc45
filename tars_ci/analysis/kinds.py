"""What kind of KPI a KPI is, and the words that fit it: likely causes and a first step.

The kind is read from the spec alone: the ``cost`` flag first, then the unit (``ms``,
``seconds`` → latency; ``bytes`` → memory; a currency rate → cost), then words in the KPI's
name and title. Text for people follows the kind, so memory is never told to look "by route"
and a cost is never told to check dependencies:

=============  ==========================================================================
kind           first investigation step (when the spec gives the KPI no ``mitigations``)
=============  ==========================================================================
cost           by component, instance type and region against the GA day
error          by route and status code; dependency health and timeouts
latency        by endpoint; the slowest traces and dependency latency
availability   the failing instances or routes; deploy events
cpu            CPU profiles of the busiest instances; autoscaling targets
memory         by instance; heap profiles, leaks and cache growth
other          against the GA baseline; what the release changed
=============  ==========================================================================
"""

from __future__ import annotations

import re
from typing import Literal

from tars_ci.spec.model import Kpi

Kind = Literal["cost", "error", "latency", "availability", "cpu", "memory", "other"]

_UNITS: dict[str, Kind] = {"ms": "latency", "milliseconds": "latency", "s": "latency",
                           "seconds": "latency", "bytes": "memory", "usd_per_hour": "cost",
                           "eur_per_hour": "cost"}

# (kind, words in the name or title); the first match wins
_WORDS: tuple[tuple[Kind, frozenset[str]], ...] = (
    ("cost", frozenset({"cost", "usd", "eur", "spend", "billing"})),
    ("error", frozenset({"error", "errors", "5xx", "failure", "failures", "failed"})),
    ("latency", frozenset({"latency", "duration", "p50", "p90", "p95", "p99", "response"})),
    ("availability", frozenset({"availability", "up", "uptime", "success", "healthy"})),
    ("cpu", frozenset({"cpu", "processor", "throttling"})),
    ("memory", frozenset({"memory", "mem", "heap", "rss"})),
)

_CAUSES: dict[Kind, str] = {
    "cost": ("autoscaling scale-out or larger instances, traffic growth, storage or egress "
             "growth, a changed retention or replica setting"),
    "error": ("new exception paths in the release, failing or timing-out dependencies, "
              "configuration or feature-flag changes, retries exhausting"),
    "latency": ("slower dependency or database calls, lock contention, GC pauses, cache "
                "misses, more work on the request path, connection-pool saturation"),
    "availability": ("crash loops, failing readiness probes, a partial dependency outage, "
                     "instances on a bad build"),
    "cpu": ("new hot code paths, heavier serialisation, retry storms, traffic growth, a "
            "changed autoscaling target"),
    "memory": "a leak, cache or buffer growth, larger payloads, changed heap or GC settings",
    "other": ("a changed traffic mix, a dependency change or configuration drift since GA: "
              "compare with the deploy and traffic history"),
}

_STEPS: dict[Kind, str] = {
    "cost": ("Break {name} down by component, instance type and region against the GA day; "
             "check the replica counts, retention and egress the release changed"),
    "error": ("Break {name} down by route and status code against the GA baseline; check "
              "dependency health and timeouts"),
    "latency": ("Compare {name} by endpoint against the GA baseline; trace the slowest "
                "requests and check dependency latency"),
    "availability": ("Find the failing instances or routes behind {name}: compare them with "
                     "the GA baseline and check the deploy events"),
    "cpu": ("Profile CPU on the busiest instances against the GA baseline; check new hot "
            "paths and the autoscaling target"),
    "memory": ("Compare {name} by instance against the GA baseline; take heap profiles and "
               "check for leaks and cache growth"),
    "other": ("Investigate the {name} change since GA: compare against the GA baseline and "
              "review what the release changed"),
}


def kpi_kind(kpi: Kpi) -> Kind:
    """The kind of ``kpi``: its cost flag, then its unit, then words of its name and title."""
    if kpi.cost:
        return "cost"
    by_unit = _UNITS.get(kpi.unit.lower())
    if by_unit is not None:
        return by_unit
    words = set(re.split(r"[^a-z0-9]+", f"{kpi.name} {kpi.title}".lower()))
    return next((kind for kind, keys in _WORDS if words & keys), "other")


def potential_causes(kpi: Kpi) -> str:
    """A hint of likely causes of a drift of ``kpi``, from its kind."""
    return _CAUSES[kpi_kind(kpi)]


def investigation_step(kpi: Kpi) -> str:
    """The first step to investigate a change of ``kpi`` that has no spec ``mitigations``."""
    return _STEPS[kpi_kind(kpi)].format(name=kpi.display)
