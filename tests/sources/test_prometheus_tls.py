"""TLS and basic auth against a real Prometheus (--web.config.file), settings from the spec."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tars_ci.errors import SourceUnavailable
from tars_ci.scenario.catalog import GA
from tars_ci.scenario.tsdb import PrometheusServer
from tars_ci.sources import open_source
from tars_ci.sources.interface import Query, Samples
from tars_ci.spec import parse_spec
from tests.harness.fixtures import require_prometheus
from tests.tools import OPENSSL, require

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
# bcrypt of "test" (the example of Prometheus' basic-auth guide)
HASH = "$2b$12$hNf2lSsxfm0.i4a.1kVpSOVyBCfIB51VRjgBUyv6kdnyTlgWj81Ay"
CPU = Query("cpu_percent", '100 * avg(service_cpu_utilization_ratio{job="checkout-api"})')
NO_AUTH = "  auth:\n    type: none          # bearer: token: ${PROMETHEUS_TOKEN}\n"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = require(OPENSSL)
    d = tmp_path_factory.mktemp("tls")
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem"),
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return d / "cert.pem", d / "key.pem"


@pytest.fixture(scope="module")
def secured(certificate: tuple[Path, Path]) -> Iterator[PrometheusServer]:
    from tests.harness import prometheus_for

    require_prometheus()
    cert, key = certificate
    web = (f"tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n"
           f"basic_auth_users:\n  ci: {HASH}\n")
    with prometheus_for("faults", web_config=web, auth=("ci", "test")) as server:
        yield server


def source_from_spec(server: PrometheusServer, env: dict[str, str], source_yaml: str) -> Any:
    text = (ROOT / "config" / "tars.yaml").read_text(encoding="utf-8")
    assert NO_AUTH in text
    spec = parse_spec(text.replace(NO_AUTH, source_yaml).replace("  timeout: 30s\n",
                                                                 "  timeout: 30s\n  retries: 0\n"),
                      {"PROMETHEUS_URL": server.url, **env})
    return open_source(spec.source, ROOT)


def query(source: Any) -> Any:
    try:
        return source.range_query([CPU], GA, GA + timedelta(hours=1),
                                  timedelta(seconds=60))[CPU.name]
    finally:
        source.close()


BASIC = ("  ca_file: ${PROMETHEUS_CA}\n"
         "  auth:\n    type: basic\n    username: ci\n    password: ${PROMETHEUS_PASSWORD}\n")


def test_tls_with_the_ca_file_and_basic_auth_from_the_environment(
        secured: PrometheusServer, certificate: tuple[Path, Path]) -> None:
    assert secured.url.startswith("https://127.0.0.1:")
    source = source_from_spec(secured, {"PROMETHEUS_CA": str(certificate[0]),
                                        "PROMETHEUS_PASSWORD": "test"}, BASIC)
    result = query(source)
    assert isinstance(result, Samples) and len(result.values) == 60


def test_an_untrusted_certificate_is_refused(secured: PrometheusServer) -> None:
    no_ca = "  auth:\n    type: basic\n    username: ci\n    password: test\n"
    with pytest.raises(SourceUnavailable) as info:
        query(source_from_spec(secured, {}, no_ca))
    assert info.value.url == secured.url
    assert info.value.reason.startswith("TLS certificate not trusted ([SSL: "
                                        "CERTIFICATE_VERIFY_FAILED]")
    assert info.value.reason.endswith("; set source.ca_file to the CA that signed it")


def test_verification_can_be_turned_off(secured: PrometheusServer) -> None:
    insecure = "  tls_verify: false\n  auth:\n    type: basic\n    username: ci\n" \
               "    password: test\n"
    assert isinstance(query(source_from_spec(secured, {}, insecure)), Samples)


def test_a_wrong_password_is_reported_without_the_password(
        secured: PrometheusServer, certificate: tuple[Path, Path]) -> None:
    with pytest.raises(SourceUnavailable) as info:
        query(source_from_spec(secured, {"PROMETHEUS_CA": str(certificate[0]),
                                         "PROMETHEUS_PASSWORD": "hunter2"}, BASIC))
    assert info.value.reason == "HTTP 401 Unauthorized: Unauthorized (check source.auth)"
    assert "hunter2" not in str(info.value)
