"""The emulator itself: GitHub's shapes, pagination, validation, faults, a separate process."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from tars_ci.github.client import GitHubClient
from tars_ci.github.issues import list_marked
from tars_ci.github.markers import finding_marker
from tests.github.conftest import REPO, TOKEN
from tests.github_emulator import GitHubEmulator, documents
from tests.harness.git import git

pytestmark = pytest.mark.integration
AUTH = {"Authorization": f"token {TOKEN}"}


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


def test_pagination_finds_the_marker_on_the_last_page(
        emulator: GitHubEmulator, make_client: Callable[..., GitHubClient]) -> None:
    client = make_client()
    marker = finding_marker("rel", "k:degradation")
    mine = client.repo.create_issue("same title", f"{marker}\nbody", labels=["tars-ci"])
    for i in range(230):
        emulator.add_issue(REPO, f"noise {i}", "x", ("tars-ci",))
    client.repo.create_issue("same title", "no marker: not ours", labels=["tars-ci"])
    marked = list_marked(client, "rel")
    assert [i.number for i in marked["k:degradation"]] == [mine.number]
    pages = [r for r in emulator.requests if r.method == "GET" and r.path.endswith("/issues")]
    assert [dict(parse_qsl(r.query)) for r in pages] == [
        {"state": "all", "labels": "tars-ci", "per_page": "100"},
        {"state": "all", "labels": "tars-ci", "per_page": "100", "page": "2"},
        {"state": "all", "labels": "tars-ci", "per_page": "100", "page": "3"}]
    assert client.repo.get_issues(state="all").totalCount == 232


def test_pull_requests_in_the_issue_list_are_filtered_out(
        emulator: GitHubEmulator, remote: Path, clone: Callable[[str], Path],
        make_client: Callable[..., GitHubClient]) -> None:
    work = clone("w")
    git(work, "commit", "-q", "--allow-empty", "-m", "change")
    git(work, "push", "-q", "origin", "HEAD:refs/heads/feature")
    client = make_client()
    marker = finding_marker("rel", "k:degradation")
    pr = client.repo.create_pull(base="main", head="feature", title="t", body=marker)
    pr.add_to_labels("tars-ci")
    listed = list(client.repo.get_issues(state="all", labels=["tars-ci"]))
    assert [i.number for i in listed] == [pr.number] and listed[0].pull_request is not None
    assert list_marked(client, "rel") == {}


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
