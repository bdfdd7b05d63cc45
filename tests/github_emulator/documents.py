"""JSON documents the emulator answers, shaped like GitHub's (every required field present).

URLs are absolute and carry the emulator's scheme, host, port and API prefix, because PyGithub
builds later requests from the ``url`` fields of earlier responses.
"""

from __future__ import annotations

import zlib
from typing import Any, NamedTuple

DOCS = "https://docs.github.com/rest"


class Urls(NamedTuple):
    """Base URLs: ``api`` (with the prefix, e.g. ``/api/v3``) and ``html`` (the web UI)."""

    api: str
    html: str


def user(urls: Urls, login: str, user_id: int) -> dict[str, Any]:
    """A ``simple-user``."""
    u = f"{urls.api}/users/{login}"
    return {
        "login": login, "id": user_id, "node_id": f"U_{user_id}",
        "avatar_url": f"{urls.html}/avatars/{login}", "gravatar_id": "",
        "url": u, "html_url": f"{urls.html}/{login}",
        "followers_url": f"{u}/followers", "following_url": f"{u}/following{{/other_user}}",
        "gists_url": f"{u}/gists{{/gist_id}}", "starred_url": f"{u}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{u}/subscriptions", "organizations_url": f"{u}/orgs",
        "repos_url": f"{u}/repos", "events_url": f"{u}/events{{/privacy}}",
        "received_events_url": f"{u}/received_events", "type": "User", "site_admin": False,
    }


def repository(urls: Urls, owner: str, name: str, repo_id: int, default_branch: str,
               created: str, full: bool = False) -> dict[str, Any]:
    """A ``repository`` (or ``full-repository`` when ``full``)."""
    r = f"{urls.api}/repos/{owner}/{name}"
    doc: dict[str, Any] = {
        "id": repo_id, "node_id": f"R_{repo_id}", "name": name, "full_name": f"{owner}/{name}",
        "owner": user(urls, owner, 1), "private": False,
        "html_url": f"{urls.html}/{owner}/{name}", "description": None, "fork": False,
        "url": r, "archive_url": f"{r}/{{archive_format}}{{/ref}}",
        "assignees_url": f"{r}/assignees{{/user}}", "blobs_url": f"{r}/git/blobs{{/sha}}",
        "branches_url": f"{r}/branches{{/branch}}",
        "collaborators_url": f"{r}/collaborators{{/collaborator}}",
        "comments_url": f"{r}/comments{{/number}}", "commits_url": f"{r}/commits{{/sha}}",
        "compare_url": f"{r}/compare/{{base}}...{{head}}",
        "contents_url": f"{r}/contents/{{+path}}", "contributors_url": f"{r}/contributors",
        "deployments_url": f"{r}/deployments", "downloads_url": f"{r}/downloads",
        "events_url": f"{r}/events", "forks_url": f"{r}/forks",
        "git_commits_url": f"{r}/git/commits{{/sha}}", "git_refs_url": f"{r}/git/refs{{/sha}}",
        "git_tags_url": f"{r}/git/tags{{/sha}}", "hooks_url": f"{r}/hooks",
        "issue_comment_url": f"{r}/issues/comments{{/number}}",
        "issue_events_url": f"{r}/issues/events{{/number}}",
        "issues_url": f"{r}/issues{{/number}}", "keys_url": f"{r}/keys{{/key_id}}",
        "labels_url": f"{r}/labels{{/name}}", "languages_url": f"{r}/languages",
        "merges_url": f"{r}/merges", "milestones_url": f"{r}/milestones{{/number}}",
        "notifications_url": f"{r}/notifications{{?since,all,participating}}",
        "pulls_url": f"{r}/pulls{{/number}}", "releases_url": f"{r}/releases{{/id}}",
        "stargazers_url": f"{r}/stargazers", "statuses_url": f"{r}/statuses/{{sha}}",
        "subscribers_url": f"{r}/subscribers", "subscription_url": f"{r}/subscription",
        "tags_url": f"{r}/tags", "teams_url": f"{r}/teams", "trees_url": f"{r}/git/trees{{/sha}}",
        "clone_url": f"{urls.html}/{owner}/{name}.git", "git_url": f"git://emulator/{owner}/{name}",
        "ssh_url": f"git@emulator:{owner}/{name}.git", "svn_url": f"{urls.html}/{owner}/{name}",
        "mirror_url": None, "homepage": None, "language": "Python",
        "forks": 0, "forks_count": 0, "stargazers_count": 0, "watchers": 0, "watchers_count": 0,
        "size": 1, "default_branch": default_branch, "open_issues": 0, "open_issues_count": 0,
        "has_issues": True, "has_projects": False, "has_wiki": False, "has_pages": False,
        "has_downloads": False, "archived": False, "disabled": False, "license": None,
        "pushed_at": created, "created_at": created, "updated_at": created,
    }
    if full:
        doc.update({"has_discussions": False, "network_count": 0, "subscribers_count": 0})
    return doc


