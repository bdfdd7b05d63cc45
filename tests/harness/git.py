"""Real git for tests: a command runner and a bare remote seeded with one commit."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path


def git(cwd: Path, *args: str) -> str:
    """Run git in a test repository (with an identity); its stdout, stripped."""
    done = subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=t@example.com",
                           *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def seed_remote(base: Path, prepare: Callable[[Path], None], *, bare: str = "origin.git",
                work: str = "seed", message: str = "seed") -> tuple[Path, Path]:
    """A bare remote under ``base`` whose main holds one commit of what ``prepare`` wrote
    into a clone; returns (remote, that clone)."""
    remote = base / bare
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    tree = base / work
    subprocess.run(["git", "clone", "-q", str(remote), str(tree)], check=True,
                   capture_output=True)
    prepare(tree)
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-m", message)
    git(tree, "push", "-q", "origin", "HEAD:refs/heads/main")
    return remote, tree
