"""Fixtures of the source tests: the real-Prometheus harness, and the source's log."""

import logging
from collections.abc import Iterator

import pytest

from tests.harness.fixtures import (  # noqa: F401
    demo_prometheus,
    demo_victoriametrics,
    faults_prometheus,
    faults_victoriametrics,
    prometheus_server_for,
)


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Records of the source's logger, even when a CLI run in this process stopped the
    ``tars_ci`` logger from propagating to the root logger."""
    logger = logging.getLogger("tars_ci.sources.prometheus")
    level = logger.level
    logger.addHandler(caplog.handler)
    logger.setLevel(logging.DEBUG)
    yield caplog
    logger.removeHandler(caplog.handler)
    logger.setLevel(level)
