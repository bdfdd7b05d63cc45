"""The emulator itself: GitHub's shapes, pagination, validation, faults, a separate process,
and every operation of its schema document either served or deliberately not."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from openapi_schema_validator import OAS30Validator

from tars_ci.github.client import GitHubClient
from tars_ci.github.issues import IssueSettings, list_marked
from tars_ci.github.markers import finding_marker
from tests.github.conftest import REPO, TOKEN
from tests.github_emulator import GitHubEmulator, documents, schemas
from tests.github_emulator.server import HANDLERS, NOT_EMULATED
from tests.github_emulator.state import EmulatorState
from tests.harness.git import git

pytestmark = pytest.mark.integration
AUTH = {"Authorization": f"token {TOKEN}"}
REL = IssueSettings("rel", "rel", ("P0", "P1"), (), (), 2)


def test_a_response_that_breaks_githubs_schema_is_caught(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    real = documents.label

    def broken(*args: Any) -> dict[str, Any]:
        doc = real(*args)
        del doc["color"]
        return doc

    monkeypatch.setattr(documents, "label", broken)
    with GitHubEmulator() as gh:
        gh.add_repo(REPO)
        r = httpx.post(f"{gh.url}/repos/{REPO}/labels", headers=AUTH,
                       json={"name": "x", "color": "ffffff"})
        assert r.status_code == 201
        assert [(p.op_id, p.where, p.message) for p in gh.schema_problems] == [
            ("issues/create-label", "response 201", "<root>: 'color' is a required property")]


def test_a_request_that_breaks_githubs_schema_is_refused(emulator: GitHubEmulator) -> None:
    r = httpx.post(f"{emulator.url}/repos/{REPO}/issues", headers=AUTH,
                   json={"title": "t", "labels": "not-a-list"})
    assert r.status_code == 422
    assert r.json()["message"] == "Validation Failed"
    assert [(p.op_id, p.where) for p in emulator.schema_problems] == [
        ("issues/create", "request")]
    emulator.schema_problems.clear()  # expected here; the fixture checks the rest


def test_a_request_whose_client_died_mid_body_is_dropped(emulator: GitHubEmulator) -> None:
    """A killed run can leave half a request body on the wire: GitHub never acts on it, and
    neither does the emulator (no issue, no schema problem for the half document)."""
    host, port = httpx.URL(emulator.url).host, httpx.URL(emulator.url).port or 80
    body = json.dumps({"title": "t", "body": "x" * 200}).encode()
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(f"POST {httpx.URL(emulator.url).path}/repos/{REPO}/issues HTTP/1.1\r\nHost: {host}\r\n"
                     f"Authorization: token {TOKEN}\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:40])
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(1024) == b""  # closed unanswered
    r = httpx.get(f"{emulator.url}/repos/{REPO}/issues", headers=AUTH, params={"state": "all"})
    assert r.status_code == 200 and r.json() == []
    assert emulator.schema_problems == []


def test_pagination_finds_the_marker_on_the_last_page(
        emulator: GitHubEmulator, make_client: Callable[..., GitHubClient]) -> None:
    client = make_client()
    marker = finding_marker("rel", "k:degradation")
    mine = client.repo.create_issue("same title", f"{marker}\nbody",
                                    labels=["tars-ci", "release/rel"])
    for i in range(230):
        emulator.add_issue(REPO, f"noise {i}", "x", ("tars-ci", "release/rel"))
    client.repo.create_issue("same title", "no marker: not ours", labels=["release/rel"])
    marked = list_marked(client, REL)
    assert [i.number for i in marked["k:degradation"]] == [mine.number]
    pages = [r for r in emulator.requests if r.method == "GET" and r.path.endswith("/issues")]
    assert [dict(parse_qsl(r.query)) for r in pages] == [
        {"state": "all", "labels": "release/rel", "per_page": "100"},
        {"state": "all", "labels": "release/rel", "per_page": "100", "page": "2"},
        {"state": "all", "labels": "release/rel", "per_page": "100", "page": "3"},
        {"state": "open", "labels": "tars-ci", "per_page": "100"},
        {"state": "open", "labels": "tars-ci", "per_page": "100", "page": "2"},
        {"state": "open", "labels": "tars-ci", "per_page": "100", "page": "3"}]
    assert client.repo.get_issues(state="all").totalCount == 232
    # reading the listed issues asked for none of them one by one
    assert not [r for r in emulator.requests if r.op_id == "issues/get"]


def test_other_releases_closed_issues_are_never_listed(
        emulator: GitHubEmulator, make_client: Callable[..., GitHubClient]) -> None:
    client = make_client()
    for i in range(150):
        body = f"{finding_marker(f'old-{i}', 'k:degradation')}\nold"
        number = emulator.add_issue(REPO, f"old {i}", body, ("tars-ci", f"release/old-{i}"))
        emulator.state.repos[REPO].issues[number]["state"] = "closed"
    mine = client.repo.create_issue("t", f"{finding_marker('rel', 'k:degradation')}\nbody",
                                    labels=["release/rel"])  # a person removed tars-ci
    assert [i.number for i in list_marked(client, REL)["k:degradation"]] == [mine.number]
    listed = [r for r in emulator.requests if r.op_id == "issues/list-for-repo"]
    assert len(listed) == 2  # one page each: this release's issues, open tars-ci issues


def test_pull_requests_in_the_issue_list_are_filtered_out(
        emulator: GitHubEmulator, remote: Path, clone: Callable[[str], Path],
        make_client: Callable[..., GitHubClient]) -> None:
    work = clone("w")
    git(work, "commit", "-q", "--allow-empty", "-m", "change")
    git(work, "push", "-q", "origin", "HEAD:refs/heads/feature")
    client = make_client()
    marker = finding_marker("rel", "k:degradation")
    pr = client.repo.create_pull(base="main", head="feature", title="t", body=marker)
    pr.add_to_labels("tars-ci", "release/rel")
    listed = list(client.repo.get_issues(state="all", labels=["tars-ci"]))
    assert [i.number for i in listed] == [pr.number] and listed[0].pull_request is not None
    assert list_marked(client, REL) == {}
    assert not [r for r in emulator.requests if r.op_id == "issues/get"]


def test_duplicate_pull_request_is_githubs_422(
        emulator: GitHubEmulator, clone: Callable[[str], Path]) -> None:
    work = clone("w")
    git(work, "commit", "-q", "--allow-empty", "-m", "change")
    git(work, "push", "-q", "origin", "HEAD:refs/heads/feature")
    body = {"title": "t", "head": "acme:feature", "base": "main"}
    assert httpx.post(f"{emulator.url}/repos/{REPO}/pulls", headers=AUTH,
                      json=body).status_code == 201
    again = httpx.post(f"{emulator.url}/repos/{REPO}/pulls", headers=AUTH, json=body)
    assert again.status_code == 422
    assert again.json()["message"] == "Validation Failed"
    assert again.json()["errors"][0]["message"] == \
        "A pull request already exists for acme:feature."
    empty = httpx.post(f"{emulator.url}/repos/{REPO}/pulls", headers=AUTH,
                       json={"title": "t", "head": "main", "base": "main"})
    assert empty.json()["errors"][0]["message"] == "No commits between main and main"


def test_label_names_with_a_slash(emulator: GitHubEmulator,
                                  make_client: Callable[..., GitHubClient]) -> None:
    client = make_client()
    client.repo.create_label("priority/P0", "b60205")
    assert client.repo.get_label("priority/P0").color == "b60205"
    assert [r.path for r in emulator.requests if r.op_id == "issues/get-label"] == [
        f"/repos/{REPO}/labels/priority%2FP0"]


def test_git_refs_are_the_bare_repositorys(emulator: GitHubEmulator, remote: Path) -> None:
    main = git(remote, "rev-parse", "main")
    url = f"{emulator.url}/repos/{REPO}/git"
    got = httpx.get(f"{url}/ref/heads/main").json()
    assert got["object"]["sha"] == main and got["url"].endswith("/git/refs/heads/main")
    created = httpx.post(f"{url}/refs", headers=AUTH,
                         json={"ref": "refs/heads/copy", "sha": main})
    assert created.status_code == 201 and git(remote, "rev-parse", "copy") == main
    again = httpx.post(f"{url}/refs", headers=AUTH, json={"ref": "refs/heads/copy", "sha": main})
    assert again.json()["errors"][0]["message"] == "Reference already exists"
    assert httpx.delete(f"{url}/refs/heads/copy", headers=AUTH).status_code == 204
    assert httpx.get(f"{url}/ref/heads/copy").status_code == 404


def test_writes_need_a_token(emulator: GitHubEmulator) -> None:
    r = httpx.post(f"{emulator.url}/repos/{REPO}/issues", json={"title": "t"})
    assert r.status_code == 401 and emulator.issues(REPO) == []


def test_runs_as_a_separate_process(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-m", "tests.github_emulator", "--port", "0",
                             "--repo", REPO], cwd=root, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/api/v3")
        host = url.removesuffix("/api/v3")
        fault = {"method": "POST", "path": "/issues$", "status": 502, "when": "after"}
        assert httpx.post(f"{host}/_emulator/faults", json=fault).status_code == 201
        r = httpx.post(f"{url}/repos/{REPO}/issues", headers=AUTH, json={"title": "t"})
        assert r.status_code == 502
        state = httpx.get(f"{host}/_emulator/state").json()
        assert [i["title"] for i in state["repos"][REPO]["issues"]] == ["t"]
        assert state["schema_problems"] == []
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert json.dumps(state)  # plain JSON


# --------------------------------------------------------------------------- the document


def operations(document: dict[str, Any]) -> set[str]:
    return {op["operationId"] for ops in document["paths"].values()
            for method, op in ops.items() if method in ("get", "post", "put", "patch", "delete")}


def test_every_operation_of_the_document_is_served_or_deliberately_not() -> None:
    ops = operations(json.loads(schemas.DEFAULT_DOCUMENT.read_text("utf-8")))
    assert len(ops) == 37
    assert set(HANDLERS).isdisjoint(NOT_EMULATED)
    assert set(HANDLERS) | set(NOT_EMULATED) == ops
    missing = [name for name in HANDLERS.values() if not callable(getattr(EmulatorState, name,
                                                                              None))]
    assert missing == []


def test_the_schema_copy_is_the_one_its_note_describes() -> None:
    """The copy under tests/ is unchanged: its provenance note names its version and hash."""
    path = schemas.DEFAULT_DOCUMENT
    note = (path.parent / "README.md").read_text("utf-8")
    assert hashlib.sha256(path.read_bytes()).hexdigest() in note
    version = json.loads(path.read_text("utf-8"))["info"]["version"]
    assert f"subset version {version}" in note


def raw_problems(op_id: str, status: str, body: Any) -> list[str]:
    """Where a body (``status`` "request" or a response status) breaks the document
    *without* the gap fixes."""
    doc = json.loads(schemas.DEFAULT_DOCUMENT.read_text("utf-8"))
    for ops in doc["paths"].values():
        for op in ops.values():
            if isinstance(op, dict) and op.get("operationId") == op_id:
                part = op["requestBody"] if status == "request" else op["responses"][status]
                schema = part["content"]["application/json"]["schema"]
                validator = OAS30Validator({**schema, "components": doc["components"]})
                return sorted({"/".join(map(str, e.absolute_path))
                               for e in validator.iter_errors(body)})
    raise AssertionError(op_id)


def test_a_label_without_description_on_a_pull_request_needs_gap_fix_5(
        emulator: GitHubEmulator, clone: Callable[[str], Path],
        make_client: Callable[..., GitHubClient]) -> None:
    pr = open_pull(clone, make_client())
    pr.add_to_labels("no-description")  # made on the fly, as GitHub does: description null
    listed = httpx.get(f"{emulator.url}/repos/{REPO}/pulls").json()
    assert listed[0]["labels"][0]["description"] is None
    assert raw_problems("pulls/list", "200", listed) == ["0/labels/0/description"]
    # and the emulator, with the fix, found nothing wrong (the fixture checks it too)
    assert emulator.schema_problems == []


@pytest.mark.parametrize("body", [["a", "b"], "a", [], {"labels": []}, [{"name": "a"}]])
def test_set_labels_bodies_github_takes_need_gap_fix_6(body: Any) -> None:
    assert raw_problems("issues/set-labels", "request", body) != []
    assert schemas.SchemaBook().check_request("issues/set-labels", body) == []


def test_set_labels_still_refuses_what_github_refuses() -> None:
    book = schemas.SchemaBook()
    for body in ({"labels": [1]}, [{"nom": "a"}], 7):
        assert book.check_request("issues/set-labels", body) != [], body


# --------------------------------------------------------------------------- operations


def open_pull(clone: Callable[[str], Path], client: GitHubClient) -> Any:
    """A pull request from a pushed branch ``feature`` (opened by tars-ci-bot)."""
    work = clone("w")
    git(work, "commit", "-q", "--allow-empty", "-m", "change")
    git(work, "push", "-q", "origin", "HEAD:refs/heads/feature")
    return client.repo.create_pull(base="main", head="feature", title="t", body="b")


def test_review_requests_are_listed_and_removed(
        emulator: GitHubEmulator, clone: Callable[[str], Path],
        make_client: Callable[..., GitHubClient]) -> None:
    pr = open_pull(clone, make_client())
    pr.create_review_request(reviewers=["release-lead", "bob"], team_reviewers=["sre"])
    pr.create_review_request(reviewers=["bob"])  # asked again: still once
    users, teams = pr.get_review_requests()
    assert [u.login for u in users] == ["release-lead", "bob"]
    assert [t.slug for t in teams] == ["sre"]
    pr.delete_review_request(reviewers=["bob", "nobody"], team_reviewers=["sre"])
    users, teams = pr.get_review_requests()
    assert [u.login for u in users] == ["release-lead"] and list(teams) == []
    assert [u.login for u in make_client().repo.get_pull(pr.number).requested_reviewers] == [
        "release-lead"]
    assert [r.op_id for r in emulator.writes()][-3:] == [
        "pulls/request-reviewers", "pulls/request-reviewers", "pulls/remove-requested-reviewers"]


def test_review_requests_github_refuses(
        emulator: GitHubEmulator, clone: Callable[[str], Path],
        make_client: Callable[..., GitHubClient]) -> None:
    pr = open_pull(clone, make_client())
    url = f"{emulator.url}/repos/{REPO}/pulls/{pr.number}/requested_reviewers"
    author = httpx.post(url, headers=AUTH, json={"reviewers": ["tars-ci-bot"]})
    assert (author.status_code, author.json()["message"]) == (
        422, "Review cannot be requested from pull request author.")
    emulator.set_collaborators(REPO, ("release-lead",))
    stranger = httpx.post(url, headers=AUTH, json={"reviewers": ["release-lead", "mallory"]})
    assert stranger.status_code == 422
    assert stranger.json()["message"].startswith("Reviews may only be requested from "
                                                 "collaborators.")
    assert httpx.post(url, headers=AUTH, json={"reviewers": ["acme"]}).status_code == 201
    assert httpx.get(url).json()["users"][0]["login"] == "acme"  # the owner always may
    bad = httpx.request("DELETE", url, headers=AUTH, json={"team_reviewers": ["sre"]})
    assert bad.status_code == 422  # `reviewers` is required by GitHub's schema
    assert [(p.op_id, p.where) for p in emulator.schema_problems] == [
        ("pulls/remove-requested-reviewers", "request")]
    emulator.schema_problems.clear()  # expected here; the fixture checks the rest


def test_labels_are_set_and_removed_one_at_a_time(
        emulator: GitHubEmulator, make_client: Callable[..., GitHubClient]) -> None:
    issue = make_client().repo.create_issue("t", "b", labels=["tars-ci"])
    issue.set_labels("priority/P0", "release/x", "stale")  # a bare array (gap fix 6)
    assert [lab.name for lab in issue.get_labels()] == ["priority/P0", "release/x", "stale"]
    issue.remove_from_labels("stale")
    # PyGithub 2.10 leaves a `/` in a label name unencoded here (so GitHub's `{name}` would
    # not match it); tars-ci changes labels with PATCH issue instead. Encoded, it works:
    url = f"{emulator.url}/repos/{REPO}/issues/{issue.number}/labels"
    left = httpx.delete(f"{url}/priority%2FP0", headers=AUTH)
    assert [lab["name"] for lab in left.json()] == ["release/x"]
    assert emulator.issues(REPO)[0]["labels"] == ["release/x"]
    assert httpx.delete(f"{url}/priority%2FP0", headers=AUTH).status_code == 404
    assert httpx.put(url, headers=AUTH, json={"labels": []}).json() == []  # removes them all
    assert emulator.issues(REPO)[0]["labels"] == []


def test_a_comment_is_read_and_edited_by_id(
        emulator: GitHubEmulator, make_client: Callable[..., GitHubClient]) -> None:
    issue = make_client().repo.create_issue("t", "b")
    posted = issue.create_comment("first")
    posted.edit("second")
    again = issue.get_comment(posted.id)
    assert again.body == "second" and again.updated_at >= again.created_at
    url = f"{emulator.url}/repos/{REPO}/issues/comments"
    assert httpx.patch(f"{url}/{posted.id}", headers=AUTH, json={"body": ""}).status_code == 422
    assert httpx.get(f"{url}/999999").status_code == 404


def test_an_operation_not_emulated_is_a_404_the_fixture_notices(
        emulator: GitHubEmulator) -> None:
    r = httpx.post(f"{emulator.url}/repos/{REPO}/check-runs", headers=AUTH,
                   json={"name": "tars-ci", "head_sha": "0" * 40})
    assert r.status_code == 404
    assert emulator.unimplemented == [f"POST /repos/{REPO}/check-runs"]
    emulator.unimplemented.clear()  # expected here; the fixture checks the rest
