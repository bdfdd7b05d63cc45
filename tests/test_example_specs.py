"""The example spec ships three times (config/, the demo, the `init` template): they agree."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from tars_ci.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
SHARED = ("release", "schedule", "kpis", "slos", "thresholds", "priorities", "reports")


@pytest.mark.parametrize("copy", ["demo/tars.yaml", "templates/tars.yaml"])
def test_shipped_copies_agree_with_config(copy: str):
    config = load_spec(ROOT / "config" / "tars.yaml", {})
    other = load_spec(Path(str(files("tars_ci") / copy)), {})
    for section in SHARED:
        assert getattr(other, section) == getattr(config, section), section


def test_the_demo_reads_the_bundled_replay_file():
    demo = load_spec(Path(str(files("tars_ci") / "demo/tars.yaml")), {})
    assert (demo.source.kind, demo.source.path) == ("replay", "demo_replay.json.gz")
    assert (files("tars_ci") / "demo" / demo.source.path).is_file()
