from pathlib import Path

import pytest

from tars_ci.errors import ReportError
from tars_ci.reports.paths import ReleasePaths


def test_layout_matches_the_runbook(tmp_path: Path):
    p = ReleasePaths.under(tmp_path, "checkout-api-v2-4-0")
    rel = lambda path: path.relative_to(tmp_path).as_posix()
    assert rel(p.ga_summary) == "checkout-api-v2-4-0/ga_kpis/ga_kpi_summary.json"
    assert rel(p.day_summary(3)) == "checkout-api-v2-4-0/stability/day_03_summary.json"
    assert rel(p.health(3)) == "checkout-api-v2-4-0/health/day_03_HEALTH.json"
    assert rel(p.anomalies) == "checkout-api-v2-4-0/anomalies/anomaly_events.json"
    assert rel(p.regression) == "checkout-api-v2-4-0/regression/regression_summary.json"
    assert rel(p.retro_md) == "checkout-api-v2-4-0/output/GA_7DAY_RETROSPECTIVE.md"
    assert rel(p.retro_json) == "checkout-api-v2-4-0/output/GA_7DAY_RETROSPECTIVE.json"


@pytest.mark.parametrize("slug", ["../etc", "a/b", "", ".hidden", "UPPER", "x" * 81])
def test_unsafe_slugs_cannot_escape_the_reports_directory(tmp_path: Path, slug: str):
    with pytest.raises(ReportError, match="safe directory name"):
        ReleasePaths.under(tmp_path, slug)


def test_a_day_is_recorded_only_with_both_summary_and_health(tmp_path: Path):
    p = ReleasePaths.under(tmp_path, "r")
    assert p.recorded_days() == set()
    for path in (p.ga_summary, p.day_summary(1), p.health(1), p.day_summary(2)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    (p.root / "stability" / "notes.txt").write_text("")
    assert p.recorded_days() == {0, 1}  # day 2 has no health report yet
