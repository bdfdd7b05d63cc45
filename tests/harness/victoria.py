"""A real VictoriaMetrics (single node, Debian package ``victoria-metrics``) over a generated
scenario: the second Prometheus-API backend of the tests. Plain Python, usable from bench/::

    from tests.harness.victoria import victoriametrics_for

    with victoriametrics_for("demo") as server:     # free 127.0.0.1 port, data imported
        print(server.url)

The scenario's samples go in through VictoriaMetrics' JSON-lines import API
(``/api/v1/import``: one line per series, values with millisecond timestamps), with exactly
the samples the Prometheus harness backfills (a histogram's scrape is all its buckets or
none, as in :mod:`tars_ci.scenario.openmetrics`), then ``/internal/force_flush`` makes them
searchable at once. Retention is 100 years (scenarios lie in the past) and the server logs
only errors. Each server has its own data directory, removed afterwards.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import httpx
import numpy as np

from tars_ci.scenario.catalog import scenario
from tars_ci.scenario.samples import SampleSet, Series, generate
from tars_ci.scenario.tsdb import (
    HarnessError,
    _with_parent_death_signal,
    free_port,
    stop_process,
    tail,
)

if TYPE_CHECKING:
    from typing_extensions import Self

BINARY = "victoria-metrics"
INSTALL = "sudo apt-get install victoria-metrics"


def missing_reason() -> str | None:
    """Why a VictoriaMetrics server cannot be started here (None when it can)."""
    if shutil.which(BINARY) is None:
        return (f"{BINARY} is not installed (Debian package `victoria-metrics`; the README "
                "test command installs it)")
    return None


def import_lines(samples: SampleSet) -> Iterator[bytes]:
    """The samples as VictoriaMetrics JSON lines; NaN (no scrape) is left out, and a
    histogram keeps only the scrapes where every one of its series has a sample."""
    times_ms = np.rint(samples.times * 1000).astype(np.int64)
    keep: dict[tuple[str, tuple[tuple[str, str], ...]], np.ndarray] = {}
    groups: dict[tuple[str, tuple[tuple[str, str], ...]], list[Series]] = defaultdict(list)
    for s in samples.series:
        if s.kind == "histogram":
            groups[(s.family, tuple(kv for kv in s.labels if kv[0] != "le"))].append(s)
    for key, members in groups.items():
        keep[key] = np.all(np.isfinite(np.vstack([m.values for m in members])), axis=0)
    for s in samples.series:
        present = np.isfinite(s.values)
        if s.kind == "histogram":
            present &= keep[(s.family, tuple(kv for kv in s.labels if kv[0] != "le"))]
        if not present.any():
            continue
        metric = {"__name__": s.name, **dict(s.labels)}
        line = {"metric": metric, "values": s.values[present].tolist(),
                "timestamps": times_ms[present].tolist()}
        yield json.dumps(line, separators=(",", ":")).encode() + b"\n"


class VictoriaMetricsServer:
    """``victoria-metrics`` on 127.0.0.1 over ``data``; a context manager."""

    def __init__(self, data: Path, port: int | None = None, ready_timeout: float = 30.0) -> None:
        self.data = data
        self.port = port or free_port()
        self.ready_timeout = ready_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._log = data.parent / f"{data.name}.log"

    @property
    def url(self) -> str:
        """Base URL of the Prometheus-compatible API."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> VictoriaMetricsServer:
        """Start and wait for ``/health``; HarnessError with the log tail when it fails."""
        binary = shutil.which(BINARY)
        if binary is None:
            raise HarnessError(f"{BINARY} not found on PATH; {INSTALL}")
        args = [binary, f"-storageDataPath={self.data}",
                f"-httpListenAddr=127.0.0.1:{self.port}", "-retentionPeriod=100y",
                "-loggerLevel=ERROR"]
        with open(self._log, "ab") as log:
            self._process = subprocess.Popen(_with_parent_death_signal(args), stdout=log,
                                             stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + self.ready_timeout
        with httpx.Client(timeout=1.0) as client:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    raise HarnessError(f"victoria-metrics exited ({self._process.returncode}): "
                                       f"{self.log_tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(f"{self.url}/health").status_code == 200:
                        return self
                time.sleep(0.05)
        self.stop()
        raise HarnessError(f"victoria-metrics not ready after {self.ready_timeout}s: "
                           f"{self.log_tail()}")

    def load(self, samples: SampleSet, batch: int = 200) -> int:
        """Import ``samples``, flush, and return how many samples went in."""
        lines = list(import_lines(samples))
        with httpx.Client(timeout=120.0) as client:
            for i in range(0, len(lines), batch):
                r = client.post(f"{self.url}/api/v1/import", content=b"".join(lines[i:i + batch]))
                if r.status_code != 204:
                    raise HarnessError(f"import answered {r.status_code}: {r.text[:300]}")
            r = client.get(f"{self.url}/internal/force_flush")
            if r.status_code != 200:
                raise HarnessError(f"force_flush answered {r.status_code}: {r.text[:300]}")
        return sum(len(json.loads(line)["values"]) for line in lines)

    def stop(self) -> None:
        """Terminate the process (kill it after 10 s) and wait for it."""
        process, self._process = self._process, None
        stop_process(process)

    def log_tail(self, chars: int = 2000) -> str:
        """The end of the server's log."""
        return tail(self._log, chars)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


@contextmanager
def victoriametrics_for(name: str, port: int | None = None) -> Iterator[VictoriaMetricsServer]:
    """A started server holding scenario ``name``'s samples; torn down (data removed) after."""
    workdir = Path(tempfile.mkdtemp(prefix=f"tars-vm-{name}-"))
    try:
        with VictoriaMetricsServer(workdir / "data", port=port) as server:
            server.load(generate(scenario(name)))
            yield server
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
