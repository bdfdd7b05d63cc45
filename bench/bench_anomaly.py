"""Throughput of the anomaly scorer on one core, and the memory of ``anomaly-score``.

    python bench/bench_anomaly.py [--nab-dir DIR] [--repeat N] [--rows N]
                                  [--out bench/results_anomaly.json]

Cases (each the best of ``--repeat`` runs, CPU time of this process — the machine may be
shared, and nothing here uses more than one thread):

- ``score_single_file``: ``score()`` on one NAB-sized series (1 × 4,032 points), the
  unit of work of a one-file CLI call;
- ``score_nab_batch``: ``score()`` on the NAB corpus as one padded batch (28 series);
- ``score_pipeline``: ``score()`` on the pipeline's shape (10 KPIs × 8 days at 1 minute);
- ``score_fleet``: ``score()`` on 1,000 × 11,520 (a large program);
- ``cli_nab``: ``tars-ci anomaly-score --sort`` end to end on the NAB files (read,
  parse, score, format, atomic write) in-process, so interpreter start-up is excluded (only
  with ``--nab-dir``, a NAB checkout, whose README groups are used (:data:`bench.nab.GROUPS`):
  NAB is not part of the project; without it the NAB cases are skipped with a note);
- ``cli_big``: ``tars-ci anomaly-score`` in its own process on one generated CSV of
  ``--rows`` rows (default 10,000,000, 1-minute Unix-second timestamps, a daily cycle and
  noise): wall time and the child's peak RSS (``getrusage``), beside the input's size.

The figures are printed and written to ``bench/results_anomaly.json``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np

if not __package__:  # run as `python bench/bench_anomaly.py`: the repository root holds bench/
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.measure import BenchError
from bench.nab import group_folders
from tars_ci.analysis.anomaly import score
from tars_ci.cli import main
from tars_ci.reports.jsonio import write_json
from tars_ci.spec.model import AnomalySettings

HERE = Path(__file__).resolve().parent


def best_cpu(body: Callable[[], object], repeat: int) -> float:
    """Smallest CPU time of ``repeat`` runs of ``body``."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        body()
        best = min(best, time.process_time() - start)
    return best


def synthetic(series: int, steps: int, seed: int) -> np.ndarray:
    """Daily-seasonal noisy series with spikes and 1% missing samples."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps)
    x = 100 + 10 * np.sin(2 * np.pi * t / 1440) + rng.standard_normal((series, steps))
    x[rng.random(x.shape) < 0.001] += 20
    x[rng.random(x.shape) < 0.01] = np.nan
    return x


def nab_matrix(folders: list[Path]) -> tuple[np.ndarray, int]:
    """The NAB values as one NaN-padded matrix, and the number of real points."""
    rows = []
    for path in sorted(p for folder in folders for p in folder.rglob("*.csv")):
        lines = path.read_text().splitlines()[1:]
        rows.append([float(line.rsplit(",", 1)[1]) for line in lines])
    out = np.full((len(rows), max(map(len, rows))), np.nan)
    for i, r in enumerate(rows):
        out[i, :len(r)] = r
    return out, sum(map(len, rows))


def big_csv(path: Path, rows: int) -> int:
    """Write a ``timestamp,value`` CSV of ``rows`` rows in blocks; its size in bytes."""
    block = 1_000_000
    rng = np.random.default_rng(4)
    with path.open("w") as fh:
        fh.write("timestamp,value\n")
        for lo in range(0, rows, block):
            t = np.arange(lo, min(rows, lo + block))
            v = np.round(50 + 10 * np.sin(2 * np.pi * t / 1440) + rng.standard_normal(t.size), 3)
            fh.write("".join(f"{a},{b}\n" for a, b in zip((1_600_000_000 + 60 * t).tolist(),
                                                           v.tolist())))
    return path.stat().st_size


#: The memory case's child: runs the command, then prints its own peak RSS in bytes — the
#: high-water mark of its own address space (VmHWM), which, unlike getrusage, does not count
#: the benchmark's pages that the fork copied before exec.
CHILD = """
import resource, sys
from tars_ci.cli import main
code = main(sys.argv[1:])
try:
    status = open('/proc/self/status').read()
    peak = int(status.split('VmHWM:')[1].split()[0]) * 1024
