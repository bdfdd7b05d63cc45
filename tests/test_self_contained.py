"""The project stands alone: no tracked file refers to a folder beside the repository (the
development setup's sibling folder of shared material) or to an absolute path of a
development machine, so a
clone anywhere runs its tests and benchmarks and its docs point nowhere private.

Every tracked text file is checked (the package, tests, benchmarks, CI, workflows, README).
What a test needs from outside is copied in with a note of where it came from (for example
``tests/github_emulator/openapi/``); data a benchmark needs is an argument (``--nab-dir``).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = ("tars_ci/", "tests/", "bench/", ".ci/")  # the scope: never empty
SIBLING = "shar" + "ed"  # the sibling folder's name, never spelled out as a path here
SELF = Path(__file__).resolve().relative_to(ROOT).as_posix()  # its examples are on purpose
PROBLEMS = {
    "a folder beside the repository": re.compile(
        r"\.\./+shar[e]d\b"                                 # up one, then that folder
        r"|(?<![\w./-])shar[e]d/"                           # that folder as a relative path
        # HERE.parent / <name>, ROOT.parents[2] / <name>, Path("..") / <name>
        r"|(?:\.parent|\.parents\[\d+\]|[\"']\.\.[\"']\)?)\s*/\s*[\"']shar[e]d[\"']"
        r"|[\"']\.\.[\"']\s*,\s*[\"']shar[e]d[\"']"),       # join(root, "..", <name>)
    "an absolute path of a development machine": re.compile(
        r"/wor[k]/"                                         # the lead's and helpers' trees
        r"|/tm[p]/(?:i\d+|wt-)"                             # helpers' worktrees
        r"|/hom[e]/[A-Za-z_][\w.-]*"                        # /home/<user>
        r"|/roo[t]/"                                        # root's home
        r"|/User[s]/[A-Za-z]|[A-Z]:\\{1,2}User[s]\\"),      # macOS, Windows homes
}


def tracked_files() -> list[str]:
    """The repository's tracked files (``git ls-files``)."""
    done = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True,
                          check=False)
    if done.returncode != 0:
        pytest.fail(f"git ls-files failed in {ROOT}: {done.stderr.decode()[:300]}",
                    pytrace=False)
    return sorted(done.stdout.decode().split("\0")[:-1])


def problems(text: str) -> list[tuple[int, str, str]]:
    """(line, what, the offending text) for every reference that leaves the project."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        for what, pattern in PROBLEMS.items():
            out += [(number, what, m.group(0)) for m in pattern.finditer(line)]
    return out


def test_no_tracked_file_refers_outside_the_project() -> None:
    files = tracked_files()
    for prefix in REQUIRED:
        assert any(f.startswith(prefix) for f in files), f"no tracked file under {prefix}"
    found = []
    for name in files:
        if name == SELF:
            continue
        data = (ROOT / name).read_bytes()
        if b"\0" in data:
            continue  # binary (the demo's gzip)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        found += [f"{name}:{line}: {what}: {hit!r}" for line, what, hit in problems(text)]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("text", [
    f"python3 ../{SIBLING}/nab/score.py out",
    f"validated against ../{SIBLING}/github/",
    f"The NAB standard profile (as in {SIBLING}/nab/score.py)",
    f'Path(__file__).resolve().parents[3] / "{SIBLING}" / "github" / "subset.json"',
    f'HERE.parent.parent / "{SIBLING}" / "nab" / "data"',
    f'Path("..") / "{SIBLING}"',
    f"os.path.join(root, '..', '{SIBLING}', 'nab')",
    f"The document is ``/wor{'k'}/{SIBLING}/github/github-rest-subset.json``",
    "cd /tmp/i12/p && bash tests/bootstrap.sh",
    "cwd=/tmp/wt-i15",
    "cache in /home/alice/.cache/tars",
    "PATH=/root/.cargo/bin:/usr/bin",
    "open('/Users/bob/nab/data')",
    r"C:\Users\bob\nab",
    r"C:\\Users\\bob",
])
def test_the_check_catches(text: str) -> None:
    assert problems(text) != []


@pytest.mark.parametrize("text", [
    "tars-ci demo --out /tmp/tars-demo",
    "refractory decay, shared by both directions",
    "a shared (read-only) schema book",
    'shared = tmp_path / "shared"',
    'location = "/".join(parts) or "<root>"',
    "gh.add_repo('acme/shop', git_dir=str(tmp_path / 'remote.git'))",
    "tests/github_emulator/openapi/github-rest-subset.json",
    "python -m bench.nab --nab-dir NAB/data",
    "https://github.com/numenta/NAB",
])
def test_the_check_lets_through(text: str) -> None:
    assert problems(text) == []
