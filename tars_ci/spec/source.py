"""The metrics source of a spec: where the series come from and how to ask for them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from tars_ci.spec.fields import Secret, doc


@dataclass(frozen=True)
class Auth:
    """Credentials for the metrics source; values usually come from `${ENV}`."""

    type: Literal["none", "bearer", "basic"] = field(default="none", metadata=doc("Auth scheme."))
    token: Secret = field(default=Secret(""), metadata=doc("Bearer token (type bearer)."))
    username: str = field(default="", metadata=doc("User name (type basic)."))
    password: Secret = field(default=Secret(""), metadata=doc("Password (type basic)."))

    def problems(self) -> list[tuple[str, str]]:
        if self.type == "bearer" and not self.token:
            return [("token", "is required when type is bearer")]
        if self.type == "basic" and not self.username:
            return [("username", "is required when type is basic")]
        return []


@dataclass(frozen=True)
class Header:
    """One extra HTTP header sent to the metrics source."""

    name: str = field(metadata=doc("Header name."))
    value: Secret = field(metadata=doc("Header value (never logged)."))


@dataclass(frozen=True)
class SourceSpec:
    """Where metrics come from."""

    kind: Literal["prometheus", "replay"] = field(
        default="prometheus",
        metadata=doc("`prometheus`: the Prometheus HTTP API (also Thanos, Mimir, "
                     "VictoriaMetrics). `replay`: a recorded file (see README, replay format)."),
    )
    url: str = field(default="", metadata=doc("Prometheus base URL, e.g. `${PROMETHEUS_URL}`."))
    path: str = field(default="", metadata=doc("Replay file, relative to the spec's directory."))
    step: timedelta = field(default=timedelta(seconds=60),
                            metadata=doc("Range-query resolution."))
    timeout: timedelta = field(default=timedelta(seconds=30),
                               metadata=doc("Per-request timeout."))
    retries: int = field(default=3, metadata=doc("Retries on connect errors, 5xx and 429.",
                                                  minimum=0, maximum=10))
    concurrency: int = field(default=4, metadata=doc("Requests in flight at once.",
                                                      minimum=1, maximum=64))
    tls_verify: bool = field(default=True, metadata=doc("Verify the server's TLS certificate."))
    ca_file: str = field(default="", metadata=doc("CA bundle for TLS verification."))
    auth: Auth = field(default_factory=Auth, metadata=doc("Authentication."))
    headers: tuple[Header, ...] = field(
        default=(), metadata=doc("Extra headers, as a mapping name → value.", keyed="name"))

    def problems(self) -> list[tuple[str, str]]:
        out = []
        if self.kind == "prometheus":
            if not self.url:
                out.append(("url", "is required when kind is prometheus"))
            elif not re.match(r"^https?://[^\s/]+", self.url):
                out.append(("url", f"must be an http(s) URL, got {self.url!r}"))
        if self.kind == "replay" and not self.path:
            out.append(("path", "is required when kind is replay"))
        if self.step <= timedelta(0):
            out.append(("step", "must be positive"))
        if self.timeout <= timedelta(0):
            out.append(("timeout", "must be positive"))
        return out
