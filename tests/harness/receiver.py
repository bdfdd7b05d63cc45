"""A webhook receiver on 127.0.0.1 (real sockets) that records what it is sent and can fail.

Faults are queued per path and consumed one per request, in order::

    with Receiver() as rx:
        rx.fail("/slack", 503, 503)                 # two 503s, then 200
        rx.fail("/teams", ("status", 429, {"Retry-After": "1"}))
        rx.fail("/hook", "reset", ("sleep", 2.0))   # a reset connection, a slow answer
        rx.url("/slack")                            # http://127.0.0.1:PORT/slack

``received`` holds only requests that were answered 2xx (what a person would have seen);
``attempts`` every request that reached the handler.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, NamedTuple

from typing_extensions import Self

Fault = Any  # int status | "reset" | ("sleep", seconds) | ("status", code, headers)


class Request(NamedTuple):
    """One request as received."""

    path: str
    headers: dict[str, str]
    body: Any  # parsed JSON


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up after its timeout is expected here


class Receiver:
    """The receiver; use as a context manager."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.faults: dict[str, list[Fault]] = {}
        self.received: list[Request] = []
        self.attempts: list[Request] = []
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        """The URL of ``path`` on this receiver."""
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def fail(self, path: str, *faults: Fault) -> None:
        """Queue faults for the next requests to ``path``."""
        with self.lock:
            self.faults.setdefault(path, []).extend(faults)

    def bodies(self, path: str) -> list[Any]:
        """JSON bodies delivered (2xx) to ``path``, in order."""
        return [r.body for r in self.received if r.path == path]

    def keys(self, path: str) -> list[str]:
        """Event keys delivered to ``path`` (the X-Tars-Ci-Event-Key header)."""
        return [r.headers.get("x-tars-ci-event-key", "") for r in self.received
                if r.path == path]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        rx = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                req = Request(self.path, {k.lower(): v for k, v in self.headers.items()},
                              json.loads(raw or b"null"))
                with rx.lock:
                    rx.attempts.append(req)
                    queue = rx.faults.get(self.path, [])
                    fault = queue.pop(0) if queue else None
                status, headers = rx.status, {}
                if fault == "reset":
                    # RST instead of FIN: the client sees "connection reset by peer"
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                               struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                    return
                if isinstance(fault, tuple) and fault[0] == "sleep":
                    time.sleep(fault[1])
                elif isinstance(fault, tuple) and fault[0] == "status":
                    status, headers = fault[1], fault[2]
                elif isinstance(fault, int):
                    status = fault
                if 200 <= status < 300:
                    with rx.lock:
                        rx.received.append(req)
                body = b"ok" if 200 <= status < 300 else b"error"
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (its timeout) before the answer

        return Handler


def serve() -> Iterator[Receiver]:
    """A pytest-style generator fixture body."""
    with Receiver() as rx:
        yield rx
