"""``python -m bench.child KIND …``: one measured configuration in a fresh process.

Kinds: ``analysis METHOD SERIES REPEAT``, ``scorer SERIES REPEAT`` (pinned to one CPU) and
``run ARGS…`` (``tars-ci ARGS…`` in this process). Each prints one JSON line, including the
process's peak RSS (see :mod:`bench.measure`).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def main(argv: list[str]) -> int:
    """Dispatch on the kind; print the answer as one JSON line."""
    kind, args = argv[0], argv[1:]
    answer: dict[str, Any]
    if kind == "analysis":
        from bench.analysis import measure

        answer = measure(args[0], int(args[1]), int(args[2]))
    elif kind == "scorer":
        from bench.scorer import measure as measure_scorer

        answer = measure_scorer(int(args[0]), int(args[1]))
    elif kind == "run":
        from bench.measure import peak_rss
        from tars_ci.cli import main as tars_ci

        code = tars_ci(args, dict(os.environ))
        answer = {"exit": code, "peak_rss": peak_rss()}
    else:
        raise SystemExit(f"unknown kind {kind!r}")
    print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
