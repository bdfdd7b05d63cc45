"""The emulated pull-request and git-ref operations, mixed into the emulator's state.

A pull request is an issue record with a ``pull`` part (head, base, shas, merge, requested
reviewers); :class:`~tests.github_emulator.state.EmulatorState` provides the records, the ids
and the documents these handlers use, and holds its lock around every call.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from tests.github_emulator import documents as D
from tests.github_emulator.repo import ZERO, Reply, Repo, now


class PullHandlers:
    """Handlers of ``/pulls`` and ``/git/refs``. The state they mix into provides ``urls``,
    ``users``, ``_id``, ``_issue``, ``_new_item`` and ``pull_doc``."""

    urls: D.Urls
    users: dict[str, int]

    # ------------------------------------------------------------------ pulls
    def _pulls(self, repo: Repo) -> list[dict[str, Any]]:
        return [it for it in repo.issues.values() if it["pull"]]

    def list_pulls(self, repo: Repo, query: dict[str, str], **_: Any) -> Reply:
        """GET /repos/{o}/{r}/pulls: state, head (`owner:branch`), base."""
        state = query.get("state", "open")
        items = []
        for it in self._pulls(repo):
            if state != "all" and it["state"] != state:
                continue
            head = query.get("head")
            if head and f"{repo.owner}:{it['pull']['head']}" != head:
                continue
            if query.get("base") and it["pull"]["base"] != query["base"]:
                continue
            items.append(it)
        items.sort(key=lambda i: i["number"], reverse=query.get("direction", "desc") == "desc")
        return Reply(200, [self.pull_doc(repo, i, full=False) for i in items], paginate=True)

    def create_pull(self, repo: Repo, body: dict[str, Any], login: str, **_: Any) -> Reply:
        """POST /repos/{o}/{r}/pulls: 422 when the head is missing, equal to the base, or
        already has an open pull request."""
        head = str(body.get("head", ""))
        branch = head.split(":", 1)[1] if ":" in head else head
        base = str(body.get("base", ""))
        head_sha = repo.ref_sha(f"refs/heads/{branch}")
        base_sha = repo.ref_sha(f"refs/heads/{base}")
        if head_sha is None:
            return Reply(422, D.validation_failed("head invalid", "PullRequest", "invalid",
                                                  "head"))
        if base_sha is None:
            return Reply(422, D.validation_failed("base invalid", "PullRequest", "invalid",
                                                  "base"))
        for it in self._pulls(repo):
            p = it["pull"]
            if it["state"] == "open" and p["head"] == branch and p["base"] == base:
                return Reply(422, D.validation_failed(
                    f"A pull request already exists for {repo.owner}:{branch}.", "PullRequest"))
        if head_sha == base_sha or repo.is_ancestor(head_sha, base_sha):
            return Reply(422, D.validation_failed(
                f"No commits between {base} and {branch}", "PullRequest"))
        it = self._new_item(repo, login, str(body.get("title", "")), body.get("body"), [], [])
        it["pull"] = {"head": branch, "base": base, "head_sha": head_sha, "base_sha": base_sha,
                      "merged_at": None, "merge_commit_sha": None, "reviewers": [],
                      "teams": []}
        doc = self.pull_doc(repo, it)
        return Reply(201, doc, {"Location": doc["url"]})

    def _pull(self, repo: Repo, number: str) -> dict[str, Any] | None:
        it = self._issue(repo, number)
        return it if it and it["pull"] else None

    def get_pull(self, repo: Repo, params: dict[str, str], **_: Any) -> Reply:
        """GET /repos/{o}/{r}/pulls/{n}."""
        it = self._pull(repo, params["pull_number"])
        if it is None:
            return Reply(404, D.error("Not Found", 404))
        it["pull"]["head_sha"] = repo.ref_sha(f"refs/heads/{it['pull']['head']}") or \
            it["pull"]["head_sha"]
        return Reply(200, self.pull_doc(repo, it))

    def update_pull(self, repo: Repo, params: dict[str, str], body: dict[str, Any],
                    **_: Any) -> Reply:
        """PATCH /repos/{o}/{r}/pulls/{n}: title, body, state, base."""
        it = self._pull(repo, params["pull_number"])
        if it is None:
            return Reply(404, D.error("Not Found", 404))
        for k in ("title", "body"):
            if k in body:
                it[k] = body[k]
        if body.get("state") in ("open", "closed") and body["state"] != it["state"]:
            it["state"] = body["state"]
            it["closed_at"] = now() if body["state"] == "closed" else None
        if body.get("base"):
            it["pull"]["base"] = body["base"]
        it["updated_at"] = now()
        return Reply(200, self.pull_doc(repo, it))

    def list_requested_reviewers(self, repo: Repo, params: dict[str, str], **_: Any) -> Reply:
        """GET /repos/{o}/{r}/pulls/{n}/requested_reviewers: ``{"users", "teams"}``."""
        it = self._pull(repo, params["pull_number"])
        if it is None:
            return Reply(404, D.error("Not Found", 404))
        doc = self.pull_doc(repo, it, full=False)
        return Reply(200, {"users": doc["requested_reviewers"], "teams": doc["requested_teams"]})

    def request_reviewers(self, repo: Repo, params: dict[str, str], body: dict[str, Any],
                          **_: Any) -> Reply:
        """POST /repos/{o}/{r}/pulls/{n}/requested_reviewers: adds users and team slugs
        (a repeated request changes nothing); 422 for the author or a non-collaborator."""
        it = self._pull(repo, params["pull_number"])
        if it is None:
            return Reply(404, D.error("Not Found", 404))
        logins = [str(x) for x in body.get("reviewers", [])]
        teams = [str(x) for x in body.get("team_reviewers", [])]
        if it["user"] in logins:
            return Reply(422, D.error("Review cannot be requested from pull request author.",
                                      422))
        if repo.collaborators is not None and any(
                login not in repo.collaborators and login != repo.owner for login in logins):
            return Reply(422, D.error(
                "Reviews may only be requested from collaborators. One or more of the users or "
                f"teams you specified is not a collaborator of the {repo.owner}/{repo.name} "
                "repository.", 422))
        pull = it["pull"]
        for login in logins:
            self.users.setdefault(login, self._id())
            if login not in pull["reviewers"]:
                pull["reviewers"].append(login)
        for slug in teams:
            if slug not in pull["teams"]:
                pull["teams"].append(slug)
        it["updated_at"] = now()
        return Reply(201, self.pull_doc(repo, it, full=False))

    def remove_requested_reviewers(self, repo: Repo, params: dict[str, str],
                                   body: dict[str, Any], **_: Any) -> Reply:
        """DELETE /repos/{o}/{r}/pulls/{n}/requested_reviewers (logins not requested are
        ignored)."""
        it = self._pull(repo, params["pull_number"])
        if it is None:
            return Reply(404, D.error("Not Found", 404))
        pull = it["pull"]
        gone = {str(x) for x in body.get("reviewers", [])}
        gone_teams = {str(x) for x in body.get("team_reviewers", [])}
        pull["reviewers"] = [x for x in pull["reviewers"] if x not in gone]
        pull["teams"] = [x for x in pull["teams"] if x not in gone_teams]
        it["updated_at"] = now()
        return Reply(200, self.pull_doc(repo, it, full=False))

    def merge_pull(self, repo: Repo, number: int) -> None:
        """Test control: mark a pull request merged (and closed)."""
        it = repo.issues[number]
        stamp = now()
        it["state"], it["closed_at"], it["updated_at"] = "closed", stamp, stamp
        it["pull"]["merged_at"] = stamp
        it["pull"]["merge_commit_sha"] = it["pull"]["head_sha"]

    # ------------------------------------------------------------------ git refs
    def get_ref(self, repo: Repo, params: dict[str, str], **_: Any) -> Reply:
        """GET /repos/{o}/{r}/git/ref/{ref} (``heads/x``)."""
        ref = "refs/" + unquote(params["ref"])
        sha = repo.ref_sha(ref)
        if sha is None:
            return Reply(404, D.error("Not Found", 404))
        return Reply(200, D.git_ref(self.urls, repo.owner, repo.name, ref, sha))

    def create_ref(self, repo: Repo, body: dict[str, Any], **_: Any) -> Reply:
        """POST /repos/{o}/{r}/git/refs (422 when it exists or the sha is unknown)."""
        ref, sha = str(body.get("ref", "")), str(body.get("sha", ""))
        if not ref.startswith("refs/") or ref.count("/") < 2:
            return Reply(422, D.validation_failed("Reference name is invalid", "Reference"))
        if not repo.object_exists(sha):
            return Reply(422, D.validation_failed("Object does not exist", "Reference"))
        if not repo.set_ref(ref, sha, ZERO):
            return Reply(422, D.validation_failed("Reference already exists", "Reference"))
        doc = D.git_ref(self.urls, repo.owner, repo.name, ref, sha)
        return Reply(201, doc, {"Location": doc["url"]})

    def update_ref(self, repo: Repo, params: dict[str, str], body: dict[str, Any],
                   **_: Any) -> Reply:
        """PATCH /repos/{o}/{r}/git/refs/{ref}: fast-forward unless ``force``."""
        ref = "refs/" + unquote(params["ref"])
        old, sha = repo.ref_sha(ref), str(body.get("sha", ""))
        if old is None:
            return Reply(422, D.validation_failed("Reference does not exist", "Reference"))
        if not repo.object_exists(sha):
            return Reply(422, D.validation_failed("Object does not exist", "Reference"))
        if not body.get("force") and not repo.is_ancestor(old, sha):
            return Reply(422, D.validation_failed("Update is not a fast forward", "Reference"))
        if not repo.set_ref(ref, sha, old):
            return Reply(409, D.error("Reference update failed", 409))
        return Reply(200, D.git_ref(self.urls, repo.owner, repo.name, ref, sha))

    def delete_ref(self, repo: Repo, params: dict[str, str], **_: Any) -> Reply:
        """DELETE /repos/{o}/{r}/git/refs/{ref}."""
        ref = "refs/" + unquote(params["ref"])
        old = repo.ref_sha(ref)
        if old is None:
            return Reply(422, D.validation_failed("Reference does not exist", "Reference"))
        repo.set_ref(ref, None, old)
        return Reply(204)
