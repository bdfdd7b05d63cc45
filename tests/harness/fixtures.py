"""pytest fixtures over :mod:`tests.harness`; import them into a conftest.py::

    from tests.harness.fixtures import demo_prometheus, faults_prometheus  # noqa: F401

Session-scoped servers are shared read-only; a test that stops or restarts a server takes
its own with ``prometheus_server_for("demo")``. When prometheus/promtool are not installed,
:func:`require_prometheus` fails the test under ``CI=true`` and skips it elsewhere, with the
reason and the install command (:mod:`tests.tools`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest

from tests.harness import PrometheusServer, missing_reason, prometheus_for
from tests.tools import PROMETHEUS, unavailable


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


@pytest.fixture
def prometheus_server_for() -> Callable[[str], AbstractContextManager[PrometheusServer]]:
    """A factory of private servers (``with prometheus_server_for("demo") as server:``)."""
    require_prometheus()
    return prometheus_for
