"""Benchmark 6, a fleet of releases: R specs made from the example spec (other release names
and KPI titles, the same demo series: :mod:`tests.harness.fleet`) against the benchmarks'
Prometheus, all 8 days.

Collection — every release's queries (the example spec's 12 series, 8 days at 60 s):

- ``tars-ci, releases in turn``: each release's :class:`PrometheusSource` in turn, 4 requests
  in flight, float64 arrays out — as ``tars-ci run --spec DIR`` fetches;
- ``tars-ci, 8 releases at a time``: the same from 8 threads, each release its own source —
  as the fleet workflow's matrix jobs (``max-parallel: 8``) hit one Prometheus;
- ``lower bound (httpx, JSON only)``: the same requests with one httpx client from 4
  threads, each answer only JSON-decoded (:func:`bench.collection.lower_bound`).

End to end — ``tars-ci run`` over all 8 days, no publishing, each a fresh process:

- ``one release``: the first spec alone, the unit the others are compared with;
- ``fleet, one process``: ``tars-ci run --spec DIR``, the releases in turn, against
  ``R separate runs`` (R × one release, one after another);
- ``fleet, matrix``: one ``tars-ci run --spec FILE`` process per release, 8 at a time,
  against the lower bound ``R × the CPU time one release needs ÷ cores`` — its process's
  CPU time plus the Prometheus server's (``/proc/PID/stat``) while it ran: no schedule of
  the R runs on these cores can finish sooner;
- ``fleet summary``: ``tars-ci fleet --spec DIR`` over the R histories just written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench import collection
from bench.measure import ROOT, BenchError, child, child_env
from tars_ci.fleet.workflow import MAX_PARALLEL
from tars_ci.sources.interface import Query, Samples
from tars_ci.sources.prometheus import PrometheusSource
from tars_ci.spec.model import SourceSpec
from tests.harness.fleet import fleet_specs

NOW = "2026-11-10T01:00:00Z"  # day 7 closed and settled: the whole program is due
TURN, AT_ONCE, LOWER = ("tars-ci, releases in turn", f"tars-ci, {MAX_PARALLEL} releases at "
                        "a time", "lower bound (httpx, JSON only)")


def write_specs(folder: Path, count: int) -> list[Path]:
    """The fleet's specs in ``folder`` (``r00.yaml`` …)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, text in fleet_specs(count).items():
        (folder / name).write_text(text, encoding="utf-8")
        out.append(folder / name)
    return out


def release_queries(paths: Sequence[Path], url: str) -> list[list[Query]]:
    """Each release's queries, as its run fetches them."""
    from tars_ci.pipeline import queries
    from tars_ci.spec import load_spec

    return [queries(load_spec(p, {"PROMETHEUS_URL": url})) for p in paths]


def _fetch(url: str, queries: Sequence[Query]) -> int:
    source = PrometheusSource(SourceSpec(url=url, step=collection.STEP))
    try:
        results = source.range_query(queries, collection.START, collection.END,
                                     collection.STEP)
    finally:
        source.close()
    return sum(len(r.values) for r in results.values() if isinstance(r, Samples))


def in_turn(url: str, fleet: Sequence[Sequence[Query]]) -> int:
    """Every release's fetch, one after another; samples received."""
    return sum(_fetch(url, qs) for qs in fleet)


def at_once(url: str, fleet: Sequence[Sequence[Query]]) -> int:
    """Every release's fetch, :data:`MAX_PARALLEL` releases at a time; samples received."""
    with ThreadPoolExecutor(max_workers=MAX_PARALLEL) as pool:
        return sum(pool.map(lambda qs: _fetch(url, qs), fleet))


def lower_bound(url: str, fleet: Sequence[Sequence[Query]]) -> int:
    """The same requests, 4 threads, JSON only; samples received."""
    return collection.lower_bound(url, [q for qs in fleet for q in qs])


METHODS = {TURN: in_turn, AT_ONCE: at_once, LOWER: lower_bound}


def collect(paths: Sequence[Path], url: str, repeat: int) -> list[dict[str, Any]]:
    """Collection for the fleet, each method ``repeat`` times taking turns; best times."""
    fleet = release_queries(paths, url)
    times: dict[str, list[float]] = {name: [] for name in METHODS}
    samples: dict[str, int] = {}
    names = list(METHODS)
    for round_ in range(repeat):
        for name in names[round_ % 3:] + names[:round_ % 3]:
            start = time.perf_counter()
            samples[name] = METHODS[name](url, fleet)
            times[name].append(time.perf_counter() - start)
    if len(set(samples.values())) != 1:
        raise BenchError(f"fleet collection: the methods got different sample counts "
                         f"{samples}")
    requests = len(collection.chunks()) * sum(len(qs) for qs in fleet)
    return [{"method": name, "releases": len(paths), "requests": requests,
             "samples": samples[name], "repeat": repeat, "seconds": min(times[name])}
            for name in METHODS]


