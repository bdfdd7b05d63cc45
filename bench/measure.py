"""How the benchmarks measure: wall and CPU clocks, peak RSS, and one child per configuration.

Every configuration whose memory is reported runs in a fresh ``python -m bench.child``
process, which reads its own peak resident set size (``VmHWM`` in ``/proc/self/status``) at
the end and prints one JSON line. ``VmHWM`` belongs to the child's own address space, so,
unlike ``ru_maxrss`` of a child, it cannot include the parent's memory at fork time, and
sizes measured one after another do not pollute each other.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class BenchError(RuntimeError):
    """A benchmark could not run (a child failed, a tool is missing)."""


def status_bytes(field: str) -> int:
    """A ``kB`` field of ``/proc/self/status`` (``VmHWM``, ``VmRSS``) in bytes; 0 if absent."""
    try:
        text = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    return 0


def peak_rss() -> int:
    """This process's peak resident set size in bytes."""
    return status_bytes("VmHWM")


def timed(body: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    body()
    return time.perf_counter() - wall, time.process_time() - cpu


def child(kind: str, args: Sequence[str], timeout: float = 900.0,
          env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Run ``python -m bench.child KIND ARGS…`` from the repository root; its JSON answer."""
    command = [sys.executable, "-m", "bench.child", kind, *args]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          check=False, env=dict(env) if env is not None else None)
    if done.returncode != 0:
        raise BenchError(f"{' '.join(command[2:])} failed ({done.returncode}): "
                         f"{done.stderr.strip()[-2000:]}")
    lines = done.stdout.strip().splitlines()
    if not lines:
        raise BenchError(f"{' '.join(command[2:])} printed nothing: {done.stderr[-500:]}")
    answer: dict[str, Any] = json.loads(lines[-1])
    return answer


def median(values: Sequence[float]) -> float:
    """The median of ``values``."""
    return float(statistics.median(values))


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child: this one plus ``extra``."""
    return {**os.environ, **extra}
