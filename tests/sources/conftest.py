"""Fixtures of the source tests: the real-Prometheus harness."""

from tests.harness.fixtures import (  # noqa: F401
    demo_prometheus,
    faults_prometheus,
    prometheus_server_for,
)