def server_cpu(pid: int | None) -> float:
    """CPU seconds the process ``pid`` has used (0 when unknown)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _cpu_of_children() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(args: Sequence[str], url: str, cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "tars_ci", *args], cwd=cwd,
                          env={**child_env(PROMETHEUS_URL=url),
                               "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=3600, check=False)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise BenchError(f"tars-ci {' '.join(args)} exited {done.returncode}: "
                         f"{done.stderr[-2000:]}")
    return seconds


def end_to_end(paths: Sequence[Path], url: str, tmp: Path,
               server_pid: int | None) -> list[dict[str, Any]]:
    """``tars-ci run`` for one release, the fleet in one process, the fleet as a matrix,
    and the fleet summary; wall seconds (the fleet runs once each)."""
    folder = paths[0].parent
    count = len(paths)
    walls, cpus = [], []
    for i in range(2):
        client, server = _cpu_of_children(), server_cpu(server_pid)
        walls.append(_run(["run", "--spec", str(paths[0]), "--now", NOW, "--reports",
                           str(tmp / f"one-{i}"), "-q"], url, ROOT))
        cpus.append(_cpu_of_children() - client + server_cpu(server_pid) - server)
        shutil.rmtree(tmp / f"one-{i}", ignore_errors=True)
    one, cpu = min(walls), min(cpus)
    peak = child("run", ["run", "--spec", str(paths[0]), "--now", NOW, "--reports",
                         str(tmp / "one-rss"), "-q"], env=child_env(PROMETHEUS_URL=url))
    sequential = _run(["run", "--spec", str(folder), "--now", NOW, "--reports",
                       str(tmp / "in-turn"), "-q"], url, ROOT)
    reports = tmp / "matrix"
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=MAX_PARALLEL) as pool:
        list(pool.map(lambda p: _run(["run", "--spec", str(p), "--now", NOW, "--reports",
                                      str(reports), "-q"], url, ROOT), paths))
    matrix = time.perf_counter() - start
    summary = _run(["fleet", "--spec", str(folder), "--now", NOW, "--reports", str(reports)],
                   url, ROOT)
    cores = os.cpu_count() or 1
    return [
        {"what": "one release", "releases": 1, "seconds": one, "bound": one,
         "bound_name": "itself", "peak_rss": peak["peak_rss"], "cpu_seconds": cpu},
        {"what": "fleet, one process (tars-ci run --spec DIR)", "releases": count,
         "seconds": sequential, "bound": count * one,
         "bound_name": f"{count} separate runs ({count} × one release)"},
        {"what": f"fleet, matrix ({count} processes, {MAX_PARALLEL} at a time)",
         "releases": count, "seconds": matrix, "bound": count * cpu / cores,
         "bound_name": f"lower bound: {count} × one release's CPU ({cpu:.2f} s, tars-ci "
                       f"and Prometheus) ÷ {cores} cores"},
        {"what": "fleet summary (tars-ci fleet --spec DIR)", "releases": count,
         "seconds": summary, "bound": summary, "bound_name": "itself"},
    ]


def measure(count: int, url: str, tmp: Path, repeat: int,
            server_pid: int | None = None) -> dict[str, Any]:
    """Benchmark 6 with ``count`` releases (``server_pid``: the Prometheus server's)."""
    paths = write_specs(tmp / "releases", count)
    return {"releases": count, "parallel": MAX_PARALLEL,
            "collection": collect(paths, url, repeat),
            "end_to_end": end_to_end(paths, url, tmp, server_pid)}


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m bench.releases``: benchmark 6 alone, on its own Prometheus (the demo
    scenario, backfilled by the test harness); prints the tables and writes
    ``bench/results_releases.json``."""
    import argparse
    import tempfile
    from datetime import datetime, timezone

    from bench import machine, report
    from tars_ci.reports.jsonio import write_json
    from tests.harness import prometheus_for

    parser = argparse.ArgumentParser(prog="python -m bench.releases",
                                     description="A fleet of releases: collection and end "
                                                 "to end against a real Prometheus.")
    parser.add_argument("--releases", type=int, default=50, help="releases (default 50)")
    parser.add_argument("--repeat", type=int, default=2,
                        help="collection rounds, best kept (default 2)")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name(
        "results_releases.json"), help="results file (default bench/results_releases.json)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    results: dict[str, Any] = {
        "schema_version": 1,
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": "python -m bench.releases" + (" " + " ".join(argv) if argv else ""),
        "machine": machine.describe()}
    with tempfile.TemporaryDirectory(prefix="tars-bench-releases-") as tmp, \
            prometheus_for("demo") as server:
        results["releases"] = measure(args.releases, server.url, Path(tmp), args.repeat,
                                      server.pid)
    results["total_seconds"] = time.monotonic() - started
    report.derive_releases(results["releases"])
    write_json(args.out, results)
    m = results["machine"]
    print(f"Run {results['date']} in {results['total_seconds'] / 60:.1f} min on {m['cpu']}, "
          f"{m['cores']} cores (load average at start "
          f"{', '.join(f'{x:g}' for x in m['load_average_at_start'])}); {m['prometheus']}.")
    print("\n".join(report.fleet_tables(results["releases"])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