def label(urls: Urls, owner: str, name: str, lab: dict[str, Any]) -> dict[str, Any]:
    """A ``label``."""
    from urllib.parse import quote

    return {
        "id": lab["id"], "node_id": f"LA_{lab['id']}",
        "url": f"{urls.api}/repos/{owner}/{name}/labels/{quote(lab['name'], safe='')}",
        "name": lab["name"], "description": lab["description"], "color": lab["color"],
        "default": False,
    }


def issue(urls: Urls, owner: str, name: str, it: dict[str, Any],
          labels: list[dict[str, Any]], users: dict[str, int]) -> dict[str, Any]:
    """An ``issue`` (a pull request seen through the issues API carries ``pull_request``)."""
    r = f"{urls.api}/repos/{owner}/{name}"
    u = f"{r}/issues/{it['number']}"
    assignees = [user(urls, a, users.get(a, 999)) for a in it["assignees"]]
    doc: dict[str, Any] = {
        "id": it["id"], "node_id": f"I_{it['id']}", "url": u, "repository_url": r,
        "labels_url": f"{u}/labels{{/name}}", "comments_url": f"{u}/comments",
        "events_url": f"{u}/events", "html_url": f"{urls.html}/{owner}/{name}/"
        f"{'pull' if it['pull'] else 'issues'}/{it['number']}",
        "number": it["number"], "state": it["state"], "state_reason": it["state_reason"],
        "title": it["title"], "body": it["body"],
        "user": user(urls, it["user"], users.get(it["user"], 999)),
        "labels": [label(urls, owner, name, lab) for lab in labels],
        "assignee": assignees[0] if assignees else None, "assignees": assignees,
        "milestone": None, "locked": False, "comments": len(it["comments"]),
        "closed_at": it["closed_at"], "created_at": it["created_at"],
        "updated_at": it["updated_at"], "author_association": "OWNER",
    }
    if it["pull"]:
        p = it["pull"]
        doc["pull_request"] = {
            "url": f"{r}/pulls/{it['number']}", "html_url": doc["html_url"],
            "diff_url": f"{doc['html_url']}.diff", "patch_url": f"{doc['html_url']}.patch",
            "merged_at": p["merged_at"],
        }
    return doc


def search_item(doc: dict[str, Any]) -> dict[str, Any]:
    """An issue as a search result: GitHub leaves ``body`` out when it is null."""
    out = {k: v for k, v in doc.items() if not (k == "body" and v is None)}
    out["score"] = 1.0
    return out


def comment(urls: Urls, owner: str, name: str, number: int, c: dict[str, Any],
            users: dict[str, int]) -> dict[str, Any]:
    """An ``issue-comment``."""
    r = f"{urls.api}/repos/{owner}/{name}"
    return {
        "id": c["id"], "node_id": f"IC_{c['id']}", "url": f"{r}/issues/comments/{c['id']}",
        "html_url": f"{urls.html}/{owner}/{name}/issues/{number}#issuecomment-{c['id']}",
        "body": c["body"], "user": user(urls, c["user"], users.get(c["user"], 999)),
        "created_at": c["created_at"], "updated_at": c.get("updated_at", c["created_at"]),
        "issue_url": f"{r}/issues/{number}", "author_association": "OWNER",
    }


