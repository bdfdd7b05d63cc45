"""Fixtures of the workflow tests: a scratch repository holding the example spec."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_SPEC = ROOT / "config" / "tars.yaml"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty repository root holding config/tars.yaml (the example spec); it is the cwd."""
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "tars.yaml").write_text(EXAMPLE_SPEC.read_text("utf-8"), "utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def set_daily_time(spec: Path, old: str, new: str) -> None:
    """Change the spec's schedule.daily_time from ``old`` to ``new`` (both "HH:MM")."""
    text = spec.read_text("utf-8")
    assert f'daily_time: "{old}"' in text
    spec.write_text(text.replace(f'daily_time: "{old}"', f'daily_time: "{new}"'), "utf-8")


def executable(path: Path, text: str) -> None:
    """Write an executable script."""
    path.write_text(text, "utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
