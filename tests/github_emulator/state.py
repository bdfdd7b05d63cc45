"""The emulator's repository state and the behaviour of each emulated operation.

Issues and pull requests share one number sequence (as on GitHub) and a pull request is also
an issue: it appears in the issues list with a ``pull_request`` key. Branch refs come from a
real bare git repository when one is given (the same one the client pushes to), otherwise from
an in-memory map. Handlers return :class:`Reply`; the server adds pagination, faults and
schema validation. The server holds :attr:`EmulatorState.lock` around every handler.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import unquote

from tests.github_emulator import documents as D
from tests.github_emulator.pulls import PullHandlers
from tests.github_emulator.repo import Reply, Repo, labels_of, now


class EmulatorState(PullHandlers):
    """All repositories, users and counters of one emulator (pull requests and git refs:
    :class:`~tests.github_emulator.pulls.PullHandlers`)."""

    def __init__(self, urls: D.Urls) -> None:
        self.urls = urls
        self.lock = threading.RLock()
        self.repos: dict[str, Repo] = {}
        self.tokens: dict[str, str] = {}
        self.default_login = "tars-ci-bot"
        self.users: dict[str, int] = {"tars-ci-bot": 41898282}
        self.next_id = 1000

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def add_repo(self, full_name: str, default_branch: str = "main",
                 git_dir: str | None = None) -> Repo:
        """Create (or return) a repository."""
        owner, name = full_name.split("/", 1)
        if full_name not in self.repos:
            self.repos[full_name] = Repo(owner, name, self._id(), default_branch, git_dir)
            self.users.setdefault(owner, 1)
        return self.repos[full_name]

    def login_for(self, authorization: str | None) -> str | None:
        """The user a request authenticates as (None when anonymous)."""
        if not authorization:
            return None
        token = authorization.split(" ", 1)[-1]
        login = self.tokens.get(token, self.default_login)
        self.users.setdefault(login, self._id())
        return login

    # ------------------------------------------------------------------ documents
    def _label_docs(self, repo: Repo, names: list[str]) -> list[dict[str, Any]]:
        return [D.label(self.urls, repo.owner, repo.name, repo.labels[n.lower()])
                for n in names if n.lower() in repo.labels]

    def issue_doc(self, repo: Repo, it: dict[str, Any]) -> dict[str, Any]:
        """The issue document of an issue (or of a pull request seen as an issue)."""
        return D.issue(self.urls, repo.owner, repo.name, it, self._label_docs(repo, it["labels"]),
                       self.users)

    def pull_doc(self, repo: Repo, it: dict[str, Any], full: bool = True) -> dict[str, Any]:
        """The pull-request document."""
        repo_doc = D.repository(self.urls, repo.owner, repo.name, repo.id, repo.default_branch,
                                repo.created)
        return D.pull(self.urls, repo.owner, repo.name, it, self._label_docs(repo, it["labels"]),
                      self.users, repo_doc, full)

    def _ensure_labels(self, repo: Repo, names: list[str]) -> list[str]:
        """GitHub creates unknown labels named on an issue (default colour); canonical names."""
        out = []
        for n in names:
            key = n.lower()
            if key not in repo.labels:
                repo.labels[key] = {"id": self._id(), "name": n, "color": "ededed",
                                    "description": None}
            if repo.labels[key]["name"] not in out:
                out.append(repo.labels[key]["name"])
        return out

    def _new_item(self, repo: Repo, login: str, title: str, body: str | None,
                  labels: list[str], assignees: list[str]) -> dict[str, Any]:
        stamp = now()
        it: dict[str, Any] = {
            "id": self._id(), "number": repo.next_number, "title": title, "body": body,
            "state": "open", "state_reason": None, "user": login,
            "labels": self._ensure_labels(repo, labels), "assignees": list(assignees),
            "comments": [], "created_at": stamp, "updated_at": stamp, "closed_at": None,
            "pull": None,
        }
        for a in assignees:
            self.users.setdefault(a, self._id())
        repo.issues[repo.next_number] = it
        repo.next_number += 1
        return it

    # ------------------------------------------------------------------ repos, rate limit
    def get_repo(self, repo: Repo, **_: Any) -> Reply:
        """GET /repos/{owner}/{repo}."""
        return Reply(200, D.repository(self.urls, repo.owner, repo.name, repo.id,
                                       repo.default_branch, repo.created, full=True))

    # ------------------------------------------------------------------ issues
    def list_issues(self, repo: Repo, query: dict[str, str], **_: Any) -> Reply:
        """GET /repos/{o}/{r}/issues: state, labels (all must match), sort, direction."""
        state = query.get("state", "open")
        wanted = [x.strip().lower() for x in query.get("labels", "").split(",") if x.strip()]
        items = []
        for it in repo.issues.values():
            if state != "all" and it["state"] != state:
                continue
            names = {n.lower() for n in it["labels"]}
            if any(w not in names for w in wanted):
                continue
            if query.get("creator") and it["user"] != query["creator"]:
                continue
            items.append(it)
        key = query.get("sort", "created")
        field = {"created": "created_at", "updated": "updated_at"}.get(key, "created_at")
        reverse = query.get("direction", "desc") == "desc"
        items.sort(key=lambda i: (i[field], i["number"]), reverse=reverse)
        return Reply(200, [self.issue_doc(repo, i) for i in items], paginate=True)

    def _issue(self, repo: Repo, number: str) -> dict[str, Any] | None:
        return repo.issues.get(int(number)) if number.isdigit() else None

    def create_issue(self, repo: Repo, body: dict[str, Any], login: str, **_: Any) -> Reply:
        """POST /repos/{o}/{r}/issues."""
        title = str(body.get("title", ""))
        if not title.strip():
            return Reply(422, D.validation_failed("title is missing", "Issue", "missing_field",
                                                  "title"))
        if len(body.get("body") or "") > 65536:
            return Reply(422, D.validation_failed("body is too long (maximum is 65536 "
                                                  "characters)", "Issue", "custom", "body"))
        assignees = [str(a) for a in body.get("assignees", [])]
        stranger = next((a for a in assignees if repo.collaborators is not None
                         and a not in repo.collaborators and a != repo.owner), None)
        if stranger is not None:  # GitHub names the field, the code and the value, no message
            return Reply(422, D.validation_failed("", "Issue", "invalid", "assignees",
                                                  stranger))
        it = self._new_item(repo, login, title, body.get("body"), labels_of(body), assignees)
        doc = self.issue_doc(repo, it)
        return Reply(201, doc, {"Location": doc["url"]})

    def get_issue(self, repo: Repo, params: dict[str, str], **_: Any) -> Reply:
        """GET /repos/{o}/{r}/issues/{n}."""
        it = self._issue(repo, params["issue_number"])
        if it is None:
            return Reply(404, D.error("Not Found", 404))
        return Reply(200, self.issue_doc(repo, it))

    def update_issue(self, repo: Repo, params: dict[str, str], body: dict[str, Any],
                     **_: Any) -> Reply:
        """PATCH /repos/{o}/{r}/issues/{n}: title, body, state, state_reason, labels, assignees."""
        it = self._issue(repo, params["issue_number"])
        if it is None:
            return Reply(404, D.error("Not Found", 404))
        if "title" in body and body["title"] is not None:
            it["title"] = str(body["title"])
        if "body" in body:
            if len(body["body"] or "") > 65536:
                return Reply(422, D.validation_failed("body is too long", "Issue", "custom",
                                                      "body"))
            it["body"] = body["body"]
        if "labels" in body:
            it["labels"] = self._ensure_labels(repo, labels_of(body["labels"]))
        if "assignees" in body:
            it["assignees"] = list(body["assignees"])
        state = body.get("state")
        if state in ("open", "closed") and state != it["state"]:
            it["state"] = state
            if state == "closed":
                it["closed_at"] = now()
                it["state_reason"] = body.get("state_reason") or "completed"
            else:
                it["closed_at"] = None
                it["state_reason"] = "reopened"
        elif state == "closed" and body.get("state_reason"):
            it["state_reason"] = body["state_reason"]
        it["updated_at"] = now()
        return Reply(200, self.issue_doc(repo, it))

    def list_comments(self, repo: Repo, params: dict[str, str], **_: Any) -> Reply:
        """GET /repos/{o}/{r}/issues/{n}/comments (oldest first)."""
        it = self._issue(repo, params["issue_number"])
        if it is None:
            return Reply(404, D.error("Not Found", 404))
        return Reply(200, [D.comment(self.urls, repo.owner, repo.name, it["number"], c,
                                     self.users) for c in it["comments"]], paginate=True)

    def create_comment(self, repo: Repo, params: dict[str, str], body: dict[str, Any],
                       login: str, **_: Any) -> Reply:
        """POST /repos/{o}/{r}/issues/{n}/comments."""
        it = self._issue(repo, params["issue_number"])
        if it is None:
            return Reply(404, D.error("Not Found", 404))
        text = str(body.get("body", ""))
        if not text or len(text) > 65536:
            return Reply(422, D.validation_failed("body is missing or too long",
                                                  "IssueComment", "custom", "body"))
        c = {"id": self._id(), "body": text, "user": login, "created_at": now()}
        it["comments"].append(c)
        it["updated_at"] = c["created_at"]
        doc = D.comment(self.urls, repo.owner, repo.name, it["number"], c, self.users)
        return Reply(201, doc, {"Location": doc["url"]})

    def list_issue_labels(self, repo: Repo, params: dict[str, str], **_: Any) -> Reply:
        """GET /repos/{o}/{r}/issues/{n}/labels."""
        it = self._issue(repo, params["issue_number"])
        if it is None:
            return Reply(404, D.error("Not Found", 404))
        return Reply(200, self._label_docs(repo, it["labels"]), paginate=True)

    def add_issue_labels(self, repo: Repo, params: dict[str, str], body: Any,
                         **_: Any) -> Reply:
        """POST /repos/{o}/{r}/issues/{n}/labels (adds; returns the issue's labels)."""
        it = self._issue(repo, params["issue_number"])
        if it is None:
            return Reply(404, D.error("Not Found", 404))
        for n in self._ensure_labels(repo, labels_of(body)):
            if n.lower() not in {x.lower() for x in it["labels"]}:
                it["labels"].append(n)
        return Reply(200, self._label_docs(repo, it["labels"]))

    def set_issue_labels(self, repo: Repo, params: dict[str, str], body: Any,
                         **_: Any) -> Reply:
        """PUT /repos/{o}/{r}/issues/{n}/labels (replaces; an empty list removes them all)."""
        it = self._issue(repo, params["issue_number"])
        if it is None:
            return Reply(404, D.error("Not Found", 404))
        it["labels"] = self._ensure_labels(repo, labels_of(body))
        it["updated_at"] = now()
        return Reply(200, self._label_docs(repo, it["labels"]))

    def remove_issue_label(self, repo: Repo, params: dict[str, str], **_: Any) -> Reply:
        """DELETE /repos/{o}/{r}/issues/{n}/labels/{name} (404 when the issue lacks it)."""
        it = self._issue(repo, params["issue_number"])
        if it is None:
            return Reply(404, D.error("Not Found", 404))
        key = unquote(params["name"]).lower()
        kept = [n for n in it["labels"] if n.lower() != key]
        if len(kept) == len(it["labels"]):
            return Reply(404, D.error("Label does not exist", 404))
        it["labels"] = kept
        it["updated_at"] = now()
        return Reply(200, self._label_docs(repo, it["labels"]))

    def _comment(self, repo: Repo, comment_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The issue and the comment with this id (comment ids are unique per emulator)."""
        for it in repo.issues.values():
            for c in it["comments"]:
                if str(c["id"]) == comment_id:
                    return it, c
        return None

    def get_comment(self, repo: Repo, params: dict[str, str], **_: Any) -> Reply:
        """GET /repos/{o}/{r}/issues/comments/{id}."""
        found = self._comment(repo, params["comment_id"])
        if found is None:
            return Reply(404, D.error("Not Found", 404))
        it, c = found
        return Reply(200, D.comment(self.urls, repo.owner, repo.name, it["number"], c,
                                    self.users))

    def update_comment(self, repo: Repo, params: dict[str, str], body: dict[str, Any],
                       **_: Any) -> Reply:
        """PATCH /repos/{o}/{r}/issues/comments/{id}: the body (422 when empty or too long)."""
        found = self._comment(repo, params["comment_id"])
        if found is None:
            return Reply(404, D.error("Not Found", 404))
        it, c = found
        text = str(body.get("body", ""))
        if not text or len(text) > 65536:
            return Reply(422, D.validation_failed("body is missing or too long",
                                                  "IssueComment", "custom", "body"))
        c["body"], c["updated_at"] = text, now()
        return Reply(200, D.comment(self.urls, repo.owner, repo.name, it["number"], c,
                                    self.users))

    # ------------------------------------------------------------------ labels
    def list_labels(self, repo: Repo, **_: Any) -> Reply:
        """GET /repos/{o}/{r}/labels."""
        docs = [D.label(self.urls, repo.owner, repo.name, lab) for lab in repo.labels.values()]
        return Reply(200, docs, paginate=True)

    def create_label(self, repo: Repo, body: dict[str, Any], **_: Any) -> Reply:
        """POST /repos/{o}/{r}/labels (422 already_exists)."""
        name = str(body.get("name", ""))
        if name.lower() in repo.labels:
            return Reply(422, D.validation_failed("", "Label", "already_exists",
                                                  "name"))
        lab = {"id": self._id(), "name": name, "color": str(body.get("color", "ededed")),
               "description": body.get("description")}
        repo.labels[name.lower()] = lab
        doc = D.label(self.urls, repo.owner, repo.name, lab)
        return Reply(201, doc, {"Location": doc["url"]})

    def get_label(self, repo: Repo, params: dict[str, str], **_: Any) -> Reply:
        """GET /repos/{o}/{r}/labels/{name} (the name arrives percent-encoded, `/` as %2F)."""
        lab = repo.labels.get(unquote(params["name"]).lower())
        if lab is None:
            return Reply(404, D.error("Not Found", 404))
        return Reply(200, D.label(self.urls, repo.owner, repo.name, lab))

    def update_label(self, repo: Repo, params: dict[str, str], body: dict[str, Any],
                     **_: Any) -> Reply:
        """PATCH /repos/{o}/{r}/labels/{name}."""
        key = unquote(params["name"]).lower()
        lab = repo.labels.get(key)
        if lab is None:
            return Reply(404, D.error("Not Found", 404))
        if body.get("new_name"):
            del repo.labels[key]
            lab["name"] = body["new_name"]
            repo.labels[lab["name"].lower()] = lab
        for k in ("color", "description"):
            if k in body:
                lab[k] = body[k]
        return Reply(200, D.label(self.urls, repo.owner, repo.name, lab))
