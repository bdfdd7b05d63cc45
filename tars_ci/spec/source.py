"""The metrics source of a spec: where the series come from and how to ask for them.

Long-term stores that speak the Prometheus HTTP API differ in a few ways that change what a
range query returns; they are settings of the one Prometheus source (``backend``), not
separate sources. README, "Backends", says what each setting does and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

Backend = Literal["prometheus", "thanos", "mimir", "victoriametrics"]

# Most points per series one range query may return: Prometheus' engine (and so Thanos' and
# Mimir's) refuses more than 11,000; VictoriaMetrics' -search.maxPointsPerTimeseries is 30,000.
MAX_POINTS: dict[Backend, int] = {"prometheus": 11_000, "thanos": 11_000, "mimir": 11_000,
                                  "victoriametrics": 30_000}
# Mimir tenant IDs: at most 150 of these characters, not "." or ".." (Mimir's docs, "About
# tenant IDs"); "|" joins several for a federated query.
_TENANT = re.compile(r"^[A-Za-z0-9!_.*'()-]{1,150}$")
TENANT_HEADER = "X-Scope-OrgID"

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
    backend: Backend = field(default="prometheus", metadata=doc(
        "Which server answers the Prometheus API (kind prometheus); each one's quirks are "
        "handled (README, \"Backends\"). `prometheus` fits any other compatible server."))
    tenant: Secret = field(default=Secret(""), metadata=doc(
        "Mimir/Cortex tenant, sent as `X-Scope-OrgID` (e.g. `${MIMIR_TENANT}`; never "
        "logged); several joined with `|` (`team-a|team-b`) query them together (the server "
        "needs tenant federation). Backend mimir only."))
    partial_response: bool | None = field(default=None, metadata=doc(
        "Thanos: accept answers that miss a store (`partial_response=true`). `null`/false: a "
        "store that cannot answer fails the query instead of silently shrinking it. When "
        "true, the stretch of every answer that came with a warning counts as not covered "
        "(and is fetched a day at a time, so one bad store costs one day, not the week). "
        "Backend thanos only."))
    dedup: bool | None = field(default=None, metadata=doc(
        "Thanos: merge the series of HA replicas (`dedup`); `null`: true. Backend thanos "
        "only."))
    align: bool | None = field(default=None, metadata=doc(
        "Step-align range queries: `start` and `end` become multiples of `step`, so samples "
        "fall on k·step (days are still cut exactly at their windows). The query frontends "
        "of Mimir and Thanos cache only aligned ranges, and VictoriaMetrics shifts unaligned "
        "ones for its cache. `null`: on for thanos, mimir and victoriametrics, off for "
        "prometheus (samples then fall on GA + k·step). A replay of an aligned recording "
        "needs `align: true` too."))
    max_points: int | None = field(default=None, metadata=doc(
        "Most points per series in one request (longer windows are split); `null`: 11,000 "
        "(Prometheus, Thanos, Mimir), 30,000 (VictoriaMetrics). Lower it to match a lower "
        "server limit.", minimum=2, maximum=1_000_000))

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
        return out + self._backend_problems()

    def _backend_problems(self) -> list[tuple[str, str]]:
        out = []
        if self.tenant and self.backend != "mimir":
            out.append(("tenant", f"is a Mimir/Cortex setting (backend mimir), not for "
                                  f"backend {self.backend}; send another server's tenant "
                                  "header with source.headers"))
        elif self.tenant:
            tenants = str(self.tenant).split("|")
            if any(not _TENANT.match(t) or t in (".", "..") for t in tenants):
                # the value may be a secret: say what is wrong, never what it is
                out.append(("tenant", "each tenant ID (several joined with `|`) must be 1-150 "
                                      "of the characters A-Z a-z 0-9 ! - _ . * ' ( ) and not "
                                      "`.` or `..`"))
            if len(set(tenants)) != len(tenants):
                out.append(("tenant", "names a tenant twice"))
        for name in ("partial_response", "dedup"):
            if getattr(self, name) is not None and self.backend != "thanos":
                out.append((name, f"is a Thanos setting (backend thanos), not for backend "
                                  f"{self.backend}"))
        if any(h.name.lower() == TENANT_HEADER.lower() for h in self.headers) and self.tenant:
            out.append(("headers", f"sets {TENANT_HEADER} and so does source.tenant: keep "
                                   "one"))
        if self.max_points is not None and self.max_points < 2:
            out.append(("max_points", "must be at least 2"))
        return out

    @property
    def aligned(self) -> bool:
        """Whether range queries are step-aligned (``align``, or the backend's default)."""
        return self.align if self.align is not None else self.backend != "prometheus"

    @property
    def points_per_request(self) -> int:
        """Most points per series in one range request."""
        return self.max_points or MAX_POINTS[self.backend]

    @property
    def day_chunks(self) -> bool:
        """Whether windows are fetched a day at a time (Thanos with partial responses on, so a
        partial answer marks one day, not the whole program)."""
        return self.backend == "thanos" and bool(self.partial_response)
