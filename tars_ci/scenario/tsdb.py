"""A real Prometheus over a scenario: promtool backfill and the server's lifecycle.

Used by the tests (tests/harness wraps it in pytest fixtures), the benchmarks and
``python -m tars_ci.scenario``. Needs ``promtool`` and ``prometheus`` on PATH (Debian package
``prometheus``). The server listens on a free 127.0.0.1 port, keeps every block (retention
100 years: retention counts from the newest block, and scenarios lie in the past) and does not
compact, so a TSDB directory can be reused and restarted.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import httpx

from tars_ci.scenario.openmetrics import write_openmetrics
from tars_ci.scenario.samples import SampleSet

if TYPE_CHECKING:
    from typing_extensions import Self

CONFIG = "global:\n  scrape_interval: 1m\n  evaluation_interval: 1m\nscrape_configs: []\n"


class HarnessError(RuntimeError):
    """promtool or prometheus failed (test and benchmark tooling, not the product)."""


def binary(name: str) -> str:
    """Absolute path of ``name`` on PATH; HarnessError explains how to install it."""
    found = shutil.which(name)
    if found is None:
        raise HarnessError(f"{name} not found on PATH; install the Debian package "
                           "`prometheus` (apt-get install -y prometheus)")
    return found


def backfill(samples: SampleSet, out_dir: Path, jobs: int = 2) -> Path:
    """Write ``samples`` as TSDB blocks into ``out_dir`` (created); returns ``out_dir``."""
    promtool = binary("promtool")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tars-om-") as tmp:
        files = write_openmetrics(samples, Path(tmp))

        def one(path: Path) -> subprocess.CompletedProcess[str]:
            return subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", "-q",
                                   str(path), str(out_dir)],
                                  capture_output=True, text=True, check=False)

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            for path, done in zip(files, pool.map(one, files)):
                if done.returncode != 0:
                    raise HarnessError(f"promtool failed on {path.name}: "
                                       f"{(done.stderr or done.stdout).strip()[-2000:]}")
    return out_dir


def _with_parent_death_signal(args: list[str]) -> list[str]:
    """``args`` run under ``setpriv --pdeathsig TERM`` (util-linux) when available: the
    server then stops when the process that started it dies, so a killed test run or
    ``serve`` never leaves a server behind."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", *args] if setpriv else args


def stop_process(process: subprocess.Popen[bytes] | None) -> None:
    """Terminate a server process (kill it after 10 s) and wait for it; None or an exited
    process: nothing to do."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def tail(log: Path, chars: int = 2000) -> str:
    """The end of a server's log ("" when it cannot be read)."""
    try:
        return log.read_text(encoding="utf-8", errors="replace")[-chars:].strip()
    except OSError:
        return ""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrometheusServer:
    """``prometheus`` serving ``tsdb`` on 127.0.0.1; a context manager; restartable."""

    def __init__(self, tsdb: Path, port: int | None = None, ready_timeout: float = 30.0,
                 web_config: str = "", auth: tuple[str, str] | None = None) -> None:
        """``web_config``: Prometheus' --web.config.file YAML (TLS, basic auth); ``auth``:
        the credentials the readiness probe sends when it sets ``basic_auth_users``."""
        self.tsdb = tsdb
        self.port = port or free_port()
        self.ready_timeout = ready_timeout
        self.web_config = web_config
        self.auth = auth
        self._process: subprocess.Popen[bytes] | None = None
        self._dir = Path(tempfile.mkdtemp(prefix="tars-prom-"))
        self._log = self._dir / "prometheus.log"

    @property
    def url(self) -> str:
        """Base URL of the HTTP API."""
        scheme = "https" if "tls_server_config" in self.web_config else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs (benchmarks read its CPU time)."""
        return self._process.pid if self.running() and self._process is not None else None

    def running(self) -> bool:
        """True while the process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> PrometheusServer:
        """Start and wait for ``/-/ready``; HarnessError with the log tail when it fails."""
        if self.running():
            return self
        config = self._dir / "prometheus.yml"
        config.write_text(CONFIG, encoding="utf-8")
        args = [binary("prometheus"), f"--config.file={config}",
                f"--storage.tsdb.path={self.tsdb}", f"--web.listen-address=127.0.0.1:{self.port}",
                "--storage.tsdb.retention.time=100y", "--storage.tsdb.min-block-duration=2h",
                "--storage.tsdb.max-block-duration=2h", "--log.level=warn"]
        if self.web_config:
            web = self._dir / "web.yml"
            web.write_text(self.web_config, encoding="utf-8")
            args.append(f"--web.config.file={web}")
        with open(self._log, "ab") as log:
            self._process = subprocess.Popen(_with_parent_death_signal(args), stdout=log,
                                             stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + self.ready_timeout
        with httpx.Client(timeout=1.0, verify=False, auth=self.auth) as client:
            while time.monotonic() < deadline:
                if not self.running():
                    raise HarnessError(f"prometheus exited ({self._process.returncode}): "
                                       f"{self.log_tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(f"{self.url}/-/ready").status_code == 200:
                        return self
                time.sleep(0.05)
        self.stop()
        raise HarnessError(f"prometheus not ready after {self.ready_timeout}s: {self.log_tail()}")

    def stop(self) -> None:
        """Terminate the process (kill it after 10 s) and wait for it."""
        process, self._process = self._process, None
        stop_process(process)

    def log_tail(self, chars: int = 2000) -> str:
        """The end of the server's log."""
        return tail(self._log, chars)

    def close(self) -> None:
        """Stop and remove the server's config and log directory."""
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
