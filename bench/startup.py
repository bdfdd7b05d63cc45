"""Benchmark 4, CLI start-up: ``tars-ci --help`` against ``python -c pass``.

The two commands alternate, ``repeat`` times each, and the median wall time of each is
kept (start-up times have a long right tail; the median ignores it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.measure import median


def commands() -> dict[str, list[str]]:
    """The commands, by label: the installed console script and bare Python. The script is
    the one beside this interpreter (the virtualenv need not be on PATH), else PATH's."""
    here = Path(sys.executable).parent
    tars_ci = shutil.which("tars-ci", path=os.pathsep.join([str(here), os.environ.get("PATH", "")]))
    return {"tars-ci --help": [tars_ci, "--help"] if tars_ci else
            [sys.executable, "-m", "tars_ci", "--help"],
            "python -c pass": [sys.executable, "-c", "pass"]}


def measure(repeat: int) -> dict[str, Any]:
    """Median wall seconds of each command over ``repeat`` alternating runs."""
    runs: dict[str, list[float]] = {name: [] for name in commands()}
    for _ in range(repeat):
        for name, command in commands().items():
            start = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           check=True)
            runs[name].append(time.perf_counter() - start)
    tars_ci, bare = median(runs["tars-ci --help"]), median(runs["python -c pass"])
    return {"repeat": repeat, "tars_ci_seconds": tars_ci, "python_seconds": bare,
            "ratio": tars_ci / bare}
