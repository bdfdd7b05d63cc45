"""Leave-one-group-out evaluation of the anomaly detector on a NAB folder.

    python -m bench.logo --nab-dir DIR [--groups G,G,...] [--out bench/results_logo.json]

``DIR`` is a NAB checkout (:mod:`bench.nab`); the README's three groups are read unless
``--groups`` names others. NAB's data folder has groups (``data/<group>/``). For each group in
turn, the tuned
parameters (a small grid, :data:`GRID`) and the threshold are chosen on the *other* groups
(best NAB standard score there), and the held-out group is scored with them — at that
threshold, as a deployment would. The held-out score with NAB's own best threshold (an
oracle) is reported beside it for the labelled groups. The headline is the mean over the
*labelled* held-out groups. A group without labelled windows has no NAB normalisation
(null = perfect); its false alarms are normalised as if it had the corpus's windows per
file (:func:`bench.nab.nab_score`'s ``nominal_windows``), so it scores 100 without a false
alarm — reported on its own row, never in the mean.

The defaults are then scored on all files under all three profiles. Files are scored the
way ``tars-ci anomaly-score --sort`` scores them (time grid, streaming), in-process.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench import nab
from bench.measure import BenchError
from tars_ci.analysis.anomaly import score
from tars_ci.analysis.anomaly.stream import StreamScorer
from tars_ci.reports.jsonio import write_json
from tars_ci.spec.model import AnomalySettings

HERE = Path(__file__).resolve().parent
#: The parameters tuned in each fold, and the values tried (the defaults are among them).
GRID: dict[str, tuple[float, ...]] = {
    "scale_alpha": (0.02, 0.03, 0.05),
    "tail_z": (3.5, 4.0, 4.5),
    "refractory_decay": (0.97, 0.98, 0.99),
    "novelty_hours": (24.0, 72.0, 168.0),
    "novelty_weight": (1.0, 2.0, 3.0),  # 1: no novelty test
}


def score_file(f: nab.NabFile, settings: AnomalySettings) -> np.ndarray:
    """The anomaly scores of one file, as ``anomaly-score --sort`` computes them."""
    step = float(np.median(np.diff(f.timestamps)[np.diff(f.timestamps) > 0]))
    scorer = StreamScorer(settings, step, lambda grid: score(grid, settings, step).score)
    order = np.argsort(f.timestamps, kind="stable")
    out = np.empty(len(order))
    out[order] = scorer.push(f.timestamps[order], f.values[order])
    return out


def candidates(base: AnomalySettings) -> list[AnomalySettings]:
    """Every combination of :data:`GRID` around ``base``."""
    names = list(GRID)
    return [dataclasses.replace(base, **dict(zip(names, values)))
            for values in itertools.product(*(GRID[n] for n in names))]


def evaluate(corpus: nab.Corpus, base: AnomalySettings) -> dict[str, Any]:
    """The fold table and the all-files scores of ``base``."""
    grid = candidates(base)
    scored = [[score_file(f, s) for f in corpus.files] for s in grid]
    standard = corpus.costs["standard"]
    per_file = sum(len(f.windows) for f in corpus.files) / len(corpus.files)

    def part(k: int, keep: Sequence[bool]) -> tuple[list[nab.NabFile], list[np.ndarray]]:
        return ([f for f, on in zip(corpus.files, keep) if on],
                [s for s, on in zip(scored[k], keep) if on])

    folds = []
    for group in corpus.groups():
        held = [f.group == group for f in corpus.files]
        train = [not h for h in held]
        results = [nab.nab_score(*part(k, train), standard) for k in range(len(grid))]
        best = max(range(len(grid)), key=lambda k: (results[k].score, k == grid.index(base)))
        files, scores = part(best, held)
        out = nab.nab_score(files, scores, standard, threshold=results[best].threshold,
                            nominal_windows=per_file * len(files))
        oracle = nab.nab_score(files, scores, standard) if out.windows else None
        folds.append({
            "held_out": group, "files": len(files), "windows": out.windows,
            "params": {n: getattr(grid[best], n) for n in GRID},
            "train_score": results[best].score, "threshold": results[best].threshold,
            "held_out_score": out.score, "detected": out.detected,
            "false_positives": out.false_positives,
            "held_out_oracle_score": oracle.score if oracle else None,
        })
    defaults = scored[grid.index(base)]
    profiles = {}
    for name in nab.PROFILES:
        r = nab.nab_score(corpus.files, defaults, corpus.costs[name])
        profiles[name] = {"score": r.score, "threshold": r.threshold, "detected": r.detected,
                          "windows": r.windows, "false_positives": r.false_positives}
    at_default = nab.nab_score(corpus.files, defaults, standard, threshold=base.threshold)
    return {
        "grid": {n: list(v) for n, v in GRID.items()},
        "folds": folds,
        "mean_held_out_labelled": float(np.mean([f["held_out_score"] for f in folds
                                                  if f["windows"]])),
        "all_files": profiles,
        "all_files_at_default_threshold": {
            "threshold": base.threshold, "score": at_default.score,
            "detected": at_default.detected, "false_positives": at_default.false_positives},
    }


def table(result: dict[str, Any]) -> str:
    """The README's tables."""
    lines = ["| held-out group | files | windows | tuned on the others | threshold | "
             "held-out score | found | false alarms | held-out, NAB's best threshold |",
             "|---|---:|---:|---|---:|---:|---:|---:|---:|"]
    labelled = [f for f in result["folds"] if f["windows"]]
    for f in labelled + [f for f in result["folds"] if not f["windows"]]:
        params = ", ".join(f"{k} {v:g}" for k, v in f["params"].items())
        oracle = ("—" if f["held_out_oracle_score"] is None
                  else f"{f['held_out_oracle_score']:.1f}")
        lines.append(f"| {f['held_out']} | {f['files']} | {f['windows']} | {params} | "
                     f"{f['threshold']:.3f} | {f['held_out_score']:.1f} | "
                     f"{f['detected']}/{f['windows']} | {f['false_positives']} | {oracle} |")
        if f is labelled[-1]:
            lines.append(f"| **mean of the labelled folds** | | | | | "
                         f"**{result['mean_held_out_labelled']:.1f}** | | | |")
    lines += ["", "| profile | all files (defaults) | best threshold | found | false alarms |",
              "|---|---:|---:|---:|---:|"]
    for name, r in result["all_files"].items():
        lines.append(f"| {name} | {r['score']:.1f} | {r['threshold']:.3f} | "
                     f"{r['detected']}/{r['windows']} | {r['false_positives']} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nab-dir", type=Path, required=True,
                        help="a NAB checkout (git clone https://github.com/numenta/NAB) or its "
                             "data folder")
    parser.add_argument("--groups", default=",".join(nab.GROUPS),
                        help="comma-separated NAB groups (default: the README's three)")
    parser.add_argument("--out", type=Path, default=HERE / "results_logo.json")
    args = parser.parse_args(argv)
    try:
        corpus = nab.load(args.nab_dir, [g for g in args.groups.split(",") if g])
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = evaluate(corpus, AnomalySettings())
    print(table(result))
    write_json(args.out, {"benchmark": "anomaly detector, leave-one-group-out on NAB",
                          **result})
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
