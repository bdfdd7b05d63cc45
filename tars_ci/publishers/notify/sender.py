"""One notification POST with bounded retries; the webhook URL never leaves this module.

A 2xx is delivered. A timeout, a dropped or reset connection, a 408, a 5xx or a 429 is
retried (``retries`` times; backoff doubling from ``backoff`` seconds; a 429's
``Retry-After`` is waited instead when it is at most ``max_retry_after``, and a longer one
gives up at once, leaving the message to the next run). Any other answer (a 4xx: a revoked or
mistyped webhook, a refused payload) is not retried. The outcome is a value, never an
exception, and its text passes the redactor: httpx names the URL in some errors, and a Slack
or Teams webhook URL *is* the credential.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import httpx

from tars_ci.github.redaction import Redactor

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
RETRIED = {408, 429, 500, 502, 503, 504}


class Delivery(NamedTuple):
    """How one POST ended."""

    ok: bool
    attempts: int
    detail: str  # for people, redacted: "HTTP 200", "HTTP 503 after 3 attempts", …


class Policy(NamedTuple):
    """Retry settings of one target."""

    timeout: float = 10.0
    retries: int = 2
    max_retry_after: float = 60.0
    backoff: float = 1.0


def url_problem(url: str) -> str:
    """Why a webhook URL cannot be used ('' when it can); never repeats the URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "is not an http(s) URL"
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        return "is plain http: the URL is the credential and must travel over https"
    return ""


def redactor_for(urls: list[str]) -> Redactor:
    """A redactor for webhook URLs: the whole URL and its path and query (the secret part)."""
    parts: list[str] = []
    for url in urls:
        split = urlsplit(url)
        parts += [url, url.rstrip("/"), split.path + (f"?{split.query}" if split.query else ""),
                  split.query]
    return Redactor([p for p in parts if p and p != "/"])


def encode(payload: dict[str, Any]) -> bytes:
    """The payload as compact, deterministic UTF-8 JSON."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date or nothing: the backoff applies


class Sender:
    """POSTs JSON to webhooks with an injectable client and sleep."""

    def __init__(self, client: httpx.Client, redact: Callable[[str], str],
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.client = client
        self.redact = redact
        self.sleep = sleep

    def post(self, url: str, body: bytes, headers: dict[str, str], policy: Policy) -> Delivery:
        """POST ``body`` until a 2xx, a final answer, or the retries are spent."""
        attempts = policy.retries + 1
        last = ""
        for attempt in range(1, attempts + 1):
            wait = policy.backoff * 2 ** (attempt - 1)
            try:
                response = self.client.post(url, content=body, headers=headers,
                                            timeout=policy.timeout)
            except httpx.TimeoutException:
                last = "timed out"
            except httpx.TransportError as exc:
                last = f"connection failed ({type(exc).__name__}: {self.redact(str(exc))})"
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return Delivery(True, attempt, f"HTTP {status}")
                text = self.redact(" ".join(response.text.split())[:200])
                last = f"HTTP {status}" + (f": {text}" if text else "")
                if status not in RETRIED:
                    return Delivery(False, attempt, f"{last} (not retried)")
                if status == 429:
                    after = _retry_after(response)
                    if after is not None and after > policy.max_retry_after:
                        return Delivery(False, attempt, f"HTTP 429, Retry-After {after:.0f} s "
                                        f"is over the {policy.max_retry_after:.0f} s cap; the "
                                        "next run sends it")
                    if after is not None:
                        wait = after
            if attempt < attempts:
                self.sleep(wait)
        plural = "s" if attempts > 1 else ""
        return Delivery(False, attempts, self.redact(f"{last} after {attempts} attempt{plural}"))
