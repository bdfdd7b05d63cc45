"""The CI verdict and the rendered alerts agree: random specs through the real promtool.

For each random spec (bands, drift steps, headroom caps, limits, baselines, a severity map,
burn-rate alerts, an objective) the generated rules must pass ``promtool check rules`` and
their generated unit tests, whose expectations come from the daily check's own evaluation.
A day's values are added as one more case: promtool must fire exactly the band and drift
alerts the evaluation names, and the most urgent of them is the priority of the KPI's finding
that day.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tars_ci import alerts
from tars_ci.alerts.render import render
from tars_ci.alerts.unittests import alert_tests, day_case
from tars_ci.alerts.yamltext import unit_tests_text
from tars_ci.analysis.drift import compare
from tars_ci.analysis.findings import findings_for_day
from tars_ci.analysis.kpis import Measurement
from tars_ci.spec import levels
from tars_ci.spec.model import (
    PRIORITIES,
    SEVERITIES,
    Band,
    BurnAlert,
    DriftThresholds,
    Priority,
    SeverityMap,
    Spec,
)
from tests.alerts.helpers import RULES, check_and_test, promtool, small_spec, write_rules

BASE = small_spec()


def _ok(name: str, value: float) -> Measurement:
    return Measurement(name, "ok", value, 1.0, 1440, "")


@st.composite
def specs(draw: st.DrawFn) -> tuple[Spec, dict[str, float | None], dict[str, float]]:
    """A variation of the small spec, its GA baselines, and a day's values."""
    up = sorted(draw(st.lists(st.floats(95.0, 99.99), min_size=3, max_size=3, unique=True)))
    down = sorted(draw(st.lists(st.floats(150.0, 1000.0), min_size=3, max_size=3,
                                unique=True)), reverse=True)
    keep = draw(st.lists(st.booleans(), min_size=6, max_size=6))
    bands = (Band("availability", *[v if k else None for v, k in zip(up, keep[:3])]),
             Band("latency_ms", *[v if k else None for v, k in zip(down, keep[3:])]))
    steps = sorted(draw(st.lists(st.floats(1.0, 200.0), min_size=4, max_size=4, unique=True)))
    cap_high = draw(st.floats(0.0, 1.0))
    drift = DriftThresholds(*steps, headroom_cap_medium=draw(st.floats(cap_high, 1.0)),
                            headroom_cap_high=cap_high)
    urgency = sorted(draw(st.lists(st.sampled_from(PRIORITIES), min_size=4, max_size=4)),
                     key=levels.priority_rank, reverse=True)  # low … critical
    severity = SeverityMap(**dict(zip(SEVERITIES, urgency)))
    kpis = tuple(dataclasses.replace(k, limit=draw(st.one_of(
        st.none(), st.floats(98.0, 99.99) if k.name == "availability"
        else st.floats(100.0, 800.0)))) for k in BASE.kpis)
    n = draw(st.integers(1, 3))
    burn = tuple(BurnAlert(f"a{i}", timedelta(minutes=5 * draw(st.integers(2, 24))),
                           timedelta(minutes=draw(st.integers(1, 9))),
                           draw(st.floats(1.0, 20.0)), draw(st.sampled_from(PRIORITIES)))
                 for i in range(n))
    slos = (dataclasses.replace(BASE.slos[0], objective=draw(st.floats(90.0, 99.95)),
                                burn_alerts=burn), BASE.slos[1])
    spec = dataclasses.replace(
        BASE, kpis=kpis, slos=slos,
        thresholds=dataclasses.replace(BASE.thresholds, drift=drift),
        priorities=dataclasses.replace(BASE.priorities, bands=bands, severity=severity))
    baselines: dict[str, float | None] = {"availability": draw(st.floats(97.0, 100.0)),
                                          "latency_ms": draw(st.floats(50.0, 600.0))}
    day = {"availability": draw(st.floats(94.0, 100.0)),
           "latency_ms": draw(st.floats(40.0, 1500.0))}
    return spec, baselines, day


@settings(max_examples=4, deadline=None, phases=(Phase.explicit, Phase.reuse, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(specs())
def test_random_specs_agree_with_their_alerts(tmp_path_factory: pytest.TempPathFactory,
                                              case: tuple[Spec, dict[str, float | None],
                                                          dict[str, float]]) -> None:
    spec, baselines, values = case
    folder = tmp_path_factory.mktemp("agree")
    target = write_rules(spec, folder, baselines)
    check_and_test(folder)

    rule_file = render(target)
    extra, firing = day_case(target, rule_file, values, "the day's values")
    document = alert_tests(target, rule_file, RULES)
    document["tests"] = [extra]
    (folder / "day.test.yml").write_text(unit_tests_text(("day",), document), encoding="utf-8")
    tested = promtool("test", "rules", "day.test.yml", cwd=folder)
    assert tested.returncode == 0, tested.stdout[-4000:] + tested.stderr[-4000:]

    # The alerts promtool just fired agree with the day's findings on each KPI's priority.
    realized = {f.alert.labels: f.value for fs in firing.values() for f in fs}
    comparisons = {}
    for kpi in spec.kpis:
        day = next((v for labels, v in realized.items() if ("kpi", kpi.name) in labels), None)
        if day is None:  # nothing fired: the value as the case fed it
            day = _fed(target, kpi.name, values[kpi.name])
        base = baselines[kpi.name]
        assert base is not None
        comparisons[kpi.name] = compare(kpi, _ok(kpi.name, day), _ok(kpi.name, base),
                                        spec.thresholds.drift)
    found = {f.kpi: f.priority for f in findings_for_day(1, spec, comparisons)
             if f.kind == "degradation"}
    for kpi, fired in firing.items():
        most: Priority | None = levels.most_urgent(*(
            dict(f.alert.labels)["priority"] for f in fired))  # type: ignore[misc]
        assert most == found.get(kpi), (kpi, [f.alert.labels for f in fired], found)


def _fed(target: alerts.Target, kpi: str, value: float) -> float:
    from tars_ci.alerts.cases import RESOLUTION

    signal = target.rules.signals[kpi]
    if not signal.is_ratio:
        return value
    return signal.scale * float(round(value / signal.scale * RESOLUTION)) / RESOLUTION
