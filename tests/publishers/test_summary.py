"""The Actions publisher writes exactly what the job summary code builds, in plan and apply."""

from __future__ import annotations

from pathlib import Path

from tars_ci.publishers.summary import ActionsSummary, SummaryContext
from tars_ci.reports import actions
from tars_ci.reports.documents import release_block
from tars_ci.reports.store import HistoryStore
from tars_ci.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]


def test_plan_then_apply_on_the_committed_demo(tmp_path: Path) -> None:
    spec = load_spec(ROOT / "tars_ci" / "demo" / "tars.yaml", {})
    store = HistoryStore(ROOT / "reports", release_block(spec))
    lines: list[str] = []
    ctx = SummaryContext(spec, store, [5], True, False, tmp_path / "summary.md",
                         tmp_path / "output.txt", lines.append)
    planned = ActionsSummary().plan(ctx)
    assert [(s.action, s.status) for s in planned] == [
        ("annotations", "planned"), ("job_summary", "planned"), ("outputs", "planned")]
    assert lines == [] and not (tmp_path / "summary.md").exists()
    done = ActionsSummary().apply(ctx)
    assert [s.status for s in done] == ["done"] * 3
    report = actions.build(spec, store, [5], complete=True)
    assert lines == list(report.annotations) and lines
    assert (tmp_path / "summary.md").read_text() == report.summary + "\n"
    assert "health_score" in (tmp_path / "output.txt").read_text()


def test_without_the_job_files_only_the_annotations(tmp_path: Path) -> None:
    spec = load_spec(ROOT / "tars_ci" / "demo" / "tars.yaml", {})
    store = HistoryStore(ROOT / "reports", release_block(spec))
    lines: list[str] = []
    done = ActionsSummary().apply(SummaryContext(spec, store, [2], False, False, None, None,
                                                 lines.append))
    assert [(s.action, s.status) for s in done] == [
        ("annotations", "done"), ("job_summary", "skipped"), ("outputs", "skipped")]
    assert lines
