"""The publishing benchmark at a small size: request counts, not times, so they are judged
here. Other releases' closed issues cost a run nothing; no issue is ever fetched one by one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import publishing

pytestmark = pytest.mark.integration


def test_other_releases_history_does_not_grow_a_run(tmp_path: Path) -> None:
    out = tmp_path / "publishing.json"
    assert publishing.main(["--other", "250", "--releases", "25", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["met"] and result["worst_ratio"] <= publishing.TARGET
    runs = result["runs"]
    assert [r["day"] for r in runs] == list(range(8))
    for r in runs:
        ops = r["history"]["by_operation"]
        assert "GET issues/get" not in ops  # no per-issue reads
        assert "GET issues/list-labels-for-repo" not in ops  # labels grow with releases too
        # the same work in both repositories: identical writes but for labels that the
        # old issues already created
        assert r["history"]["writes"] <= r["empty"]["writes"]
        lists = ops.get("GET issues/list-for-repo", 0)
        assert lists in (0, 2), ops  # one page of this release's, one of open issues
    assert sum(r["empty"]["writes"] for r in runs) > 15  # the runs did real work
    assert runs[7]["history"]["by_operation"]["POST pulls/create"] == 1
