"""Fault injection: make the emulator fail the way GitHub does.

A :class:`Fault` matches requests by method and a regex on the path (without the API prefix,
e.g. ``/repos/o/r/issues``) and answers ``times`` of them with ``status``:

- ``when="before"``: instead of performing the operation (rate limits: nothing happened);
- ``when="after"``: after performing it (a 502 from a proxy after the issue was created).

Faults are plain data so another process can inject them (``POST /_emulator/faults``).
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SECONDARY_MESSAGE = ("You have exceeded a secondary rate limit. Please wait a few minutes "
                     "before you try again. If you reach out to GitHub Support for help, please "
                     "include the request ID 0000:0000:0000000:0000000:00000000.")


@dataclass
class Fault:
    """One injected failure."""

    method: str
    path: str
    status: int
    when: Literal["before", "after"] = "before"
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    times: int = 1
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault still applies to ``method path``."""
        return (self.fired < self.times and self.method == method
                and re.search(self.path, path) is not None)

    def to_json(self) -> dict[str, Any]:
        """Plain data (for the control endpoint)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        """Inverse of :meth:`to_json`."""
        return cls(**data)


def server_error_after(method: str, path: str, status: int = 502, times: int = 1) -> Fault:
    """Perform the write, then answer a gateway error (the client cannot know it landed)."""
    return Fault(method, path, status, "after", {"Content-Type": "text/html"},
                 "<html><body><h1>502 Bad Gateway</h1></body></html>", times)


def server_error(method: str, path: str, status: int = 503, times: int = 1) -> Fault:
    """Answer a server error without performing the operation."""
    return Fault(method, path, status, "before", {},
                 {"message": "Service Unavailable", "documentation_url": "https://docs.github.com"},
                 times)


def secondary_rate_limit(method: str, path: str, retry_after: int | None = None,
                         times: int = 1) -> Fault:
    """A 403 secondary rate limit (with ``Retry-After`` when given)."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return Fault(method, path, 403, "before", headers,
                 {"message": SECONDARY_MESSAGE,
                  "documentation_url": "https://docs.github.com/rest/overview/rate-limits"},
                 times)


def too_many_requests(method: str, path: str, retry_after: int = 1, times: int = 1) -> Fault:
    """A 429 with ``Retry-After`` (PyGithub raises it as a plain GithubException)."""
    return Fault(method, path, 429, "before", {"Retry-After": str(retry_after)},
                 {"message": "Too Many Requests",
                  "documentation_url": "https://docs.github.com/rest/overview/rate-limits"},
                 times)


def primary_rate_limit(method: str, path: str, reset_in: int = 2, times: int = 1) -> Fault:
    """A 403 primary rate limit: remaining 0 until ``X-RateLimit-Reset``."""
    reset = int(time.time()) + reset_in
    return Fault(method, path, 403, "before",
                 {"X-RateLimit-Remaining": "0", "X-RateLimit-Limit": "5000",
                  "X-RateLimit-Reset": str(reset), "X-RateLimit-Used": "5000"},
                 {"message": "API rate limit exceeded for installation ID 1.",
                  "documentation_url": "https://docs.github.com/rest/overview/rate-limits"},
                 times)
