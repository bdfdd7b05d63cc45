"""Job summary, annotations and step outputs from a hand-built reports tree (CONTRACTS.md
layout), with exact expected text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tars_ci.analysis.findings import Finding
from tars_ci.analysis.kpis import format_value
from tars_ci.analysis.rollback import Rollback
from tars_ci.errors import ReportError
from tars_ci.reports.actions import (
    ActionsReport,
    annotation,
    append_to_files,
    build,
    day_failures,
    escape_data,
    escape_property,
    format_outputs,
)
from tars_ci.reports.jsonio import write_text
from tars_ci.reports.markdown import escape
from tars_ci.reports.store import HistoryStore
from tars_ci.spec import levels, load_spec
from tars_ci.spec.model import Spec
from tests.harness import records
from tests.workflows.conftest import EXAMPLE_SPEC

SLUG = "checkout-api-v2-4-0"
MONITOR = Rollback("monitor", ("No rollback rule fired.",), ())


def finding(day: int, kpi: str, priority: str, severity: str, title: str,
            value: float | None = None, baseline: float | None = None,
            drift: float | None = None, detail: str = "Detail.") -> Finding:
    return records.finding(kpi, day, priority, severity=severity, title=title, value=value,
                           baseline=baseline, drift=drift, detail=detail)


def record_day(store: HistoryStore, day: int, score: float, band: str,
               findings: list[Finding], rollback: Rollback = MONITOR) -> None:
    summary = records.day_summary(day, findings, score, band, rollback, comparisons={})
    store.write_day(summary, records.health_report(summary))


def record_baseline(store: HistoryStore) -> None:
    store.write_ga(records.ga_summary({}))


@pytest.fixture
def spec() -> Spec:
    return load_spec(EXAMPLE_SPEC, {})


@pytest.fixture
def paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> HistoryStore:
    monkeypatch.chdir(tmp_path)
    return records.store(Path("reports"))


DAY3_FINDINGS = [
    finding(3, "p95_latency_ms", "P2", "medium", "p95 latency +22.0% vs GA baseline",
            value=170.8, baseline=140.0, drift=22.0),
    finding(3, "availability", "P0", "critical", "Availability 98.7% is in the P0 band",
            value=98.7, baseline=99.95, drift=-1.25,
            detail="Value 98.7% is beyond the P0 bound 99.0%.\nRoll back now."),
    finding(3, "cpu_percent", "P3", "low", "CPU utilisation +11.0% vs GA baseline",
            value=55.5, baseline=50.0, drift=11.0),
    finding(3, "error_rate", "P1", "high", "Error rate | @oncall <b>x</b>, 3:1",
            value=2.4, baseline=0.05, drift=4700.0),
]
ROLLBACK = Rollback("immediate_rollback",
                    ("Availability 98.7% < 99.0%", "Error rate 2.4% > 2%"), ("p0_band",))


def three_days(paths: HistoryStore) -> None:
    record_baseline(paths)
    record_day(paths, 1, 96.5, "excellent", [
        finding(1, "cpu_percent", "P3", "low", "CPU utilisation +10.5% vs GA baseline",
                value=55.25, baseline=50.0, drift=10.5)])
    record_day(paths, 2, 81.25, "good", [
        finding(2, "p95_latency_ms", "P2", "medium", "p95 latency +20.0% vs GA baseline",
                value=168.0, baseline=140.0, drift=20.0)])
    record_day(paths, 3, 38.0, "poor", DAY3_FINDINGS, ROLLBACK)


def pct(value: float) -> str:
    """A value cell as the KPI formatter shows it (its digits are that module's choice)."""
    return format_value(value, "percent")


def ms(value: float) -> str:
    return format_value(value, "ms")


def test_summary_of_a_catch_up_run(spec: Spec, paths: HistoryStore) -> None:
    three_days(paths)
    report = build(spec, paths, [3, 2])
    assert report.summary == "\n".join([
        f"## tars-ci · {escape('checkout-api v2.4.0')}",
        "",
        "Processed in this run: day 2, day 3.",
        "",
        "**Result: failing** (the job exits 1): 3 reason(s) on day 3.",
        "",
        "- day 3: immediate rollback recommended",
        f"- day 3: P0 {escape(DAY3_FINDINGS[1].title)}",
        f"- day 3: P1 {escape(DAY3_FINDINGS[3].title)}",
        "",
        ("**Health** 38.0/100 (poor) on day 3 · **Rollback** immediate rollback · "
        "**Findings** 1 P0, 1 P1, 1 P2, 1 P3"),
        "",
        "| Day | Date (UTC) | Health | Band | Rollback | P0 | P1 | P2 | P3 | Run |",
        "|---:|---|---:|---|---|---:|---:|---:|---:|---|",
        "| 0 | 2026-11-02 | baseline | | | | | | | |",
        "| 1 | 2026-11-03 | 96.5 | excellent | monitor | 0 | 0 | 0 | 1 | |",
        "| 2 | 2026-11-04 | 81.2 | good | monitor | 0 | 0 | 1 | 0 | this run |",
        "| 3 | 2026-11-05 | 38.0 | poor | immediate rollback | 1 | 1 | 1 | 1 | this run |",
        "",
        "### Findings on day 3",
        "",
        "| Priority | Finding | Severity | Value | Baseline | Drift |",
        "|---|---|---|---:|---:|---:|",
        (f"| P0 | {escape(DAY3_FINDINGS[1].title)} | critical | {pct(98.7)} | "
         f"{pct(99.95)} | -1.2% |"),
        (f"| P1 | {escape(DAY3_FINDINGS[3].title)} | high | {pct(2.4)} | "
         f"{pct(0.05)} | +4700.0% |"),
        (f"| P2 | {escape(DAY3_FINDINGS[0].title)} | medium | {ms(170.8)} | {ms(140.0)} "
         "| +22.0% |"),
        (f"| P3 | {escape(DAY3_FINDINGS[2].title)} | low | {pct(55.5)} | {pct(50.0)} "
         "| +11.0% |"),
        "",
        "### Rollback recommended on day 3",
        "",
        f"- {escape(ROLLBACK.reasons[0])}",
        f"- {escape(ROLLBACK.reasons[1])}",
        "",
    ])
    # The hostile title is inert: no raw HTML, no mention, its pipe does not split the row.
    row = next(ln for ln in report.summary.splitlines() if ln.startswith("| P1 |"))
    assert "<b>" not in row
    assert "@oncall" not in row
    assert len(re.findall(r"(?<!\\)\|", row)) == 7


def test_annotations_of_the_newest_processed_day(spec: Spec, paths: HistoryStore) -> None:
    three_days(paths)
    assert build(spec, paths, [2, 3]).annotations == (
        ("::error title=Day 3%3A immediate rollback recommended::"
        "Availability 98.7%25 < 99.0%25; Error rate 2.4%25 > 2%25"),
        ("::error title=P0 day 3%3A availability%3Adegradation::Availability 98.7%25 is in the "
        "P0 band. Value 98.7%25 is beyond the P0 bound 99.0%25.%0ARoll back now."),
        ("::error title=P1 day 3%3A error_rate%3Adegradation::Error rate | @oncall <b>x</b>, "
        "3:1. Detail."),
        ("::warning title=P2 day 3%3A p95_latency_ms%3Adegradation::p95 latency +22.0%25 vs "
        "GA baseline. Detail."),
    )
    # Day 2 alone: its P2 is a warning, its P3 nothing.
    assert build(spec, paths, [2]).annotations == (
        ("::warning title=P2 day 2%3A p95_latency_ms%3Adegradation::p95 latency +20.0%25 vs "
        "GA baseline. Detail."),)
    # Nothing processed: nothing new to annotate.
    assert build(spec, paths, []).annotations == ()


def test_outputs(spec: Spec, paths: HistoryStore) -> None:
    three_days(paths)
    assert dict(build(spec, paths, [2, 3]).outputs) == {
        "health_score": "38.0", "health_band": "poor", "rollback": "immediate_rollback",
        "days_processed": "[2,3]", "latest_day": "3", "max_priority": "P0",
        "program_complete": "false", "result": "failing", "failing_days": "[3]"}


def test_annotations_are_capped_per_level(spec: Spec, paths: HistoryStore) -> None:
    record_baseline(paths)
    many = [finding(1, f"kpi_{i:02d}", "P1", "high", f"KPI {i} degraded") for i in range(12)]
    record_day(paths, 1, 20.0, "poor", many, ROLLBACK._replace(decision="rollback"))
    lines = build(spec, paths, [1]).annotations
    assert [ln.split(" ", 1)[0] for ln in lines] == ["::error"] * 10 + ["::notice"]
    assert lines[0].startswith("::error title=Day 1%3A rollback recommended::")
    assert lines[-1] == ("::notice title=More findings::3 more P0-P2 findings are not "
                         "annotated; see the job summary")


def test_a_catch_up_run_annotates_every_processed_day_once(spec: Spec,
                                                           paths: HistoryStore) -> None:
    """Day 1's P1 (which makes the run exit 1) is annotated although day 2 is newer; a
    finding seen on both days is annotated once, at its newest day."""
    record_baseline(paths)
    record_day(paths, 1, 70.0, "good", [
        finding(1, "p99_latency_ms", "P1", "high", "p99 +37%"),
        finding(1, "cpu_percent", "P2", "medium", "CPU +16%")],
        ROLLBACK._replace(decision="rollback", reasons=("day 1 reason",)))
    record_day(paths, 2, 90.0, "excellent", [
        finding(2, "cpu_percent", "P2", "medium", "CPU +17%")])
    assert build(spec, paths, [1, 2]).annotations == (
        "::error title=Day 1%3A rollback recommended::day 1 reason",
        "::error title=P1 day 1%3A p99_latency_ms%3Adegradation::p99 +37%25. Detail.",
        "::warning title=P2 day 2%3A cpu_percent%3Adegradation::CPU +17%25. Detail.",
    )


def test_program_complete_run_reports_and_writes_nothing(spec: Spec,
                                                         paths: HistoryStore) -> None:
    record_baseline(paths)
    for day in range(1, 8):
        record_day(paths, day, 92.0, "excellent", [])
    write_text(paths.paths.retro_md, "# retro\n")
    report = build(spec, paths, [], complete=True, dry_run=True)
    assert report.summary.splitlines()[2:5] == [
        "**Program complete**: days 0–7 are recorded; this run wrote nothing.",
        "",
        "Dry run: the GitHub writes were printed as a plan, not made.",
    ]
    assert report.summary.endswith(
        "| 7 | 2026-11-09 | 92.0 | excellent | monitor | 0 | 0 | 0 | 0 | |\n\n"
        "The retrospective is in "
        "`reports/checkout-api-v2-4-0/output/GA_7DAY_RETROSPECTIVE.md`.\n")
    assert "### Findings" not in report.summary
    assert report.annotations == ()
    assert report.outputs["days_processed"] == "[]"
    assert report.outputs["program_complete"] == "true"
    assert report.outputs["max_priority"] == ""


def test_before_anything_is_recorded(spec: Spec, paths: HistoryStore) -> None:
    report = build(spec, paths, [])
    assert report.summary == (f"## tars-ci · {escape('checkout-api v2.4.0')}\n\n"
                              "Nothing due: every day that has closed is already recorded.\n\n"
                              "No day is recorded yet.\n")
    assert dict(report.outputs) == {
        "health_score": "", "health_band": "", "rollback": "", "days_processed": "[]",
        "latest_day": "", "max_priority": "", "program_complete": "false",
        "result": "passing", "failing_days": "[]"}


def test_a_baseline_only_run(spec: Spec, paths: HistoryStore) -> None:
    record_baseline(paths)
    report = build(spec, paths, [0])
    assert "| 0 | 2026-11-02 | baseline | | | | | | | this run |" in report.summary
    assert report.outputs["days_processed"] == "[0]"
    assert report.outputs["health_score"] == ""
    assert report.annotations == ()


def test_a_corrupt_report_is_a_report_error(spec: Spec, paths: HistoryStore) -> None:
    three_days(paths)
    paths.paths.day_summary(2).write_text("{not json", "utf-8")
    with pytest.raises(ReportError, match="day_02_summary.json"):
        build(spec, paths, [2])


# --------------------------------------------------------------------------- escaping, files


def test_workflow_command_escaping() -> None:
    assert escape_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert escape_property("a:b,c%\nd") == "a%3Ab%2Cc%25%0Ad"
    assert annotation("warning", "x") == "::warning::x"
    assert annotation("error", "m::n", title="t:1") == "::error title=t%3A1::m::n"


def test_outputs_use_the_heredoc_form_for_multi_line_values() -> None:
    text = format_outputs({"a": "1", "b": "line 1\nline 2", "c": ""},
                          delimiter=lambda: "ghadelimiter_X")
    assert text == "a=1\nb<<ghadelimiter_X\nline 1\nline 2\nghadelimiter_X\nc=\n"
    with pytest.raises(ValueError, match="delimiter"):
        format_outputs({"b": "x\nEOF"}, delimiter=lambda: "EOF")
    # The default delimiter is random per value, so a value cannot forge the end marker.
    first, second = (format_outputs({"b": "x\ny"}).split("\n")[0] for _ in range(2))
    assert first != second and first.startswith("b<<ghadelimiter_")


def test_append_to_files_appends(tmp_path: Path) -> None:
    summary, output = tmp_path / "summary.md", tmp_path / "output"
    summary.write_text("earlier step\n", "utf-8")
    output.write_text("x=1\n", "utf-8")
    report = ActionsReport("## s", (), {"health_score": "90.0", "rollback": "monitor"})
    append_to_files(report, summary_file=summary, output_file=output)
    assert summary.read_text("utf-8") == "earlier step\n## s\n"
    assert output.read_text("utf-8") == "x=1\nhealth_score=90.0\nrollback=monitor\n"
    append_to_files(report, summary_file=None, output_file=None)  # variables unset: no-op
    with pytest.raises(ReportError, match="cannot append"):
        append_to_files(report, summary_file=tmp_path / "missing" / "s.md", output_file=None)


@pytest.mark.parametrize("fail_on_rollback", [True, False])
@pytest.mark.parametrize("fail_level", ["P0", "P1", "P2"])
def test_summary_annotations_outputs_and_exit_code_agree_on_every_day(
        spec: Spec, paths: HistoryStore, fail_level: str, fail_on_rollback: bool,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The four views of a run's result come from one rule, whatever the spec sets."""
    import dataclasses

    from tars_ci.cli.common import fail_exit
    from tars_ci.pipeline.run import RunResult, outcome_of

    spec = dataclasses.replace(spec, priorities=dataclasses.replace(
        spec.priorities, fail_level=fail_level, fail_on_rollback=fail_on_rollback))
    three_days(paths)
    record_day(paths, 4, 75.0, "good", [], ROLLBACK._replace(decision="rollback",
                                                             reasons=("health floor",)))
    history = paths.load()
    for day in (1, 2, 3, 4):
        summary = history.days[day].summary
        report = build(spec, paths, [day])
        code = fail_exit(spec, RunResult(paths.root, (day,), (outcome_of(summary),), (),
                                         False, False))
        printed = capsys.readouterr().out
        errors = [a for a in report.annotations if a.startswith("::error")]
        expect_fail = any(
            levels.at_least_as_urgent(f.priority, fail_level) for f in summary.findings) or (
            fail_on_rollback and summary.rollback_recommendation.decision != "monitor")
        assert (code == 1) is expect_fail, (day, code)
        assert report.outputs["result"] == ("failing" if expect_fail else "passing"), day
        assert report.outputs["failing_days"] == (f"[{day}]" if expect_fail else "[]")
        assert ("**Result: failing**" in report.summary) is expect_fail, day
        assert ("**Result: passing**" in report.summary) is not expect_fail, day
        assert bool(errors) is expect_fail, (day, report.annotations)
        assert printed.startswith("failing (") is expect_fail, printed
        for reason in day_failures(spec, summary):  # every reason, in all three texts
            assert escape(reason) in report.summary and reason in printed
