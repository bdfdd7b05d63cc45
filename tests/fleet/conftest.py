"""A fleet of specs on the bundled demo data (recorded from a real Prometheus), for the CLI
tests: each release a copy of the demo spec under another name."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.harness.fleet import NAME_LINE

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "tars_ci" / "demo"
DAY_3 = "2026-11-06T01:00:00Z"  # days 0-3 closed and settled
NOW = "2026-11-10T01:00:00Z"  # the whole program closed
DOWN_SOURCE = "source: {kind: prometheus, url: 'http://127.0.0.1:1', retries: 0}\n"


def demo_spec(name: str, *, source: str | None = None) -> str:
    """The demo spec for release ``name`` (``source``: another ``source:`` block)."""
    text = (DEMO / "tars.yaml").read_text("utf-8").replace(NAME_LINE, f"  name: {name}\n")
    if source is not None:
        start = text.index("source:\n")
        end = text.index("\nkpis:")
        text = text[:start] + source + text[end:]
    return text


@pytest.fixture
def fleet_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``config/releases/`` holding the demo's replay file (ignored as a spec: not YAML) and
    nothing else yet; the working directory is the folder above ``config``."""
    folder = tmp_path / "config" / "releases"
    folder.mkdir(parents=True)
    shutil.copy(DEMO / "demo_replay.json.gz", folder / "demo_replay.json.gz")
    monkeypatch.chdir(tmp_path)
    return folder


def add(folder: Path, file: str, text: str) -> Path:
    """Write one spec into the fleet."""
    path = folder / file
    path.write_text(text, "utf-8")
    return path
