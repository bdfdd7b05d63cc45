"""The public names of the scenario package and the Prometheus source stay put."""

import tars_ci.scenario
import tars_ci.sources.prometheus


def test_scenario_exports() -> None:
    assert sorted(tars_ci.scenario.__all__) == [
        "Baseline", "CounterReset", "DayLevels", "Gap", "Ramp", "SCENARIOS", "SampleSet",
        "Scenario", "Series", "Spike", "Step", "generate", "scenario", "truth",
        "write_openmetrics"]
    assert all(hasattr(tars_ci.scenario, name) for name in tars_ci.scenario.__all__)


def test_prometheus_source_exports() -> None:
    assert tars_ci.sources.prometheus.__all__ == ["MAX_POINTS", "PrometheusSource"]
    assert tars_ci.sources.prometheus.MAX_POINTS == 11_000
