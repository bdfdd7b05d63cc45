"""Throughput of the anomaly scorer on one core, in points per second.

    python bench/bench_anomaly.py [--nab DIR] [--repeat N] [--out bench/results_anomaly.json]

Cases (each the best of ``--repeat`` runs, CPU time of this process — the machine may be
shared, and nothing here uses more than one thread):

- ``score_single_file``: ``score()`` on one NAB-sized series (1 × 4,032 points), the
  unit of work of a one-file CLI call;
- ``score_nab_batch``: ``score()`` on the NAB corpus as one padded batch (28 series);
- ``score_pipeline``: ``score()`` on the pipeline's shape (10 KPIs × 8 days at 1 minute);
- ``score_fleet``: ``score()`` on 1,000 × 11,520 (a large program);
- ``cli_nab``: ``tars-ci anomaly-score`` end to end on the NAB data folder (read, parse,
  score, format, atomic write) in-process, so interpreter start-up is excluded.

The figures are printed and written to ``bench/results_anomaly.json``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np

from tars_ci.analysis.anomaly import score
from tars_ci.cli import main
from tars_ci.reports.jsonio import write_json
from tars_ci.spec.model import AnomalySettings

HERE = Path(__file__).resolve().parent
DEFAULT_NAB = HERE.parent.parent / "shared" / "nab" / "data"


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


def nab_matrix(folder: Path) -> tuple[np.ndarray, int]:
    """The NAB values as one NaN-padded matrix, and the number of real points."""
    rows = []
    for path in sorted(folder.rglob("*.csv")):
        lines = path.read_text().splitlines()[1:]
        rows.append([float(line.rsplit(",", 1)[1]) for line in lines])
    out = np.full((len(rows), max(map(len, rows))), np.nan)
    for i, r in enumerate(rows):
        out[i, :len(r)] = r
    return out, sum(map(len, rows))


def run(nab: Path | None, repeat: int) -> dict[str, dict[str, float]]:
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
                assert main(["anomaly-score", "--out-dir", str(out), str(nab)]) == 0
            record("cli_nab", points, best_cpu(cli, repeat))
        finally:
            shutil.rmtree(out, ignore_errors=True)
    return results


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nab", type=Path, default=DEFAULT_NAB if DEFAULT_NAB.is_dir() else None,
                        help="NAB data folder (default ../shared/nab/data when present)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (best is kept)")
    parser.add_argument("--out", type=Path, default=HERE / "results_anomaly.json")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args(sys.argv[1:])
    figures = run(args.nab, args.repeat)
    write_json(args.out, {
        "benchmark": "anomaly scorer throughput, one core, CPU time, best of runs",
        "machine": {"python": platform.python_version(), "numpy": np.__version__,
                    "processor": platform.machine()},
        "cases": figures,
    })
    print(f"written {args.out}")
