"""pytest fixtures over :mod:`tests.harness`; import them into a conftest.py::

    from tests.harness.fixtures import demo_prometheus, faults_prometheus  # noqa: F401

Session-scoped servers are shared read-only; a test that stops or restarts a server takes
its own with ``prometheus_server_for("demo")``. Tests are skipped, with the reason shown by
``-ra``, when prometheus/promtool are not installed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest

from tests.harness import PrometheusServer, missing_reason, prometheus_for


def _require() -> None:
    reason = missing_reason()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def demo_prometheus() -> Iterator[PrometheusServer]:
    """A running Prometheus with the demo scenario (8 days from 2026-11-02, minus 1 h)."""
    _require()
    with prometheus_for("demo") as server:
        yield server


@pytest.fixture(scope="session")
def faults_prometheus() -> Iterator[PrometheusServer]:
    """A running Prometheus with the faults scenario (counter reset, 2-hour scrape gap)."""
    _require()
    with prometheus_for("faults") as server:
        yield server


@pytest.fixture
def prometheus_server_for() -> Callable[[str], AbstractContextManager[PrometheusServer]]:
    """A factory of private servers (``with prometheus_server_for("demo") as server:``)."""
    _require()
    return prometheus_for
