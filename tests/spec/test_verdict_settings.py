"""Spec settings of issue 13: burn-rate alerts, missing-data priorities, coverage, tolerance."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tars_ci.errors import SpecError
from tars_ci.spec import parse_spec
from tars_ci.spec.model import DEFAULT_BURN_ALERTS
from tests.spec.texts import MINIMAL, edit

SLO = """\
slos:
  latency:
    objective: 99.0
    threshold: {kpi: error_rate, max: 1}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        parse_spec(text, {}, "s.yaml")
    return [f"{p.line}: {p.path}: {p.message}" for p in info.value.problems]


def test_defaults() -> None:
    spec = parse_spec(MINIMAL, {})
    assert spec.slos[0].burn_alerts == DEFAULT_BURN_ALERTS
    assert spec.slos[0].burn_min_coverage == 0.5
    p = spec.priorities
    assert (p.no_data_critical, p.no_data, p.query_error) == ("P1", None, "P1")
    assert spec.thresholds.health.min_coverage == 0.8
    assert spec.thresholds.rollback.worsening_step is None
    assert spec.kpi("availability").worsening_step is None


def test_burn_alerts_replace_the_defaults() -> None:
    text = edit(SLO, SLO + """\
    burn_alerts:
      page: {long: 2h, short: 10m, factor: 10, priority: P0}
    burn_min_coverage: 0.9
""")
    (alert,) = parse_spec(text, {}).slos[0].burn_alerts
    assert (alert.name, alert.long, alert.short, alert.factor, alert.priority) == (
        "page", timedelta(hours=2), timedelta(minutes=10), 10.0, "P0")
    assert parse_spec(text, {}).slos[0].burn_min_coverage == 0.9
    none = edit(SLO, SLO + "    burn_alerts: {}\n")
    assert parse_spec(none, {}).slos[0].burn_alerts == ()


def test_bad_burn_alerts_name_the_yaml_path_and_line() -> None:
    text = edit(SLO, SLO + """\
    burn_alerts:
      page: {long: 5m, short: 1h, factor: 0, priority: P0}
      tiny: {long: 1h, short: 10s, factor: 2, priority: P1}
      odd: {long: 1h, short: 5m, factor: 2, priority: P7}
""")
    assert problems(text) == [
        "26: slos.latency.burn_alerts.page.factor: must be > 0, got 0",
        "28: slos.latency.burn_alerts.odd.priority: must be one of 'P0', 'P1', 'P2', 'P3', "
        "got string 'P7'",
    ]
    text = edit(SLO, SLO + """\
    burn_alerts:
      page: {long: 5m, short: 1h, factor: 1, priority: P0}
""")
    assert problems(text) == ["26: slos.latency.burn_alerts.page.short: must be shorter than "
                              "long"]


def test_missing_data_priorities_and_tolerances_are_settings() -> None:
    text = edit("priorities:\n", """\
priorities:
  no_data_critical: P0
  no_data: P3
  query_error: P2
""")
    text = edit("    weight: 3\n", "    weight: 3\n    worsening_step: 2.5\n", text)
    text = edit("thresholds:\n", """\
thresholds:
  health: {min_coverage: 0.9}
  rollback: {worsening_step: 4}
""", text)
    spec = parse_spec(text, {})
    p = spec.priorities
    assert (p.no_data_critical, p.no_data, p.query_error) == ("P0", "P3", "P2")
    assert spec.thresholds.health.min_coverage == 0.9
    assert spec.thresholds.rollback.worsening_step == 4.0
    assert spec.kpi("availability").worsening_step == 2.5
    bad = edit("  health: {min_coverage: 0.9}\n", "  health: {min_coverage: 1.5}\n", text)
    assert problems(bad) == ["27: thresholds.health.min_coverage: must be ≤ 1, got 1.5"]


# --------------------------------------------------------------------------- ratio KPIs

RATIO_SLO = """\
slos:
  availability:
    objective: 99.9
    ratio: {good: "sum(rate(ok[5m]))", total: "sum(rate(all[5m]))"}
  latency:
"""


def ratio_spec(errors: str) -> str:
    """MINIMAL with a ratio SLO and ``errors`` as the error_rate KPI's body (4 spaces in)."""
    text = edit("slos:\n  latency:\n", RATIO_SLO)
    return edit("""\
  error_rate:
    query: sum(rate(errors[5m]))
    unit: percent
    better: lower
""", f"""\
  error_rate:
{errors}    unit: percent
    better: lower
""", text)


def test_ratio_kpis_load() -> None:
    spec = parse_spec(ratio_spec("    ratio: {slo: availability, of: bad, scale: 100}\n"), {})
    ratio = spec.kpi("error_rate").ratio
    assert ratio is not None and (ratio.slo, ratio.of, ratio.scale) == ("availability", "bad",
                                                                        100.0)
    explicit = parse_spec(ratio_spec("""\
    ratio:
      numerator: sum(rate(errors[5m]))
      denominator: sum(rate(all[5m]))
"""), {}).kpi("error_rate")
    assert explicit.query == "" and explicit.ratio is not None
    assert (explicit.ratio.numerator, explicit.ratio.scale) == ("sum(rate(errors[5m]))", 1.0)


@pytest.mark.parametrize(("body", "expected"), [
    ("    query: x\n    ratio: {slo: availability}\n",
     "17: kpis.error_rate: give `query` or `ratio`, not both"),
    ("", "17: kpis.error_rate.query: must not be empty (or give `ratio` instead)"),
    ("    ratio: {of: bad}\n", "18: kpis.error_rate.ratio: give numerator and denominator, or slo"),
    ("    ratio: {numerator: x}\n",
     "18: kpis.error_rate.ratio.denominator: must not be empty when the other part is given"),
    ("    ratio: {numerator: x, denominator: y, slo: availability}\n",
     "18: kpis.error_rate.ratio: give numerator and denominator, or slo, not both"),
    ("    ratio: {slo: latency}\n",
     "18: kpis.error_rate.ratio.slo: unknown ratio SLO 'latency'; ratio SLOs: availability"),
    ("    ratio: {slo: availability, of: worse}\n",
     "18: kpis.error_rate.ratio.of: must be one of 'good', 'bad', got string 'worse'"),
    ("    ratio: {slo: availability, scale: 0}\n",
     "18: kpis.error_rate.ratio.scale: must be > 0, got 0"),
    ("    ratio: {slo: availability}\n    aggregate: p95\n",
     "19: kpis.error_rate.aggregate: does not apply to a ratio KPI: its day value is "
     "Σnumerator / Σdenominator"),
])
def test_bad_ratio_kpis_name_the_yaml_path_and_line(body: str, expected: str) -> None:
    assert problems(ratio_spec(body)) == [expected]
