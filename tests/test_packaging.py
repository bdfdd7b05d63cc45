"""Every data file the package reads ships in the wheel (editable installs hide a miss)."""

from __future__ import annotations

import fnmatch
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_every_non_python_file_in_the_package_is_package_data():
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["tars_ci"]
    tracked = subprocess.run(["git", "ls-files", "tars_ci"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.split()
    data = [Path(p).relative_to("tars_ci").as_posix() for p in tracked
            if not p.endswith(".py")]
    assert data, "no data files found: is this a git checkout?"
    missing = [f for f in data if not any(fnmatch.fnmatch(f, pat) for pat in patterns)]
    assert missing == [], f"add these to [tool.setuptools.package-data] in pyproject: {missing}"
