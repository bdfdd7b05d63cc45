"""pytest fixtures over :mod:`tests.harness`; import them into a conftest.py::

    from tests.harness.fixtures import demo_prometheus, faults_prometheus  # noqa: F401

(and ``error_burst_prometheus``, ``latency_step_prometheus``,
``latency_recovery_prometheus``, ``noise_prometheus``: the verdict scenarios). The
VictoriaMetrics servers (``demo_victoriametrics``, ``faults_victoriametrics``) are shared the
same way.

Session-scoped servers are shared read-only; a test that stops or restarts a server takes
its own with ``prometheus_server_for("demo")``. When prometheus/promtool are not installed,
:func:`require_prometheus` fails the test under ``CI=true`` and skips it elsewhere, with the
reason and the install command (:mod:`tests.tools`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest

from tests.harness import PrometheusServer, missing_reason, prometheus_for, victoria
from tests.harness.victoria import VictoriaMetricsServer, victoriametrics_for
from tests.tools import PROMETHEUS, VICTORIA_METRICS, unavailable


def require_prometheus() -> None:
    """Fail (CI) or skip the test when prometheus/promtool are not on PATH."""
    reason = missing_reason()
    if reason:
        unavailable(reason, PROMETHEUS.install)


@pytest.fixture(scope="session")
def demo_prometheus() -> Iterator[PrometheusServer]:
    """A running Prometheus with the demo scenario (8 days from 2026-11-02, minus 1 h)."""
    require_prometheus()
    with prometheus_for("demo") as server:
        yield server


@pytest.fixture(scope="session")
def faults_prometheus() -> Iterator[PrometheusServer]:
    """A running Prometheus with the faults scenario (counter reset, 2-hour scrape gap)."""
    require_prometheus()
    with prometheus_for("faults") as server:
        yield server


@pytest.fixture(scope="session")
def error_burst_prometheus() -> Iterator[PrometheusServer]:
    """A running Prometheus with the error_burst scenario (8 % errors, day 5 13:00–16:00)."""
    require_prometheus()
    with prometheus_for("error_burst") as server:
        yield server


@pytest.fixture(scope="session")
def latency_step_prometheus() -> Iterator[PrometheusServer]:
    """A running Prometheus with the latency_step scenario (p95/p99 up from day 3 on)."""
    require_prometheus()
    with prometheus_for("latency_step") as server:
        yield server


@pytest.fixture(scope="session")
def latency_recovery_prometheus() -> Iterator[PrometheusServer]:
    """A running Prometheus with the latency_recovery scenario (p95/p99 up on days 2–3)."""
    require_prometheus()
    with prometheus_for("latency_recovery") as server:
        yield server


@pytest.fixture(scope="session")
def noise_prometheus() -> Iterator[PrometheusServer]:
    """A running Prometheus with the noise scenario (day-to-day wobble only)."""
    require_prometheus()
    with prometheus_for("noise") as server:
        yield server


def require_victoriametrics() -> None:
    """Fail (CI) or skip the test when victoria-metrics is not on PATH."""
    reason = victoria.missing_reason()
    if reason:
        unavailable(reason, VICTORIA_METRICS.install)


@pytest.fixture(scope="session")
def demo_victoriametrics() -> Iterator[VictoriaMetricsServer]:
    """A running VictoriaMetrics holding the demo scenario (imported through its API)."""
    require_victoriametrics()
    with victoriametrics_for("demo") as server:
        yield server


@pytest.fixture(scope="session")
def faults_victoriametrics() -> Iterator[VictoriaMetricsServer]:
    """A running VictoriaMetrics holding the faults scenario (counter reset, scrape gap)."""
    require_victoriametrics()
    with victoriametrics_for("faults") as server:
        yield server


@pytest.fixture
def prometheus_server_for() -> Callable[[str], AbstractContextManager[PrometheusServer]]:
    """A factory of private servers (``with prometheus_server_for("demo") as server:``)."""
    require_prometheus()
    return prometheus_for
