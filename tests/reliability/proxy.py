"""A misbehaving HTTP proxy in front of a real Prometheus, on 127.0.0.1.

Each request is forwarded to the real server, or answered the way broken infrastructure
answers (a slow link, a gateway error, rate limiting, a login page, a truncated body). The
behaviour can change between runs (``proxy.mode = ...``); ``first`` limits a fault to the
first N requests, after which requests are forwarded (a transient fault).
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from typing_extensions import Self

LOGIN_PAGE = (b"<!DOCTYPE html><html><head><title>Sign in - Corp SSO</title></head>"
              b"<body><form action=/login></form></body></html>")
GATEWAY_PAGE = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"

# Rewrites a forwarded Prometheus JSON answer: (query parameters, body) -> body
Rewrite = Callable[[dict[str, str], dict[str, Any]], dict[str, Any]]


class MisbehavingProxy:
    """Forwards to ``upstream`` unless :attr:`mode` says otherwise.

    Modes: ``forward``, ``slow`` (answer after :attr:`delay` seconds), ``503``, ``502-html``,
    ``echo-auth`` (a 502 page quoting the request's ``Authorization`` header),
    ``429`` (``Retry-After: 1``), ``login-page`` (200 text/html), ``malformed`` (200
    application/json, cut JSON), ``truncated`` (headers promise more bytes than are sent,
    then the connection closes), ``rewrite`` (forward, then :attr:`rewrite` the JSON).
    """

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.mode = "forward"
        self.first: int | None = None  # only the first N requests misbehave
        self.delay = 3.0
        self.rewrite: Rewrite | None = None
        self.requests: list[str] = []
        self.authorization: list[str] = []
        self._lock = threading.Lock()
        self.errors: list[str] = []  # handler exceptions (a client that hung up, ...)
        self._server = _QuietServer(("127.0.0.1", 0), _handler(self))
        self._server.errors = self.errors
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Self:
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def behaviour(self, path: str, authorization: str) -> str:
        """The mode for this request (and count it)."""
        with self._lock:
            self.requests.append(path)
            self.authorization.append(authorization)
            if self.first is not None and len(self.requests) > self.first:
                return "forward"
            return self.mode

    def forward(self, path: str, headers: dict[str, str]) -> tuple[int, str, bytes]:
        """The real server's answer: status, content type, body."""
        conn = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            return (response.status, response.getheader("Content-Type", ""),
                    response.read())
        finally:
            conn.close()


class _QuietServer(ThreadingHTTPServer):
    """Records handler errors instead of printing tracebacks into the run's stderr."""

    daemon_threads = True
    errors: list[str]

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        self.errors.append(repr(sys.exc_info()[1]))


def _handler(proxy: MisbehavingProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            mode = proxy.behaviour(self.path, self.headers.get("Authorization", ""))
            if mode == "slow":  # by then the client has given up
                time.sleep(proxy.delay)
                self._send(504, "text/plain", b"gateway timeout\n")
            elif mode == "503":
                self._send(503, "application/json", json.dumps(
                    {"status": "error", "errorType": "unavailable",
                     "error": "too many queries in flight"}).encode())
            elif mode == "echo-auth":  # a gateway that shows the request's headers
                auth = self.headers.get("Authorization", "")
                self._send(502, "text/html", f"<html><head><title>502 Bad Gateway (request "
                           f"had Authorization: {auth})</title></head></html>".encode())
            elif mode == "502-html":
                self._send(502, "text/html", GATEWAY_PAGE)
            elif mode == "429":
                self._send(429, "text/plain", b"slow down\n", {"Retry-After": "1"})
            elif mode == "login-page":
                self._send(200, "text/html; charset=utf-8", LOGIN_PAGE)
            elif mode == "malformed":
                self._send(200, "application/json", b'{"status":"success","data":{"resultT')
            elif mode == "truncated":
                status, kind, body = proxy.forward(self.path, self._upstream_headers())
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
            else:
                status, kind, body = proxy.forward(self.path, self._upstream_headers())
                if mode == "rewrite" and proxy.rewrite is not None and status == 200:
                    params = dict(parse_qsl(urlsplit(self.path).query))
                    body = json.dumps(proxy.rewrite(params, json.loads(body))).encode()
                self._send(status, kind, body)

        def _upstream_headers(self) -> dict[str, str]:
            return {k: v for k, v in self.headers.items()
                    if k.lower() in ("authorization", "accept", "user-agent")}

        def _send(self, status: int, kind: str, body: bytes,
                  extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
