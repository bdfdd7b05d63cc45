"""Rendering a spec's rules and running the real promtool on them."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

from tars_ci import alerts
from tars_ci.alerts.render import render
from tars_ci.alerts.unittests import alert_tests, slo_tests
from tars_ci.alerts.yamltext import rules_text, unit_tests_text
from tars_ci.spec.model import Spec
from tests import tools

ROOT = Path(__file__).resolve().parents[2]
RULES = "svc.rules.yml"


def promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the real promtool (a failure under CI=true when it is missing)."""
    exe = tools.require(tools.PROMTOOL)
    return subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, timeout=600,
                          check=False)


def write_rules(spec: Spec, folder: Path,
                baselines: Mapping[str, float | None] | None) -> alerts.Target:
    """Render ``spec``'s rules and both test files into ``folder``."""
    target = alerts.target(spec, "tars.yaml", baselines, "reports")
    rule_file = render(target)
    (folder / RULES).write_text(rules_text(rule_file), encoding="utf-8")
    (folder / "svc.rules.test.yml").write_text(
        unit_tests_text(("tests",), alert_tests(target, rule_file, RULES)), encoding="utf-8")
    (folder / "svc.rules.slo.test.yml").write_text(
        unit_tests_text(("tests",), slo_tests(target, rule_file, RULES)), encoding="utf-8")
    return target


def check_and_test(folder: Path) -> None:
    """promtool check rules, then both unit-test files; asserts they pass."""
    checked = promtool("check", "rules", RULES, cwd=folder)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout
    tested = promtool("test", "rules", "svc.rules.test.yml", "svc.rules.slo.test.yml",
                      cwd=folder)
    assert tested.returncode == 0, tested.stdout[-6000:] + tested.stderr[-6000:]


SMALL_SPEC = """\
version: 1
release: {name: svc v1, ga_time: "2026-11-02T00:00:00Z"}
source: {kind: replay, path: x.json}
kpis:
  availability:
    ratio: {slo: availability, of: good, scale: 100}
    unit: percent
    better: higher
    critical: true
    limit: 99.5
  latency_ms:
    query: histogram_quantile(0.99, sum by (le) (rate(latency_bucket[5m])))
    unit: ms
    better: lower
    critical: true
    limit: 300
slos:
  availability:
    objective: 99.5
    ratio:
      good: sum(rate(ok_total[5m]))
      total: sum(rate(all_total[5m]))
    burn_alerts:
      fast: {long: 1h, short: 5m, factor: 10, priority: P0}
      slow: {long: 6h, short: 30m, factor: 4, priority: P2}
  latency:
    objective: 99
    threshold: {kpi: latency_ms, max: 300}
    burn_alerts:
      fast: {long: 1h, short: 5m, factor: 10, priority: P1}
priorities:
  bands:
    availability: {P0: 98, P1: 99, P2: 99.5}
    latency_ms: {P1: 500}
"""
SMALL_BASELINES = {"availability": 99.9, "latency_ms": 180.0}


def small_spec(text: str = SMALL_SPEC) -> Spec:
    """A two-KPI, two-SLO spec whose promtool tests run in a few seconds."""
    from tars_ci.spec import parse_spec

    return parse_spec(text, {}, "tars.yaml")
