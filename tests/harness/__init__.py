"""A real Prometheus over a generated scenario, for tests and benchmarks.

Plain Python (usable from bench/ scripts)::

    from tests.harness import prometheus_for

    with prometheus_for("demo") as server:      # backfilled TSDB, free 127.0.0.1 port
        print(server.url)                       # ready: /-/ready answered 200

Each scenario is generated and backfilled (promtool) once per process; every server gets its
own copy of the blocks in a temporary directory, so a test may stop, restart or break its
server without touching the others. pytest fixtures live in :mod:`tests.harness.fixtures`.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tars_ci.scenario.catalog import scenario
from tars_ci.scenario.samples import generate
from tars_ci.scenario.tsdb import HarnessError, PrometheusServer, backfill

__all__ = ["HarnessError", "PrometheusServer", "available", "missing_reason", "prometheus_for",
           "scenario_blocks"]

_lock = threading.Lock()
_blocks: dict[str, Path] = {}
_root: Path | None = None


def missing_reason() -> str | None:
    """Why a real Prometheus cannot be started here (None when it can)."""
    for name in ("prometheus", "promtool"):
        if shutil.which(name) is None:
            return (f"{name} is not installed (Debian package `prometheus`; the README test "
                    "command installs it)")
    return None


def available() -> bool:
    """True when prometheus and promtool are on PATH."""
    return missing_reason() is None


def _cache_root() -> Path:
    global _root
    if _root is None:
        _root = Path(tempfile.mkdtemp(prefix="tars-harness-"))
        atexit.register(shutil.rmtree, _root, True)
    return _root


def scenario_blocks(name: str) -> Path:
    """The backfilled TSDB blocks of scenario ``name`` (built once per process)."""
    with _lock:
        if name not in _blocks:
            _blocks[name] = backfill(generate(scenario(name)), _cache_root() / f"{name}-blocks")
        return _blocks[name]


@contextmanager
def prometheus_for(name: str, port: int | None = None, web_config: str = "",
                   auth: tuple[str, str] | None = None) -> Iterator[PrometheusServer]:
    """A started server over a private copy of scenario ``name``'s blocks; torn down after.

    ``web_config`` (TLS, basic auth) and ``auth`` are passed to :class:`PrometheusServer`.
    """
    blocks = scenario_blocks(name)
    workdir = Path(tempfile.mkdtemp(prefix=f"tars-{name}-", dir=_cache_root()))
    try:
        shutil.copytree(blocks, workdir / "tsdb")
        with PrometheusServer(workdir / "tsdb", port=port, web_config=web_config,
                              auth=auth) as server:
            yield server
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
