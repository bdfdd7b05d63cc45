"""Benchmark 1, the day-7 analysis, three ways over the same (S, 11,520) matrix.

- ``tars-ci``: the pipeline's own calls, as ``run_program`` makes them when every day is
  due — :func:`tars_ci.pipeline.detect_anomalies` (``anomaly.score`` + ``anomaly.episodes``
  in row blocks on every core, keeping only the episodes), :func:`tars_ci.pipeline.measure_day`
  for days 0..7,
  :func:`tars_ci.analysis.drift.compare` per KPI and day, and
  :func:`tars_ci.analysis.regression.regression_report` over days 1..7;
- ``pandas``: the same computation with pandas (:mod:`bench.pandas_reference`);
- ``floor``: one numpy pass over the array (``values.sum(axis=1)``): reading every point
  once, the least any analysis of this data can cost.

:func:`summary` reduces either result to the same plain numbers, so the smoke test can check
that the two computations agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from bench import data
from bench.measure import peak_rss, status_bytes, timed
from tars_ci.analysis.anomaly import Episode
from tars_ci.analysis.drift import Comparison, compare, severity_rank
from tars_ci.analysis.regression import RegressionReport, regression_report
from tars_ci.pipeline import ProgramData, detect_anomalies, measure_day
from tars_ci.sources.interface import QueryResult, Samples
from tars_ci.spec.model import Release, SourceSpec, Spec
from tars_ci.timeline import day_window

if TYPE_CHECKING:  # pandas is imported only by the pandas runs: it would weigh on the others
    from bench.pandas_reference import Result as PandasResult

DAYS = 7
METHODS = ("tars-ci", "pandas", "floor")


class TarsResult(NamedTuple):
    """What the pipeline's analysis produces for the program."""

    episodes: list[Episode]
    baseline: dict[str, float | None]
    comparisons: dict[int, dict[str, Comparison]]
    regression: RegressionReport


class Summary(NamedTuple):
    """Either result as plain numbers (for the agreement check)."""

    day_values: np.ndarray  # (S, 8)
    drift: np.ndarray  # (S, 7)
    severity: np.ndarray  # (S, 7) rank, -1 none
    episodes: list[tuple[int, float, float, int]]  # (row, start, end, points)
    direction: list[str]
    slope: np.ndarray  # (S,)


def fleet_spec(series: int) -> Spec:
    """A spec with the fleet's KPIs (the source is never opened)."""
    return Spec(version=1, release=Release("bench fleet", data.GA, days=DAYS),
                source=SourceSpec(kind="replay", path="unused.json"),
                kpis=data.kpis(series))


def program_data(spec: Spec, values: np.ndarray) -> ProgramData:
    """What :func:`tars_ci.pipeline.fetch` would hold for ``values`` (rows are views)."""
    grid = data.grid(values.shape[1])
    results: dict[str, QueryResult] = {
        k.name: Samples(grid, values[i], {}) for i, k in enumerate(spec.kpis)}
    return ProgramData(grid, data.STEP, results, values)


def tars_day7(spec: Spec, program: ProgramData) -> TarsResult:
    """The pipeline's analysis of days 0..7 (every day due)."""
    episodes = detect_anomalies(spec, program)
    ga, th = spec.release.ga_time, spec.thresholds.drift
    baseline = measure_day(spec, program, day_window(ga, 0))
    comparisons: dict[int, dict[str, Comparison]] = {}
    for day in range(1, DAYS + 1):
        today = measure_day(spec, program, day_window(ga, day))
        comparisons[day] = {k.name: compare(k, today[k.name], baseline[k.name], th)
                            for k in spec.kpis}
    base = {k: m.value for k, m in baseline.items()}
    by_kpi: Mapping[str, Mapping[int, float | None]] = {
        k.name: {d: comparisons[d][k.name].value for d in comparisons} for k in spec.kpis}
    report = regression_report(spec.kpis, base, by_kpi, th, DAYS)
    return TarsResult(episodes, base, comparisons, report)


def pandas_day7(spec: Spec, values: np.ndarray) -> PandasResult:
    """The same analysis written with pandas."""
    from bench.pandas_reference import analyse, better_lower

    return analyse(values, data.grid(values.shape[1]), better_lower(spec.kpis),
                   spec.thresholds.anomaly, spec.thresholds.drift, data.STEP, DAYS)


def floor(values: np.ndarray) -> np.ndarray:
    """One numpy pass over every point."""
    return values.sum(axis=1)


def summary_of_tars(spec: Spec, result: TarsResult) -> Summary:
    """:class:`Summary` of the pipeline's result."""
    names = [k.name for k in spec.kpis]
    row = {name: i for i, name in enumerate(names)}

    def number(x: float | None) -> float:
        return np.nan if x is None else float(x)

    days = range(1, DAYS + 1)
    comps = result.comparisons
    return Summary(
        np.array([[number(result.baseline[n])] + [number(comps[d][n].value) for d in days]
                  for n in names]),
        np.array([[number(comps[d][n].drift_percent) for d in days] for n in names]),
        np.array([[severity_rank(comps[d][n].severity) for d in days] for n in names]),
        [(row[e.kpi], e.start, e.end, e.points) for e in result.episodes],
        [t.direction for t in result.regression.trends],
        np.array([number(t.slope_percent_per_day) for t in result.regression.trends]))


def summary_of_pandas(result: PandasResult) -> Summary:
    """:class:`Summary` of the pandas result."""
    from bench.pandas_reference import NO_SEVERITY

    severity = np.where(np.isfinite(result.drift), result.severity, NO_SEVERITY)
    return Summary(result.day_values, result.drift, severity,
                   [(e.row, e.start, e.end, e.points) for e in result.episodes],
                   result.direction, result.slope)


def measure(method: str, series: int, repeat: int) -> dict[str, Any]:
    """Run ``method`` ``repeat`` times on a fresh fleet of ``series`` rows (in a child)."""
    values = data.fleet(series)
    spec = fleet_spec(series)
    program = program_data(spec, values)
    bodies: dict[str, Callable[[], object]] = {
        "tars-ci": lambda: tars_day7(spec, program),
        "pandas": lambda: pandas_day7(spec, values),
        "floor": lambda: floor(values),
    }
    if method == "pandas":
        import pandas  # noqa: F401  (loaded before the baseline, like the matrix)
    data_rss = status_bytes("VmRSS")  # interpreter, libraries and the matrix
    runs = [timed(bodies[method]) for _ in range(repeat)]
    return {"method": method, "series": series, "points": int(values.size),
            "raw_bytes": int(values.nbytes), "wall_seconds": [w for w, _ in runs],
            "cpu_seconds": [c for _, c in runs], "data_rss": data_rss,
            "peak_rss": peak_rss()}
