"""One emulated repository: its records and its branch refs.

Branch refs come from a real bare git repository when one is given (the same one the client
pushes to), otherwise from an in-memory map. :class:`Reply` is what every handler returns.
"""

from __future__ import annotations

import subprocess
from datetime import datetime, timezone
from typing import Any, NamedTuple

ZERO = "0" * 40


class Reply(NamedTuple):
    """A handler's answer; ``paginate`` asks the server to page a list body."""

    status: int
    body: Any = None
    headers: dict[str, str] | None = None
    paginate: bool = False


def now() -> str:
    """The current time as GitHub writes it."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def labels_of(body: Any) -> list[str]:
    """Label names from any of the request shapes GitHub accepts."""
    if isinstance(body, dict):
        body = body.get("labels", [])
    if isinstance(body, str):
        return [body]
    return [x["name"] if isinstance(x, dict) else str(x) for x in body or []]


class Repo:
    """One emulated repository."""

    def __init__(self, owner: str, name: str, repo_id: int, default_branch: str,
                 git_dir: str | None) -> None:
        self.owner, self.name, self.id = owner, name, repo_id
        self.default_branch = default_branch
        self.git_dir = git_dir
        self.created = now()
        self.issues: dict[int, dict[str, Any]] = {}
        self.labels: dict[str, dict[str, Any]] = {}  # key: lower-cased name
        self.refs: dict[str, str] = {}  # used when there is no git_dir
        self.collaborators: set[str] | None = None  # reviewers, assignees; None: anyone
        self.next_number = 1

    # ------------------------------------------------------------------ git refs
    def _git(self, *args: str) -> subprocess.CompletedProcess[str]:
        assert self.git_dir is not None
        return subprocess.run(["git", "--git-dir", self.git_dir, *args], capture_output=True,
                              text=True, check=False)

    def ref_sha(self, ref: str) -> str | None:
        """The sha ``ref`` (``refs/heads/x``) points to, or None."""
        if self.git_dir is None:
            return self.refs.get(ref)
        out = self._git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        return out.stdout.strip() or None

    def object_exists(self, sha: str) -> bool:
        """Whether a commit exists."""
        if self.git_dir is None:
            return sha in self.refs.values() or len(sha) == 40
        return self._git("cat-file", "-e", f"{sha}^{{commit}}").returncode == 0

    def is_ancestor(self, old: str, new: str) -> bool:
        """Whether ``old`` is an ancestor of ``new`` (a fast-forward)."""
        if self.git_dir is None:
            return True
        return self._git("merge-base", "--is-ancestor", old, new).returncode == 0

    def set_ref(self, ref: str, sha: str | None, old: str | None) -> bool:
        """Compare-and-swap a ref (``old`` ZERO means must not exist); False when it moved."""
        if self.git_dir is None:
            current = self.refs.get(ref)
            if (current or ZERO) != (old or ZERO) and old is not None:
                return False
            if sha is None:
                self.refs.pop(ref, None)
            else:
                self.refs[ref] = sha
            return True
        if sha is None:
            args = ["update-ref", "-d", ref] + ([old] if old else [])
        else:
            args = ["update-ref", ref, sha] + ([old] if old else [])
        return self._git(*args).returncode == 0
