"""What the history commit takes from the reports directory."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tars_ci.github import history
from tars_ci.github.git import Git
from tars_ci.github.publish import _pathspecs


def test_history_takes_reports_but_not_retrospectives_or_temporaries(tmp_path: Path):
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    release = tmp_path / "reports" / "shop-v1"
    for name in ("stability/day_01_summary.json", "stability/.day_02_summary.json.x1.tmp",
                 "output/GA_7DAY_RETROSPECTIVE.md", "ga_kpis/ga_kpi_summary.json"):
        (release / name).parent.mkdir(parents=True, exist_ok=True)
        (release / name).write_text("{}\n")
    (tmp_path / "elsewhere.txt").write_text("not ours\n")
    changes = history.pending_changes(Git(tmp_path), _pathspecs(tmp_path, tmp_path / "reports"))
    assert sorted(c.path for c in changes) == [
        "reports/shop-v1/ga_kpis/ga_kpi_summary.json",
        "reports/shop-v1/stability/day_01_summary.json"]