except OSError:  # not Linux: getrusage (which may count the parent's pages too)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(peak)
sys.exit(code)
"""


def cli_memory(rows: int) -> dict[str, float]:
    """``tars-ci anomaly-score`` on a generated file of ``rows`` rows in a child process."""
    folder = Path(tempfile.mkdtemp(prefix="bench-anomaly-big-"))
    try:
        size = big_csv(folder / "big.csv", rows)
        start = time.monotonic()
        done = subprocess.run([sys.executable, "-c", CHILD, "anomaly-score", "--out-dir",
                               str(folder / "out"), str(folder / "big.csv")], check=True,
                              stdout=subprocess.PIPE, text=True)
        wall = time.monotonic() - start
        peak = int(done.stdout.split()[-1])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"cli_big            {rows:>12,d} rows    {wall:8.1f} s wall  input {size / 2**20:,.0f} "
          f"MiB  peak RSS {peak / 2**20:,.0f} MiB", flush=True)
    return {"rows": rows, "input_bytes": size, "wall_seconds": wall, "peak_rss_bytes": peak}


def run(nab: list[Path] | None, repeat: int) -> dict[str, dict[str, float]]:
    settings = AnomalySettings()
    results: dict[str, dict[str, float]] = {}

    def record(name: str, points: int, seconds: float) -> None:
        results[name] = {"points": points, "cpu_seconds": seconds,
                         "points_per_second": points / seconds}
        print(f"{name:18s} {points:>12,d} points  {seconds:8.3f} s  "
              f"{points / seconds:>12,.0f} points/s", flush=True)

    single = nab_matrix(nab)[0][:1, :4032] if nab else synthetic(1, 4032, 1)
    record("score_single_file", single.size,
           best_cpu(lambda: score(single, settings, 300.0), repeat * 5))
    if nab is not None:
        batch, points = nab_matrix(nab)
        record("score_nab_batch", points, best_cpu(lambda: score(batch, settings, 300.0), repeat))
    pipeline = synthetic(10, 11_520, 2)
    record("score_pipeline", pipeline.size, best_cpu(lambda: score(pipeline, settings), repeat))
    fleet = synthetic(1_000, 11_520, 3)
    record("score_fleet", fleet.size, best_cpu(lambda: score(fleet, settings), 1))
    if nab is not None:
        out = Path(tempfile.mkdtemp(prefix="bench-anomaly-"))
        try:
            def cli() -> None:
                shutil.rmtree(out, ignore_errors=True)
                assert main(["anomaly-score", "--sort", "--out-dir", str(out),
                             *map(str, nab)]) == 0
            record("cli_nab", points, best_cpu(cli, repeat))
        finally:
            shutil.rmtree(out, ignore_errors=True)
    return results


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nab-dir", type=Path,
                        help="a NAB checkout (github.com/numenta/NAB) or its data folder; "
                             "without it the NAB cases are skipped")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (best is kept)")
    parser.add_argument("--rows", type=int, default=10_000_000,
                        help="rows of the generated file of the memory case (0 skips it)")
    parser.add_argument("--out", type=Path, default=HERE / "results_anomaly.json")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args(sys.argv[1:])
    nab_folders = None
    if args.nab_dir is None:
        print("NAB cases skipped: no --nab-dir (a NAB checkout, github.com/numenta/NAB)",
              flush=True)
    else:
        try:
            nab_folders = group_folders(args.nab_dir)
        except BenchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(2)
    figures = run(nab_folders, args.repeat)
    document: dict[str, object] = {
        "benchmark": "anomaly scorer throughput, one core, CPU time, best of runs; "
                     "anomaly-score peak memory on one large file",
        "machine": {"python": platform.python_version(), "numpy": np.__version__,
                    "processor": platform.machine()},
        "cases": figures,
    }
    if args.rows:
        document["cli_big"] = cli_memory(args.rows)
    write_json(args.out, document)
    print(f"written {args.out}")
