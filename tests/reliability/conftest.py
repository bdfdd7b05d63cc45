"""Shared pieces of the reliability tests: the demo's reference history, a repository with a
bare remote, and snapshots of every place a run leaves state (reports tree, git remote,
GitHub emulator) so a faulted run can be compared with an uninterrupted one."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tars_ci.cli import main
from tests.github_emulator import GitHubEmulator
from tests.harness.git import git, seed_remote

ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = ROOT / "tars_ci" / "demo"
EXAMPLE_SPEC = ROOT / "config" / "tars.yaml"
NOW = "2026-11-10T01:00:00Z"  # day 7 closed and settled: the whole program is due
DAY_3 = "2026-11-06T01:00:00Z"  # days 0-3 closed: what the runs up to day 3 recorded
SLUG = "checkout-api-v2-4-0"
REPO = "acme/checkout"
TOKEN = "ghs_reliability00000000000000000000000001"


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative name → bytes); empty when ``root`` is absent."""
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def half_written(root: Path) -> list[str]:
    """Files a killed or failed write could leave: temporaries and JSON that does not parse."""
    bad = []
    for name, data in tree(root).items():
        if name.endswith(".tmp") or "/." in f"/{name}":
            bad.append(name)
        elif name.endswith(".json"):
            try:
                json.loads(data)
            except ValueError:
                bad.append(name)
    return bad


def diff(want: dict[str, bytes], got: dict[str, bytes]) -> list[str]:
    """Names that are missing, extra or different."""
    return sorted(set(want) ^ set(got)) + sorted(n for n in want.keys() & got.keys()
                                                 if want[n] != got[n])


@pytest.fixture(scope="session")
def demo_history(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The reports tree of one uninterrupted run of the bundled demo (recorded data; the
    same bytes a run on the real Prometheus writes, see tests/sources/test_prometheus_e2e)."""
    out = tmp_path_factory.mktemp("demo-history")
    assert main(["run", "--spec", str(DEMO_DIR / "tars.yaml"), "--now", NOW, "--reports",
                 str(out), "-q"], {}) == 1  # the day-2 p99 finding is P1, the fail level
    return tree(out)


@pytest.fixture(scope="session")
def early_history(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Days 0-3 of the demo, as the scheduled runs up to day 3 recorded them."""
    out = tmp_path_factory.mktemp("early-history")
    assert main(["run", "--spec", str(DEMO_DIR / "tars.yaml"), "--now", DAY_3, "--reports",
                 str(out), "-q"], {}) == 1
    return tree(out)


def restore(root: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` (as :func:`tree` lists them) under ``root``."""
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)


def make_repository(base: Path, spec_text: str, extra: dict[str, Path] | None = None
                    ) -> tuple[Path, Path]:
    """A bare remote whose main holds ``config/tars.yaml`` (plus ``extra`` files copied into
    config/), and a clone of it (a CI checkout); returns (remote, clone)."""
    def spec(tree: Path) -> None:
        (tree / "config").mkdir()
        (tree / "config" / "tars.yaml").write_text(spec_text, "utf-8")
        for name, source in (extra or {}).items():
            shutil.copy(source, tree / "config" / name)
    return seed_remote(base, spec, work="work", message="spec")


def demo_repository(base: Path) -> tuple[Path, Path]:
    """:func:`make_repository` with the bundled demo spec and its recorded data."""
    return make_repository(base, (DEMO_DIR / "tars.yaml").read_text("utf-8"),
                           {"demo_replay.json.gz": DEMO_DIR / "demo_replay.json.gz"})


def remote_state(bare: Path) -> dict[str, Any]:
    """What the remote holds, independent of commit times: each ref's history as
    (subject, tree) pairs, oldest first."""
    refs = git(bare, "for-each-ref", "--format=%(refname)").splitlines()
    return {ref: [tuple(line.split("\t")) for line in
                  git(bare, "log", "--reverse", "--format=%s%x09%T", ref).splitlines()]
            for ref in refs}


def github_state(gh: GitHubEmulator, bare: Path) -> list[dict[str, Any]]:
    """Issues and pull requests as people see them, without ids or times; the emulator's
    address reads ``<github>`` and the sha of the remote's main reads ``<main>`` (evidence
    links point at the history commit)."""
    head = git(bare, "rev-parse", "main")

    def plain(text: str | None) -> str | None:
        return None if text is None else \
            text.replace(gh.state.urls.html, "<github>").replace(head, "<main>")

    out = []
    for it in gh.issues(REPO, include_pulls=True):
        out.append({"number": it["number"], "title": it["title"], "body": plain(it["body"]),
                    "state": it["state"], "labels": sorted(it["labels"]),
                    "comments": [plain(c["body"]) for c in it["comments"]],
                    "pull": None if not it["pull"] else it["pull"]["head"]})
    return out


@contextmanager
def emulator_for(bare: Path) -> Iterator[GitHubEmulator]:
    """A running emulator serving :data:`REPO` over ``bare``, accepting :data:`TOKEN`."""
    with GitHubEmulator() as gh:
        gh.add_repo(REPO, git_dir=str(bare))
        gh.state.tokens[TOKEN] = "tars-ci-bot"
        yield gh


def publish_env(gh: GitHubEmulator, **extra: str) -> dict[str, str]:
    """The environment of a scheduled run that publishes to the emulator."""
    return {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": gh.url,
            "TARS_CI_FAST_LOOPBACK": "1", **extra}
