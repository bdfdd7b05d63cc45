"""Spec texts shared by the spec tests: a small valid spec whose line numbers are fixed."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "config" / "tars.yaml"

# Line numbers matter: the broken-spec tests name them. Line 1 is `version: 1`.
MINIMAL = """\
version: 1
release:
  name: checkout-api v2.4.0
  ga_time: "2026-11-02T00:00:00Z"
  days: 7
schedule:
  daily_time: "00:47"
  settle: 30m
source:
  url: ${PROMETHEUS_URL:-http://127.0.0.1:9090}
kpis:
  availability:
    query: avg(up)
    unit: percent
    better: higher
    weight: 3
  error_rate:
    query: sum(rate(errors[5m]))
    unit: percent
    better: lower
slos:
  latency:
    objective: 99.0
    threshold: {kpi: error_rate, max: 1}
thresholds:
  drift: {notable: 10, medium: 15, high: 30, critical: 50}
priorities:
  bands:
    availability: {P0: 99.0, P1: 99.5, P2: 99.9}
reports:
  dir: reports
"""


def edit(old: str, new: str, text: str = MINIMAL) -> str:
    """``text`` with the one occurrence of ``old`` replaced by ``new``."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)
