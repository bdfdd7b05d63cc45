"""The bundled demo data: the demo scenario, recorded the way a user would record it.

:func:`build_demo_replay` generates the demo scenario, backfills it into a throw-away
Prometheus, and records the spec's queries over the program window with
:class:`~tars_ci.sources.prometheus.PrometheusSource` — the same code path as
``tars-ci record`` — so the replay demo and a run against Prometheus see the same numbers.
``analytical=True`` evaluates the same PromQL in numpy instead (no Prometheus needed); the two
agree to about 1e-12 (a test checks it).
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from tars_ci.pipeline import queries as spec_queries
from tars_ci.scenario.analytical import analytical_replay, check_queries
from tars_ci.scenario.catalog import demo
from tars_ci.scenario.samples import generate
from tars_ci.sources.replay import RecordedSeries, write_replay
from tars_ci.spec import load_spec

RECORDED_FROM = "tars_ci.scenario demo, recorded from a backfilled Prometheus"
ANALYTICAL_FROM = "tars_ci.scenario demo, evaluated analytically"


def build_demo_replay(out: Path, spec_path: Path, analytical: bool = False) -> str:
    """Write the demo replay to ``out``; returns a one-line summary."""
    spec = load_spec(spec_path, {})
    queries = spec_queries(spec)
    check_queries(queries)
    sc = demo()
    start = spec.release.ga_time
    end = start + timedelta(days=spec.release.days + 1)
    step = spec.source.step
    samples = generate(sc)
    series: dict[str, RecordedSeries]
    if analytical:
        series = analytical_replay(samples, queries, start.timestamp(), end.timestamp(),
                                   step.total_seconds())
        origin = ANALYTICAL_FROM
    else:
        from tars_ci.scenario.tsdb import PrometheusServer, backfill
        from tars_ci.sources.prometheus import PrometheusSource
        from tars_ci.sources.prometheus.recording import record
        from tars_ci.spec.model import SourceSpec

        with tempfile.TemporaryDirectory(prefix="tars-demo-") as tmp:
            blocks = backfill(samples, Path(tmp) / "tsdb")
            with PrometheusServer(blocks) as server:
                source = PrometheusSource(SourceSpec(url=server.url, step=step))
                try:
                    rec = record(source, queries, start, end, step)
                finally:
                    source.close()
        if rec.no_data or rec.failed:
            raise RuntimeError(f"demo recording incomplete: no data {rec.no_data}, "
                               f"failed {rec.failed}")
        series = rec.series
        origin = RECORDED_FROM
    write_replay(out, series, recorded_from=origin)
    points = sum(int(s.present.sum()) for s in series.values())
    return f"{len(series)} series, {points} samples, {out.stat().st_size} bytes"
