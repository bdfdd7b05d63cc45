"""The emulator's HTTP server: routing, pagination, faults, and schema validation of every body.

Serves ``http://127.0.0.1:<port><prefix>`` (prefix ``/api/v3`` by default, like GitHub
Enterprise, so clients are exercised with a ``base_url`` that has a path). Every request body
and every response body is checked against GitHub's schemas (:mod:`.schemas`); problems are
collected in :attr:`GitHubEmulator.schema_problems` and a test fixture fails on any.
Test-control endpoints live outside the prefix under ``/_emulator/`` (state, requests, faults).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit

from typing_extensions import Self

from tests.github_emulator import documents as D
from tests.github_emulator.faults import Fault
from tests.github_emulator.repo import Reply
from tests.github_emulator.schemas import SchemaBook, ValidationProblem
from tests.github_emulator.state import EmulatorState

HANDLERS = {
    "repos/get": "get_repo",
    "issues/list-for-repo": "list_issues", "issues/create": "create_issue",
    "issues/get": "get_issue", "issues/update": "update_issue",
    "issues/list-comments": "list_comments", "issues/create-comment": "create_comment",
    "issues/get-comment": "get_comment", "issues/update-comment": "update_comment",
    "issues/list-labels-on-issue": "list_issue_labels", "issues/add-labels": "add_issue_labels",
    "issues/set-labels": "set_issue_labels", "issues/remove-label": "remove_issue_label",
    "issues/list-labels-for-repo": "list_labels", "issues/create-label": "create_label",
    "issues/get-label": "get_label", "issues/update-label": "update_label",
    "pulls/list": "list_pulls", "pulls/create": "create_pull", "pulls/get": "get_pull",
    "pulls/update": "update_pull",
    "pulls/list-requested-reviewers": "list_requested_reviewers",
    "pulls/request-reviewers": "request_reviewers",
    "pulls/remove-requested-reviewers": "remove_requested_reviewers",
    "git/get-ref": "get_ref", "git/create-ref": "create_ref", "git/update-ref": "update_ref",
    "git/delete-ref": "delete_ref",
}
# Operations of the schema document that are deliberately not emulated, and why. A request
# to one answers 404 and is recorded in `unimplemented`, which the test fixture fails on, so
# tars-ci starting to call one is noticed; a test checks that every operation of the document
# is in exactly one of the two tables.
NOT_EMULATED = {
    "repos/get-content": "tars-ci commits reports/ with git, never through the contents API",
    "repos/create-or-update-file-contents": "as repos/get-content",
    "repos/get-branch": "branches are read as git refs",
    "search/issues-and-pull-requests": "issues are found by label and hidden marker, never "
                                       "by search",
    "rate-limit/get": "rate limits are read from the headers of every response",
    "checks/create": "tars-ci publishes no check runs",
    "checks/get": "as checks/create",
    "checks/update": "as checks/create",
    "repos/create-commit-status": "tars-ci sets no commit statuses",
}
WRITES = {"POST", "PATCH", "PUT", "DELETE"}

_BOOK: SchemaBook | None = None
_BOOK_LOCK = threading.Lock()


def schema_book() -> SchemaBook:
    """The shared (read-only) schema book; loading it once keeps the suite fast."""
    global _BOOK
    with _BOOK_LOCK:
        if _BOOK is None:
            _BOOK = SchemaBook()
        return _BOOK


class Logged(NamedTuple):
    """One request as the emulator saw it."""

    method: str
    path: str
    query: str
    status: int
    authenticated: bool
    op_id: str
    body: Any


class GitHubEmulator:
    """A stateful local GitHub REST emulator on 127.0.0.1 (port 0 picks a free port)."""

    def __init__(self, port: int = 0, prefix: str = "/api/v3",
                 book: SchemaBook | None = None) -> None:
        self.prefix = prefix.rstrip("/")
        self.book = book or schema_book()
        self.faults: list[Fault] = []
        self.requests: list[Logged] = []
        self.schema_problems: list[ValidationProblem] = []
        self.unimplemented: list[str] = []
        self.rate_remaining = 5000
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _make_handler(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        host = f"http://127.0.0.1:{self.port}"
        self.state = EmulatorState(D.Urls(api=host + self.prefix, html=host))
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    @property
    def url(self) -> str:
        """The API base URL to give a client (``base_url``)."""
        return self.state.urls.api

    def start(self) -> Self:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="github-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ test helpers
    def add_repo(self, full_name: str, default_branch: str = "main",
                 git_dir: str | None = None) -> None:
        """Create a repository (branch refs read from ``git_dir`` when given)."""
        with self.state.lock:
            self.state.add_repo(full_name, default_branch, git_dir)

    def add_fault(self, fault: Fault) -> Fault:
        """Inject a fault; returns it (``fault.fired`` counts how often it struck)."""
        with self.state.lock:
            self.faults.append(fault)
        return fault

    def issues(self, full_name: str, include_pulls: bool = False) -> list[dict[str, Any]]:
        """Raw issue records of a repository, by number."""
        with self.state.lock:
            repo = self.state.repos[full_name]
            return [dict(it, comments=list(it["comments"]), labels=list(it["labels"]))
                    for _, it in sorted(repo.issues.items())
                    if include_pulls or not it["pull"]]

    def pulls(self, full_name: str) -> list[dict[str, Any]]:
        """Raw pull-request records of a repository, by number."""
        with self.state.lock:
            repo = self.state.repos[full_name]
            return [dict(it, pull=dict(it["pull"])) for _, it in sorted(repo.issues.items())
                    if it["pull"]]

    def add_issue(self, full_name: str, title: str, body: str | None = None,
                  labels: tuple[str, ...] = (), login: str = "alice") -> int:
        """Create an issue directly in the state (fast seeding); returns its number."""
        with self.state.lock:
            repo = self.state.repos[full_name]
            return int(self.state._new_item(repo, login, title, body, list(labels), [])["number"])

    def set_collaborators(self, full_name: str, logins: tuple[str, ...] | None) -> None:
        """Who may be asked to review or be assigned (besides the owner); None: anyone (the
        default)."""
        with self.state.lock:
            self.state.repos[full_name].collaborators = None if logins is None else set(logins)

    def merge_pull(self, full_name: str, number: int) -> None:
        """Mark a pull request merged, as a person pressing the button would."""
        with self.state.lock:
            self.state.merge_pull(self.state.repos[full_name], number)

    def writes(self) -> list[Logged]:
        """Logged write requests (POST/PATCH/PUT/DELETE), in order."""
        return [r for r in self.requests if r.method in WRITES]

    def dump(self) -> dict[str, Any]:
        """Everything a test in another process may want to assert on."""
        with self.state.lock:
            return {
                "repos": {name: {"issues": self.issues(name, include_pulls=True),
                                 "labels": sorted(r["name"] for r in repo.labels.values())}
                          for name, repo in self.state.repos.items()},
                "requests": [r._asdict() for r in self.requests],
                "schema_problems": [p._asdict() for p in self.schema_problems],
                "unimplemented": list(self.unimplemented),
            }

    # ------------------------------------------------------------------ request handling
    def _rate_headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": str(self.rate_remaining),
                "X-RateLimit-Reset": str(int(time.time()) + 3600),
                "X-RateLimit-Used": str(5000 - self.rate_remaining),
                "X-RateLimit-Resource": "core", "X-GitHub-Request-Id": "0000:EMULATOR"}

    def _page(self, reply: Reply, path: str, query: dict[str, str]) -> Reply:
        """Slice a list reply and add GitHub's ``Link`` header (every parameter kept)."""
        items = list(reply.body)
        per_page = max(1, min(100, int(query.get("per_page", "30") or 30)))
        page = max(1, int(query.get("page", "1") or 1))
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page: page * per_page]

        def link(n: int) -> str:
            q = dict(query, page=str(n), per_page=str(per_page))
            return f"<{self.state.urls.api}{path}?{urlencode(q)}>"

        rels = []
        if page < last:
            rels += [f'{link(page + 1)}; rel="next"', f'{link(last)}; rel="last"']
        if page > 1:
            rels += [f'{link(1)}; rel="first"', f'{link(page - 1)}; rel="prev"']
        headers = dict(reply.headers or {})
        if rels:
            headers["Link"] = ", ".join(rels)
        return Reply(reply.status, chunk, headers)

    def handle(self, method: str, raw_path: str, headers: dict[str, str],
               body_bytes: bytes) -> tuple[int, dict[str, str], bytes]:
        """Serve one request; returns status, headers and body bytes."""
        split = urlsplit(raw_path)
        if split.path.startswith("/_emulator/"):
            return self._control(method, split.path, body_bytes)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        if not split.path.startswith(self.prefix + "/"):
            return self._send(404, D.error("Not Found", 404))
        path = split.path[len(self.prefix):]
        body: Any = None
        if body_bytes:
            try:
                body = json.loads(body_bytes)
            except ValueError:
                return self._send(400, D.error("Problems parsing JSON", 400))
        with self.state.lock:
            matched = self.book.match(method, path)
            login = self.state.login_for(headers.get("authorization"))
            op_id = matched[0].op_id if matched else "?"
            reply = self._dispatch(method, path, query, body, login, matched)
            self.requests.append(Logged(method, path, split.query, reply.status,
                                        login is not None, op_id, body))
            data = reply.body
            if data is not None and not isinstance(data, str) and matched:
                problems = self.book.check_response(op_id, reply.status, data)
                self.schema_problems.extend(problems)
            out_headers = {**self._rate_headers(), **(reply.headers or {})}
            return self._send(reply.status, data, out_headers)

    def _dispatch(self, method: str, path: str, query: dict[str, str], body: Any,
                  login: str | None, matched: Any) -> Reply:
        if matched is None or matched[0].op_id not in HANDLERS:
            self.unimplemented.append(f"{method} {path}")
            return Reply(404, D.error("Not Found", 404))
        op, params = matched
        if method in WRITES:
            if login is None:
                return Reply(401, D.error("Requires authentication", 401))
            problems = self.book.check_request(op.op_id, body if body is not None else {})
            if problems:
                self.schema_problems.extend(problems)
                return Reply(422, D.validation_failed(problems[0].message, "Request"))
        for fault in self.faults:
            if fault.when == "before" and fault.matches(method, path):
                fault.fired += 1
                return Reply(fault.status, fault.body, dict(fault.headers))
        repo = self.state.repos.get(f"{params.get('owner')}/{params.get('repo')}")
        if repo is None:
            return Reply(404, D.error("Not Found", 404))
        handler = getattr(self.state, HANDLERS[op.op_id])
        reply: Reply = handler(repo=repo, params=params, query=query,
                               body=body if body is not None else {},
                               login=login or self.state.default_login)
        if reply.paginate:
            reply = self._page(reply, path, query)
        for fault in self.faults:
            if fault.when == "after" and reply.status < 400 and fault.matches(method, path):
                fault.fired += 1
                return Reply(fault.status, fault.body, dict(fault.headers))
        return reply

    def _send(self, status: int, data: Any,
              headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        out = dict(headers or {})
        if data is None:
            return status, out, b""
        if isinstance(data, str):
            out.setdefault("Content-Type", "text/html")
            return status, out, data.encode()
        out["Content-Type"] = "application/json; charset=utf-8"
        return status, out, json.dumps(data).encode()

    def _control(self, method: str, path: str,
                 body_bytes: bytes) -> tuple[int, dict[str, str], bytes]:
        """``GET /_emulator/state``; ``POST /_emulator/faults``; ``POST /_emulator/repos``;
        ``POST /_emulator/merge`` (``{"repo", "number"}``)."""
        payload = json.loads(body_bytes) if body_bytes else {}
        if method == "GET" and path == "/_emulator/state":
            return self._send(200, self.dump())
        if method == "POST" and path == "/_emulator/faults":
            self.add_fault(Fault.from_json(payload))
            return self._send(201, {"ok": True})
        if method == "POST" and path == "/_emulator/repos":
            self.add_repo(payload["full_name"], payload.get("default_branch", "main"),
                          payload.get("git_dir"))
            return self._send(201, {"ok": True})
        if method == "POST" and path == "/_emulator/merge":
            self.merge_pull(payload["repo"], int(payload["number"]))
            return self._send(200, {"ok": True})
        return self._send(404, {"message": "unknown control endpoint"})


def _make_handler(emulator: GitHubEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body are separate writes; without this, Nagle's algorithm and
            # delayed ACKs add ~40 ms to every keep-alive request.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if len(body) < length:  # the client died mid-body (a killed run): a real
                self.close_connection = True  # server drops the request unanswered
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, out, data = emulator.handle(self.command, self.path, headers, body)
            self.send_response(status)
            for k, v in out.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if data:
                self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet: tests assert on emulator.requests instead

    return Handler