def pull(urls: Urls, owner: str, name: str, it: dict[str, Any], labels: list[dict[str, Any]],
         users: dict[str, int], repo_doc: dict[str, Any], full: bool) -> dict[str, Any]:
    """A ``pull-request`` (``full``) or ``pull-request-simple``."""
    p = it["pull"]
    r = f"{urls.api}/repos/{owner}/{name}"
    u = f"{r}/pulls/{it['number']}"
    html = f"{urls.html}/{owner}/{name}/pull/{it['number']}"
    owner_user = user(urls, owner, 1)

    def side(ref: str, sha: str) -> dict[str, Any]:
        return {"label": f"{owner}:{ref}", "ref": ref, "sha": sha, "user": owner_user,
                "repo": repo_doc}

    reviewers = [user(urls, login, users.get(login, 999)) for login in p["reviewers"]]
    teams = [team(urls, owner, slug) for slug in p["teams"]]
    doc: dict[str, Any] = {
        "url": u, "id": it["id"], "node_id": f"PR_{it['id']}", "html_url": html,
        "diff_url": f"{html}.diff", "patch_url": f"{html}.patch",
        "issue_url": f"{r}/issues/{it['number']}", "commits_url": f"{u}/commits",
        "review_comments_url": f"{u}/comments", "review_comment_url": f"{r}/pulls/comments{{/number}}",
        "comments_url": f"{r}/issues/{it['number']}/comments",
        "statuses_url": f"{r}/statuses/{p['head_sha']}",
        "number": it["number"], "state": it["state"], "locked": False, "title": it["title"],
        "user": user(urls, it["user"], users.get(it["user"], 999)), "body": it["body"],
        "labels": [label(urls, owner, name, lab) for lab in labels], "milestone": None,
        "active_lock_reason": None, "created_at": it["created_at"],
        "updated_at": it["updated_at"], "closed_at": it["closed_at"],
        "merged_at": p["merged_at"], "merge_commit_sha": p["merge_commit_sha"],
        "assignee": None, "assignees": [], "requested_reviewers": reviewers,
        "requested_teams": teams, "head": side(p["head"], p["head_sha"]),
        "base": side(p["base"], p["base_sha"]),
        "_links": {k: {"href": v} for k, v in {
            "self": u, "html": html, "issue": f"{r}/issues/{it['number']}",
            "comments": f"{r}/issues/{it['number']}/comments",
            "review_comments": f"{u}/comments", "review_comment": f"{r}/pulls/comments{{/number}}",
            "commits": f"{u}/commits", "statuses": f"{r}/statuses/{p['head_sha']}"}.items()},
        "author_association": "OWNER", "auto_merge": None, "draft": False,
    }
    if full:
        doc.update({
            "merged": p["merged_at"] is not None, "mergeable": True, "rebaseable": True,
            "mergeable_state": "clean", "merged_by": owner_user if p["merged_at"] else None,
            "comments": len(it["comments"]), "review_comments": 0,
            "maintainer_can_modify": False, "commits": 1, "additions": 1, "deletions": 0,
            "changed_files": 1,
        })
    return doc


def team(urls: Urls, org: str, slug: str) -> dict[str, Any]:
    """A ``team`` of organisation ``org`` (its id is derived from the slug: stable)."""
    team_id = 5000 + zlib.crc32(slug.encode()) % 1_000_000
    u = f"{urls.api}/organizations/1/team/{team_id}"
    return {
        "id": team_id, "node_id": f"T_{team_id}", "url": u, "name": slug, "slug": slug,
        "description": None, "privacy": "closed", "notification_setting":
        "notifications_enabled", "permission": "pull",
        "members_url": f"{u}/members{{/member}}", "repositories_url": f"{u}/repos",
        "html_url": f"{urls.html}/orgs/{org}/teams/{slug}", "parent": None,
        "type": "organization",
    }


def git_ref(urls: Urls, owner: str, name: str, ref: str, sha: str) -> dict[str, Any]:
    """A ``git-ref``; note its ``url`` says ``/git/refs/`` although the GET path is singular."""
    r = f"{urls.api}/repos/{owner}/{name}"
    return {"ref": ref, "node_id": f"REF_{sha[:12]}", "url": f"{r}/git/{ref}",
            "object": {"type": "commit", "sha": sha, "url": f"{r}/git/commits/{sha}"}}


def error(message: str, status: int) -> dict[str, Any]:
    """A ``basic-error``."""
    return {"message": message, "documentation_url": DOCS, "status": str(status)}


def validation_failed(message: str, resource: str, code: str = "custom",
                      field: str = "", value: Any = None) -> dict[str, Any]:
    """A ``validation-error`` (422) carrying one error. GitHub gives a ``message`` with code
    ``custom`` and usually none with the others (``missing_field``, ``invalid``,
    ``already_exists``): pass ``""`` to leave it out, as GitHub does."""
    err: dict[str, Any] = {"resource": resource, "code": code}
    if message:
        err["message"] = message
    if field:
        err["field"] = field
    if value is not None:
        err["value"] = value
    return {"message": "Validation Failed", "errors": [err], "documentation_url": DOCS,
            "status": "422"}


def rate_limit(reset: int) -> dict[str, Any]:
    """A ``rate-limit-overview``."""
    core = {"limit": 5000, "remaining": 4999, "reset": reset, "used": 1}
    search = {"limit": 30, "remaining": 30, "reset": reset, "used": 0}
    return {"resources": {"core": core, "search": search}, "rate": core}
