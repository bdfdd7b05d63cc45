"""``python -m bench``: run every benchmark, write ``bench/results.json`` and
``bench/RESULTS.md``, print the table.

    python -m bench                 # everything, as committed (≈ 7–9 minutes on 2 cores)
    python -m bench --quick         # smaller sizes, for a look while developing
    python -m bench --out DIR       # write the results elsewhere

Benchmarks (what each compares is in its module): 1 analysis (:mod:`bench.analysis`),
2 collection (:mod:`bench.collection`), 3 end to end (``tars-ci run`` on a real Prometheus),
4 CLI start-up (:mod:`bench.startup`), 5 the anomaly scorer (:mod:`bench.scorer`), 6 a fleet
of releases, collection and end to end (:mod:`bench.releases`). Sizes
whose memory is reported run in their own process (:mod:`bench.measure`). Needs
``prometheus`` and ``promtool`` on PATH (Debian package ``prometheus``) and the ``bench``
extra (pandas, prometheus-api-client).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple

from bench import collection, data, fleet, machine, releases, report, startup
from bench.analysis import METHODS
from bench.measure import ROOT, BenchError, child, child_env

HERE = Path(__file__).resolve().parent
EXAMPLE_SPEC = ROOT / "config" / "tars.yaml"


class Plan(NamedTuple):
    """Sizes and repetitions of one benchmark run."""

    sizes: tuple[int, ...]  # analysis: series
    repeats: tuple[int, ...]  # analysis: runs per size (best kept)
    fleet: int  # KPIs of the generated end-to-end spec (and gauges in the TSDB)
    collect: int  # fleet KPIs in the collection benchmark (beside the example spec's)
    collect_repeat: int
    collect_warmup: int  # untimed rounds first (the server's caches)
    e2e_repeat: int  # runs of the example spec (the generated spec runs once)
    startup_repeat: int
    scorer_series: int
    scorer_repeat: int
    releases: int  # releases of the fleet benchmark
    releases_repeat: int  # rounds of its collection (best kept)


FULL = Plan((100, 1_000, 10_000), (3, 1, 1), 1_000, 100, 3, 1, 3, 20, 100, 3, 50, 2)
QUICK = Plan((100, 1_000), (2, 1), 200, 50, 2, 1, 2, 10, 20, 2, 10, 1)
SMOKE = Plan((4,), (1,), 3, 3, 1, 0, 1, 3, 4, 1, 2, 1)


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


def run(plan: Plan) -> dict[str, Any]:
    """Every benchmark of ``plan``; the results document (see :mod:`bench.report`)."""
    started = time.monotonic()
    results: dict[str, Any] = {
        "schema_version": 1,
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": "python -m bench",
        "machine": machine.describe(),
    }
    log("CLI start-up")
    results["startup"] = startup.measure(plan.startup_repeat)
    log("anomaly scorer on one core")
    results["scorer"] = child("scorer", [str(plan.scorer_series), str(plan.scorer_repeat)])
    results["analysis"] = analysis(plan)
    with tempfile.TemporaryDirectory(prefix="tars-bench-") as tmp:
        results.update(with_prometheus(plan, Path(tmp)))
    results["total_seconds"] = time.monotonic() - started
    return results


def analysis(plan: Plan) -> list[dict[str, Any]]:
    """Benchmark 1: every method at every size, each in its own process."""
    out = []
    for series, repeat in zip(plan.sizes, plan.repeats):
        for method in METHODS:
            log(f"analysis: {method}, {series:,} series × 11,520 points, best of {repeat}")
            answer = child("analysis", [method, str(series), str(repeat)])
            answer["repeat"] = repeat
            out.append(answer)
            log(f"  {min(answer['wall_seconds']):.3f} s, peak RSS "
                f"{answer['peak_rss'] / 2**20:,.0f} MiB")
    return out


def with_prometheus(plan: Plan, tmp: Path) -> dict[str, Any]:
    """Benchmarks 2 and 3 against one backfilled Prometheus."""
    from tars_ci.scenario.tsdb import PrometheusServer

    log(f"backfilling the demo scenario and {plan.fleet:,} fleet gauges (promtool)")
    setup = time.monotonic()
    tsdb = fleet.build_tsdb(plan.fleet, tmp / "tsdb")
    with PrometheusServer(tsdb, ready_timeout=120.0) as server:
        log(f"Prometheus ready at {server.url} after {time.monotonic() - setup:.0f} s")
        return {"setup_seconds": time.monotonic() - setup,
                "collection": collect(plan, server.url),
                "collection_warmup": plan.collect_warmup,
                "end_to_end": end_to_end(plan, server.url, tmp),
                "releases": fleet_of_releases(plan, server.url, tmp, server.pid)}


def fleet_of_releases(plan: Plan, url: str, tmp: Path, pid: int | None) -> dict[str, Any]:
    """Benchmark 6: ``plan.releases`` releases, collection and end to end."""
    log(f"a fleet of {plan.releases} releases: collection (best of {plan.releases_repeat}), "
        f"then end to end")
    out = releases.measure(plan.releases, url, tmp / "fleet-of-releases", plan.releases_repeat,
                           pid)
    log("fleet: " + ", ".join(f"{r['method']} {r['seconds']:.1f} s" for r in out["collection"])
        + "; " + ", ".join(f"{r['what']} {r['seconds']:.1f} s" for r in out["end_to_end"]))
    return out


def collect(plan: Plan, url: str) -> list[dict[str, Any]]:
    """Benchmark 2: the example spec's queries and ``plan.collect`` fleet gauges."""
    from tars_ci.pipeline import queries
    from tars_ci.sources.interface import Query
    from tars_ci.spec import load_spec

    # every series the example spec fetches: 8 KPI queries and the availability SLO's
    # good/total, which the availability and error-rate ratio KPIs are measured from
    example = queries(load_spec(EXAMPLE_SPEC, {"PROMETHEUS_URL": url}))
    gauges = [Query(k.name, k.query) for k in data.kpis(plan.collect)]
    out = []
    for label, qs in (("example spec", example), ("fleet gauges", gauges)):
        times: dict[str, list[float]] = {name: [] for name in collection.METHODS}
        samples: dict[str, int] = {}
        names = list(collection.METHODS)
        for round_ in range(plan.collect_warmup + plan.collect_repeat):
            for name in names[round_ % 3:] + names[:round_ % 3]:  # each goes first in turn
                method = collection.METHODS[name]
                start = time.perf_counter()
                samples[name] = method(url, qs)
                if round_ >= plan.collect_warmup:
                    times[name].append(time.perf_counter() - start)
        if len(set(samples.values())) != 1:
            raise BenchError(f"collection of {label}: the methods got different sample "
                             f"counts {samples}")
        for name in collection.METHODS:
            out.append({"spec": label, "kpis": len(qs), "method": name,
                        "samples": samples[name], "repeat": plan.collect_repeat,
                        "seconds": min(times[name])})
        log(f"collection: {label}, {len(qs)} KPIs: " + ", ".join(
            f"{name} {min(t):.2f} s" for name, t in times.items()))
    return out


