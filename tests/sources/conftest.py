"""Fixtures of the source tests: the real-Prometheus harness."""

from tests.harness.fixtures import (  # noqa: F401
    demo_prometheus,
    demo_victoriametrics,
    faults_prometheus,
    faults_victoriametrics,
    prometheus_server_for,
)
