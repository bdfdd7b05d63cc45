"""Real git, behind one small boundary.

:class:`Git` runs ``git`` in a work tree through an injectable :data:`GitRunner` (the default
runs the ``git`` executable), translates failures into :class:`tars_ci.errors.GitError` once,
with secrets redacted, and refuses to force-push any branch: the only forced pushes tars-ci
makes are compare-and-swap updates of its lock ref (``refs/tars-ci/…``).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple, Protocol

from tars_ci.errors import GitError

BOT_NAME = "tars-ci"
BOT_EMAIL = "tars-ci@users.noreply.github.com"


class GitResult(NamedTuple):
    """What a git command returned."""

    returncode: int
    stdout: str
    stderr: str


class GitRunner(Protocol):
    """Runs ``git <args>`` in ``cwd``; returns the result (never raises on a non-zero exit)."""

    def __call__(self, args: Sequence[str], cwd: Path, *, input: str | None = None,
                 env: Mapping[str, str] | None = None) -> GitResult: ...


def subprocess_git(args: Sequence[str], cwd: Path, *, input: str | None = None,
                   env: Mapping[str, str] | None = None) -> GitResult:
    """The default runner: the ``git`` executable, C locale, no prompts."""
    full_env = {**os.environ, "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0", **(env or {})}
    try:
        done = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True,
                              text=True, env=full_env, check=False)
    except OSError as exc:
        return GitResult(127, "", f"cannot run git: {exc}")
    return GitResult(done.returncode, done.stdout, done.stderr)


class Git:
    """git in one work tree."""

    def __init__(self, root: Path, runner: GitRunner = subprocess_git,
                 redact: Callable[[str], str] = lambda s: s) -> None:
        self.root = root
        self.runner = runner
        self.redact = redact

    def result(self, *args: str, input: str | None = None,
               env: Mapping[str, str] | None = None) -> GitResult:
        """Run and return the result, whatever the exit code."""
        return self.runner(list(args), self.root, input=input, env=env)

    def run(self, *args: str, input: str | None = None,
            env: Mapping[str, str] | None = None) -> str:
        """Run; stdout without the trailing newline; GitError (redacted) on failure."""
        res = self.result(*args, input=input, env=env)
        if res.returncode != 0:
            raise GitError(self.redact(f"git {' '.join(args)} failed ({res.returncode}): "
                                       f"{(res.stderr or res.stdout).strip()[:2000]}"))
        return res.stdout.rstrip("\n")

    def ok(self, *args: str) -> bool:
        """Whether the command exits 0."""
        return self.result(*args).returncode == 0

    def identity(self) -> list[str]:
        """``-c user.name=… -c user.email=…`` when the repository has no identity (CI)."""
        email = self.result("config", "user.email").stdout.strip()
        return [] if email else ["-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}"]

    def push(self, remote: str, source: str, dest: str, *,
             lease: str | None = None) -> GitResult:
        """Push ``source`` to the remote ref ``dest``; ``lease`` (expected old sha, "" for
        absent) makes it a compare-and-swap, allowed only outside ``refs/heads/``."""
        args = ["push", "--porcelain", remote]
        if lease is not None:
            if dest.startswith("refs/heads/"):
                raise GitError(f"refusing to force-push branch {dest}")
            args.insert(1, f"--force-with-lease={dest}:{lease}")
        args.append(f"{source}:{dest}")
        return self.result(*args)

    def remote_sha(self, remote: str, ref: str) -> str | None:
        """The sha of ``ref`` on the remote, or None when it does not exist."""
        out = self.run("ls-remote", remote, ref)
        for line in out.splitlines():
            sha, _, name = line.partition("\t")
            if name == ref:
                return sha
        return None