def end_to_end(plan: Plan, url: str, tmp: Path) -> list[dict[str, Any]]:
    """Benchmark 3: ``tars-ci run`` over all 8 days, example spec and generated spec."""
    generated = tmp / "fleet.yaml"
    generated.write_text(fleet.fleet_spec_text(plan.fleet), encoding="utf-8")
    out = []
    for label, spec, kpis, repeat in (("example spec", EXAMPLE_SPEC, 10, plan.e2e_repeat),
                                      (f"generated {plan.fleet:,}-KPI spec", generated,
                                       plan.fleet, 1)):
        walls, peaks = [], []
        for i in range(repeat):
            reports = tmp / f"reports-{kpis}-{i}"
            args = ["run", "--spec", str(spec), "--now", fleet.NOW, "--reports", str(reports),
                    "-q"]
            start = time.perf_counter()
            answer = child("run", args, env=child_env(PROMETHEUS_URL=url))
            walls.append(time.perf_counter() - start)
            if answer["exit"] not in (0, 1):
                raise BenchError(f"tars-ci run on the {label} exited {answer['exit']}")
            peaks.append(answer["peak_rss"])
            shutil.rmtree(reports, ignore_errors=True)
        best = min(range(repeat), key=walls.__getitem__)
        out.append({"spec": label, "kpis": kpis, "repeat": repeat, "seconds": walls[best],
                    "peak_rss": peaks[best]})
        log(f"end to end: {label}: {walls[best]:.2f} s, peak RSS {peaks[best] / 2**20:,.0f} MiB")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m bench``."""
    parser = argparse.ArgumentParser(prog="python -m bench",
                                     description=__doc__.splitlines()[0].strip("`"))
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a few minutes)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (what the tests run)")
    parser.add_argument("--out", type=Path, default=HERE,
                        help="directory for results.json and RESULTS.md (default: bench/)")
    args = parser.parse_args(argv)
    plan = SMOKE if args.smoke else QUICK if args.quick else FULL
    results = run(plan)
    table = report.write(results, args.out)
    print(table)
    log(f"done in {results['total_seconds']:.0f} s; wrote {args.out / 'results.json'} and "
        f"{args.out / 'RESULTS.md'}")
    return 0
