"""The ``gates:`` section of the spec: the example's five runbook stages and located errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tars_ci.errors import SpecError
from tars_ci.spec import load_spec, parse_spec
from tars_ci.spec.model import Bound, parse_bound

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "tars.yaml"

BASE = """\
version: 1
release: {name: api v1, ga_time: "2026-11-02T00:00:00Z"}
source: {url: "http://127.0.0.1:9090"}
kpis:
  lat: {query: q, unit: ms, better: lower}
"""
GATES = """\
gates:
  metrics:
    lat:
      query: q{{selector}}
      unit: ms
      better: lower
  stages:
    canary-1:
      traffic_percent: 1
      criteria:
        lat: {threshold: "< 150", max_drift_percent: 20}
    canary-10:
      traffic_percent: 10
      criteria:
        lat: {threshold: "< 120"}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        parse_spec(text, {}, "tars.yaml")
    return [str(p) for p in info.value.problems]


def test_the_example_declares_the_runbooks_five_stages() -> None:
    gates = load_spec(EXAMPLE, {}).gates
    assert (gates.canary, gates.stable) == ('track="canary"', 'track="stable"')
    assert (gates.window, gates.step) == (timedelta(minutes=10), timedelta(seconds=15))
    table = {s.name: (s.traffic_percent, {c.metric: (c.threshold, c.max_drift_percent)
                                          for c in s.criteria}) for s in gates.stages}
    assert list(table) == ["canary-1", "canary-10", "canary-25", "canary-50", "canary-100"]
    expected = {  # the runbook's 10/25/50/100 % gates; 1 % is the loosest, our choice
        "canary-1": (1, ">= 99.0", "< 2", "< 150", 20),
        "canary-10": (10, ">= 99.0", "< 2", "< 120", 10),
        "canary-25": (25, ">= 99.5", "< 1.5", "< 110", 5),
        "canary-50": (50, ">= 99.9", "< 1", "< 100", 5),
        "canary-100": (100, ">= 99.9", "< 0.5", "< 100", None),
    }
    for name, (traffic, avail, err, p95, drift) in expected.items():
        got_traffic, criteria = table[name]
        assert got_traffic == traffic
        assert criteria["availability"] == (avail, None)
        assert criteria["error_rate"] == (err, None)
        assert criteria["p95_latency_ms"] == (p95, drift)
        assert criteria["restarts"] == ("<= 0", None)
        assert criteria["memory_gb"] == ("< 2.5", None)
    rollback = {m.name: m.rollback_if for m in gates.metrics}
    assert rollback == {"availability": "< 99", "error_rate": ">= 5", "p95_latency_ms": None,
                        "restarts": ">= 3", "memory_gb": None}
    assert all(m.critical for m in gates.metrics)


def test_a_spec_without_gates_is_still_valid() -> None:
    gates = parse_spec(BASE, {}).gates
    assert (gates.stages, gates.metrics) == ((), ())


def test_a_small_gates_section_loads() -> None:
    gates = parse_spec(BASE + GATES, {}).gates
    assert [s.name for s in gates.stages] == ["canary-1", "canary-10"]
    assert gates.stage("canary-1").criteria[0].bound == Bound("<", 150.0)
    assert gates.metric("lat").aggregate == "mean"


@pytest.mark.parametrize(("old", "new", "message"), [
    ("lat: {threshold: \"< 120\"}", "latency: {threshold: \"< 120\"}",
     ("tars.yaml:20: gates.stages.canary-10.criteria.latency: unknown gate metric 'latency'; "
     "known: lat")),
    ("query: q{{selector}}", "query: q",
     ("tars.yaml:9: gates.metrics.lat.query: must contain {{selector}} (where the track's label "
     "matchers go)")),
    ("traffic_percent: 10", "traffic_percent: 1",
     ("tars.yaml:18: gates.stages.canary-10.traffic_percent: must be above the previous "
     "stage's 1")),
    ("{threshold: \"< 120\"}", "{threshold: \"=< 120\"}",
     ("tars.yaml:20: gates.stages.canary-10.criteria.lat.threshold: must be a comparison such "
     "as '< 1.5' or '>= 99.9' (one of <, <=, >, >= and a number), got '=< 120'")),
    ("      better: lower\n", "      better: lower\n      rollback_if: five\n",
     ("tars.yaml:12: gates.metrics.lat.rollback_if: must be a comparison such as '< 1.5' or "
     "'>= 99.9' (one of <, <=, >, >= and a number), got 'five'")),
    ("{threshold: \"< 120\"}", "{}",
     ("tars.yaml:20: gates.stages.canary-10.criteria.lat: give a threshold, a max_drift_percent, "
     "or both")),
    ("canary-10:", "Canary 10:",
     ("tars.yaml:17: gates.stages.Canary 10: stage name 'Canary 10' must match "
     "^[a-z][a-z0-9_-]{0,62}$")),
    ("gates:\n", "gates:\n  stable: track=\"canary\"\n  canary: track=\"canary\"\n",
     "tars.yaml:7: gates.stable: must differ from canary"),
    ("gates:\n", "gates:\n  window: 20s\n",
     "tars.yaml:7: gates.window: must be at least two steps"),
])
def test_gate_problems_are_located(old: str, new: str, message: str) -> None:
    assert problems(BASE + GATES.replace(old, new, 1)) == [message]


@pytest.mark.parametrize(("text", "op", "value"), [
    ("< 1.5", "<", 1.5), (">=99.9", ">=", 99.9), (" <= 0 ", "<=", 0.0), ("> -2e3", ">", -2000.0),
])
def test_bounds_parse_and_compare(text: str, op: str, value: float) -> None:
    bound = parse_bound(text)
    assert (bound.op, bound.value) == (op, value)
    assert bound.holds(value) == (op in ("<=", ">="))


def test_a_bound_that_is_not_a_comparison_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_bound("== 1")
    assert parse_bound("< 1").holds(0.5) and not parse_bound("> 1").holds(0.5)
