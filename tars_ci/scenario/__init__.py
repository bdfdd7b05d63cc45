"""Synthetic services for tests, benchmarks and the bundled demo data.

A scenario is the ground truth of a service, minute by minute, with injectable regressions;
from it come the samples a Prometheus scrape would collect, OpenMetrics text for
``promtool tsdb create-blocks-from openmetrics``, a real Prometheus serving them, and the
values the spec's PromQL returns (computed in numpy, to check the source against)::

    model.py        Scenario, Baseline, regressions (Step, Ramp, Spike, DayLevels, Gap,
                    CounterReset) → truth(): every signal on the scrape grid
    samples.py      generate(): counters, histograms, gauges, up (seeded, deterministic)
    openmetrics.py  write_openmetrics(): one file per 2-hour TSDB block
    tsdb.py         backfill() with promtool; PrometheusServer (free loopback port)
    promql.py       rate, histogram_quantile, … with Prometheus 2.x semantics, in numpy
    analytical.py   evaluate the example spec's queries on a scenario; replay series
    catalog.py      the named scenarios: ``demo`` (the bundled data), ``faults``, and the
                    verdict scenarios ``error_burst``, ``latency_step``,
                    ``latency_recovery``, ``noise``
    demo_data.py    build the bundled demo replay (recorded from a backfilled Prometheus)

``python -m tars_ci.scenario --help`` lists the commands (demo-replay, openmetrics, serve).
"""

from tars_ci.scenario.catalog import SCENARIOS, scenario
from tars_ci.scenario.model import (
    Baseline,
    CounterReset,
    DayLevels,
    Gap,
    Ramp,
    Scenario,
    Spike,
    Step,
    truth,
)
from tars_ci.scenario.openmetrics import write_openmetrics
from tars_ci.scenario.samples import SampleSet, Series, generate

__all__ = ["SCENARIOS", "Baseline", "CounterReset", "DayLevels", "Gap", "Ramp", "SampleSet",
           "Scenario", "Series", "Spike", "Step", "generate", "scenario", "truth",
           "write_openmetrics"]
