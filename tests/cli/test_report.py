"""`tars-ci report`: periodic SLO and health reports on the demo's history.

The acceptance check of issue 17: the 7-day report's SLO figures equal the ones computed here
by hand, with numpy, straight from the replay series.
"""

from __future__ import annotations

import json
import shutil
import socket
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest

from tars_ci.cli import main
from tars_ci.sources.replay import read_replay

ROOT = Path(__file__).resolve().parents[2]
RELEASE = "checkout-api-v2-4-0"
GA = 1793577600  # 2026-11-02T00:00:00Z, the demo's GA
STEP = 60
NOW = "2026-11-10T01:00:00Z"  # the program is over: every window below has closed


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    """The demo spec and data with the committed demo history beside them."""
    demo = files("tars_ci.demo")
    for name in ("tars.yaml", "demo_replay.json.gz"):
        shutil.copyfile(str(demo / name), tmp_path / name)
    shutil.copytree(ROOT / "reports" / RELEASE, tmp_path / "reports" / RELEASE)
    return tmp_path / "tars.yaml"


def report(spec: Path, *args: str, now: str = NOW) -> int:
    return main(["report", "--spec", str(spec), "--reports", str(spec.parent / "reports"),
                 "--now", now, "-q", *args])


def periodic(spec: Path, name: str) -> Path:
    return spec.parent / "reports" / RELEASE / "periodic" / name


def load(spec: Path, name: str) -> dict:
    return json.loads(periodic(spec, f"{name}.json").read_text())


def by_hand(start: int, end: int) -> dict[str, float]:
    """The availability SLO over [start, end) from the replay series, with numpy alone."""
    series = read_replay(ROOT / "tars_ci" / "demo" / "demo_replay.json.gz")
    good, total = series["slo:availability:good"], series["slo:availability:total"]
    assert good.start == total.start == GA and good.step == total.step == STEP
    window = slice((start - GA) // STEP, (end - GA) // STEP)
    g, t = good.values[window], total.values[window]
    assert g.size == (end - start) // STEP and np.isfinite(g).all() and np.isfinite(t).all()
    bad_share = (t.sum() - g.sum()) / t.sum()
    burn = bad_share / (1 - 0.999)
    return {
        "sli_percent": 100 * g.sum() / t.sum(),
        "burn_rate": burn,
        "bad": (t.sum() - g.sum()) * STEP,  # rates per second at a 60 s step → events
        "total": t.sum() * STEP,
        "window_budget": 0.001 * t.sum() * STEP,
        "window_budget_consumed_percent": 100 * burn,
        # the 30-day SLO's budget: the window spent burn × 7 days / 30 days of it
        "slo_budget_consumed_percent": 100 * burn * ((end - start) / 86400) / 30,
    }


def test_7d_report_matches_slo_figures_computed_by_hand_from_the_replay(spec: Path, capsys):
    assert report(spec, "--period", "7d", "--end", "2026-11-10T00:00:00Z") == 1  # the burst
    got = load(spec, "7d_20261110T0000Z")
    assert got["period"] == {"period": "7d", "start": "2026-11-03T00:00:00Z",
                             "end": "2026-11-10T00:00:00Z", "program_days": [1, 2, 3, 4, 5, 6, 7]}
    slo = got["slo"]["availability"]
    want = by_hand(GA + 86400, GA + 8 * 86400)
    for key, value in want.items():
        assert slo[key] == pytest.approx(value, rel=1e-5), key  # JSON keeps 6 digits
    assert slo["good"] == pytest.approx(want["total"] - want["bad"], rel=1e-5)
    assert slo["status"] == "ok" and slo["coverage"] == 1 and slo["met"] is False
    assert slo["slo_window"] == "30d" and slo["unit"] == "events"
    assert slo["hours_with_data"] == 168
    # the numbers the story is about, rounded as people read them
    assert round(want["sli_percent"], 4) == 99.7712 and round(want["burn_rate"], 2) == 2.29
    assert round(want["slo_budget_consumed_percent"], 2) == 53.39
    # the day-5 burst fired every burn-rate alert, the page first, at up to 80.5×
    alerts = {a["alert"]: a for a in slo["burn"]["alerts"]}
    assert sorted(alerts) == ["page_fast", "page_slow", "ticket_fast", "ticket_slow"]
    assert alerts["page_fast"]["start"] == "2026-11-07T13:15:00Z"
    assert alerts["page_fast"]["end"] == "2026-11-07T16:04:00Z"
    assert round(alerts["page_fast"]["peak_burn"], 1) == 80.5
    out = capsys.readouterr().out
    assert "SLO availability: SLI 99.7712% (objective 99.9%) MISSED, burn rate 2.29×" in out
    assert "failing (2): " in out and "P0 SLO availability burned its error budget" in out


def test_the_threshold_slo_is_the_share_of_samples_within_its_bound(spec: Path):
    report(spec, "--period", "7d", "--end", "2026-11-10T00:00:00Z")
    slo = load(spec, "7d_20261110T0000Z")["slo"]["latency_p99"]
    p99 = read_replay(ROOT / "tars_ci" / "demo" / "demo_replay.json.gz")["p99_latency_ms"]
    values = p99.values[1440:8 * 1440]
    assert slo["total"] == values.size and slo["bad"] == np.count_nonzero(values > 250)
    assert slo["sli_percent"] == pytest.approx(100 * np.mean(values <= 250), rel=1e-6)
    assert slo["unit"] == "samples" and slo["window_budget"] == pytest.approx(0.01 * values.size)


def test_24h_on_day_5_shows_the_page_and_judges_the_day_as_its_daily_file(spec: Path):
    assert report(spec, "--period", "24h", "--end", "2026-11-08T00:00:00Z") == 1
    got = load(spec, "24h_20261108T0000Z")
    daily = json.loads((spec.parent / "reports" / RELEASE / "stability" /
                        "day_05_summary.json").read_text())
    assert got["period"]["program_days"] == [5]
    page = [a for a in got["slo"]["availability"]["burn"]["alerts"] if a["alert"] == "page_fast"]
    assert page == [a for a in daily["slo_burn"]["availability"]["alerts"]
                    if a["alert"] == "page_fast"]
    assert page[0]["priority"] == "P0" and page[0]["open_at_start"] is False
    # one window, one truth: the daily file's numbers, judged by the same code
    assert got["slo"]["availability"]["sli_percent"] == daily["slo"]["availability"]["sli_percent"]
    assert got["slo"]["availability"]["burn_rate"] == daily["slo"]["availability"]["burn_rate"]
    assert got["health"]["score"] == daily["health_score"] == pytest.approx(38.65)
    assert got["health"]["band"] == daily["health_band"] == "poor"
    for name, c in got["metrics_comparison"].items():
        assert c == daily["metrics_comparison"][name], name
    p0 = [f for f in got["findings"] if f["priority"] == "P0"]
    assert [f["id"] for f in p0] == ["availability:degradation", "slo:availability:burn"]
    assert p0[1]["title"] == ("SLO availability burned its error budget at up to 80.5× in the "
                              "24h window to 2026-11-08 00:00 UTC (page_fast, page_slow, "
                              "ticket_fast, ticket_slow)")
    assert sorted(f["id"] for f in got["findings"]) == sorted(f["id"] for f in daily["findings"])


def test_30d_before_30_days_of_data_reports_partial_coverage_honestly(spec: Path):
    report(spec, "--period", "30d", "--end", "2026-11-10T00:00:00Z")
    got = load(spec, "30d_20261110T0000Z")
    share = 8 / 30  # the source holds days 0–7 of the 30
    for name, c in got["metrics_comparison"].items():
        assert c["coverage"] == pytest.approx(share, rel=1e-5), name
    assert got["data_coverage"]["mean_coverage"] == pytest.approx(share, rel=1e-5)
    availability, latency = got["slo"]["availability"], got["slo"]["latency_p99"]
    assert availability["coverage"] == pytest.approx(share, rel=1e-5)
    assert availability["hours_with_data"] == pytest.approx(8 * 24, rel=1e-6)
    # spent over the 8 days with data, never extrapolated to the 22 without
    want = by_hand(GA, GA + 8 * 86400)
    assert availability["slo_budget_consumed_percent"] == pytest.approx(
        100 * want["burn_rate"] * 8 / 30, rel=1e-5)
    assert availability["met"] is False  # missed on the data there is: no guess needed
    assert latency["met"] is None and "below the 80% needed" in latency["reason"]
    assert got["health"]["band"] == "insufficient_data"
    gaps = [g for g in got["data_gaps"] if g["kpi"] == "availability"]
    assert gaps == [{"kpi": "availability", "start": "2026-10-11T00:00:00Z",
                     "end": "2026-11-02T00:00:00Z", "minutes": 22 * 1440}]
    md = periodic(spec, "30d_20261110T0000Z.md").read_text()
    assert "insufficient data" in md and "| Availability | 2026-10-11 00:00 UTC |" in md


def test_rerunning_a_window_writes_byte_identical_files_and_changes_nothing(spec: Path, capsys):
    assert report(spec, "--period", "7d", "--end", "2026-11-10T00:00:00Z") == 1
    json_path, md_path = (periodic(spec, f"7d_20261110T0000Z{s}") for s in (".json", ".md"))
    first = json_path.read_bytes(), md_path.read_bytes()
    mtimes = json_path.stat().st_mtime_ns, md_path.stat().st_mtime_ns
    capsys.readouterr()
    # the same window asked for later, with an --end off the step grid, is the same window
    assert report(spec, "--period", "7d", "--end", "2026-11-10T00:00:59Z",
                  now="2026-11-20T00:00:00Z") == 1
    assert (json_path.read_bytes(), md_path.read_bytes()) == first
    assert (json_path.stat().st_mtime_ns, md_path.stat().st_mtime_ns) == mtimes
    assert "(unchanged)" in capsys.readouterr().out
    assert sorted(p.name for p in json_path.parent.iterdir()) == [
        "7d_20261110T0000Z.json", "7d_20261110T0000Z.md"]


def test_a_recorded_report_is_never_replaced_by_one_with_less_data(spec: Path, capsys):
    report(spec, "--period", "24h", "--end", "2026-11-08T00:00:00Z")
    path = periodic(spec, "24h_20261108T0000Z.json")
    recorded = path.read_bytes()
    # the source's retention passed the window: the day's data is gone
    replay = spec.parent / "demo_replay.json.gz"
    import gzip
    doc = json.loads(gzip.decompress(replay.read_bytes()))
    for s in doc["series"].values():
        s["values"][5 * 1440:6 * 1440] = [None] * 1440
    replay.write_bytes(gzip.compress(json.dumps(doc).encode()))
    capsys.readouterr()
    report(spec, "--period", "24h", "--end", "2026-11-08T00:00:00Z", "--force")
    assert path.read_bytes() == recorded
    assert "kept the recorded report: recomputing it now has less data" in \
        capsys.readouterr().out


def test_report_only_exits_0_with_findings(spec: Path):
    assert report(spec, "--period", "24h", "--end", "2026-11-08T00:00:00Z", "--report-only") == 0
    assert periodic(spec, "24h_20261108T0000Z.md").is_file()
    assert report(spec, "--period", "24h", "--end", "2026-11-04T00:00:00Z") == 0  # day 1: quiet


def test_a_spec_change_shows_what_would_change_and_writes_only_with_force(spec: Path, capsys):
    report(spec, "--period", "24h", "--end", "2026-11-04T00:00:00Z")
    path = periodic(spec, "24h_20261104T0000Z.json")
    recorded = path.read_bytes()
    spec.write_text(spec.read_text().replace("drift: {notable: 10,", "drift: {notable: 8,"))
    capsys.readouterr()
    report(spec, "--period", "24h", "--end", "2026-11-04T00:00:00Z")
    out = capsys.readouterr().out
    assert "recomputing it would change" in out and "run with --force" in out
    assert path.read_bytes() == recorded
    report(spec, "--period", "24h", "--end", "2026-11-04T00:00:00Z", "--force")
    assert path.read_bytes() != recorded
    assert "rewritten (--force)" in capsys.readouterr().out


def test_before_the_baseline_is_recorded_kpis_have_no_drift_and_health_is_not_scored(
        spec: Path):
    shutil.rmtree(spec.parent / "reports")
    assert report(spec, "--period", "24h", "--end", "2026-11-03T00:00:00Z",
                  now="2026-11-03T00:10:00Z") == 0  # no drift, no band reached: no finding
    got = load(spec, "24h_20261103T0000Z")
    assert got["baseline_file"] == ""
    assert {c["status"] for c in got["metrics_comparison"].values()} == {"no_baseline"}
    assert got["health"]["score"] is None and "no GA baseline" in got["health"]["data_note"]
    assert any("schedule.settle" in n for n in got["notes"])  # closed 10 minutes ago


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "7x"], "--period: a period is <N>h or <N>d"),
    (["--period", "91d"], "--period: a period runs from 1h to 90d"),
    (["--period", "24h", "--end", "2026-11-11T00:00:00Z"], "has not closed yet"),
    (["--period", "24h", "--end", "soon"], "error: --now"),
    (["--schedule", "0 7 * * *"], "none of the spec's reports.periodic crons: daily "
                                  "(0 6 * * *), weekly (0 6 * * 1)"),
    (["--schedule", "0 6 * *"], "--schedule: a cron expression has 5 fields"),
])
def test_bad_usage_is_exit_2_with_a_message(spec: Path, args: list[str], message: str, capsys):
    assert report(spec, *args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (spec.parent / "reports" / RELEASE / "periodic").exists()


def test_a_down_source_is_exit_3_and_writes_nothing(tmp_path: Path, capsys):
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    text = (ROOT / "config" / "tars.yaml").read_text()
    assert "  timeout: 30s\n" in text
    spec = tmp_path / "tars.yaml"
    spec.write_text(text.replace("  timeout: 30s\n", "  timeout: 1s\n  retries: 0\n"))
    shutil.copytree(ROOT / "reports" / RELEASE, tmp_path / "reports" / RELEASE)
    before = sorted(p for p in (tmp_path / "reports").rglob("*"))
    code = main(["report", "--spec", str(spec), "--reports", str(tmp_path / "reports"),
                 "--now", NOW, "--period", "7d", "-q"], {"PROMETHEUS_URL": url})
    assert code == 3
    assert f"error: metrics source {url} is unavailable" in capsys.readouterr().err
    assert sorted(p for p in (tmp_path / "reports").rglob("*")) == before


def test_schedule_runs_each_entry_with_that_cron_over_the_window_ending_at_its_time(
        spec: Path, capsys):
    text = spec.read_text()
    weekly = '    weekly: {period: 7d, cron: "0 6 * * 1"}'
    assert text.count(weekly) == 1  # the demo spec schedules a daily and a weekly report
    spec.write_text(text.replace(weekly, weekly + '\n    also_monday: {period: 48h, cron: '
                                                  '"0  6 * * 1"}'))
    # Monday 2026-11-09, the job started 17 minutes late: the window still ends at 06:00
    assert report(spec, "--schedule", "0 6 * * 1", now="2026-11-09T06:17:00Z") == 1
    names = sorted(p.name for p in periodic(spec, "").iterdir())
    assert names == ["2d_20261109T0600Z.json", "2d_20261109T0600Z.md",
                     "7d_20261109T0600Z.json", "7d_20261109T0600Z.md"]
    assert load(spec, "7d_20261109T0600Z")["period"]["start"] == "2026-11-02T06:00:00Z"
    capsys.readouterr()
    assert report(spec, "--schedule", "0 6 * * *", "--report-only",
                  now="2026-11-09T05:59:00Z") == 0
    assert "24h report 2026-11-07T06:00:00Z → 2026-11-08T06:00:00Z" in capsys.readouterr().out


def test_a_scheduled_run_catches_up_on_the_windows_of_dropped_runs(spec: Path, capsys):
    assert 'daily: {period: 24h, cron: "0 6 * * *"}' in spec.read_text()
    assert report(spec, "--schedule", "0 6 * * *", "--report-only",
                  now="2026-11-04T07:00:00Z") == 0
    assert [p.name for p in sorted(periodic(spec, "").glob("*.json"))] == [
        "24h_20261104T0600Z.json"]  # nothing recorded before: only the latest window
    # the runs of 5 and 6 November were dropped; the run of the 7th writes all three
    assert report(spec, "--schedule", "0 6 * * *", "--report-only",
                  now="2026-11-07T06:30:00Z") == 0
    assert [p.name for p in sorted(periodic(spec, "").glob("*.json"))] == [
        "24h_20261104T0600Z.json", "24h_20261105T0600Z.json", "24h_20261106T0600Z.json",
        "24h_20261107T0600Z.json"]
    # an explicit --end writes that one window only
    assert report(spec, "--schedule", "0 6 * * *", "--end", "2026-11-09T06:00:00Z",
                  "--report-only") == 0
    assert not periodic(spec, "24h_20261108T0600Z.json").exists()
    assert periodic(spec, "24h_20261109T0600Z.json").exists()


def test_a_corrupt_day_file_does_not_stop_a_report_that_does_not_read_it(spec: Path):
    day = spec.parent / "reports" / RELEASE / "stability" / "day_03_summary.json"
    day.write_text("{ cut short")
    assert report(spec, "--period", "24h", "--end", "2026-11-04T00:00:00Z") == 0
    ga = spec.parent / "reports" / RELEASE / "ga_kpis" / "ga_kpi_summary.json"
    ga.write_text("{ cut short")  # the baseline is read: a corrupt one is exit 4
    assert report(spec, "--period", "24h", "--end", "2026-11-05T00:00:00Z") == 4


def test_an_alert_open_across_the_window_edge_says_window_not_day(spec: Path):
    # the burst is 13:00-16:00 on day 5: a window ending at 15:00 cuts the page open
    report(spec, "--period", "6h", "--end", "2026-11-07T15:00:00Z")
    got = load(spec, "6h_20261107T1500Z")
    page = next(a for a in got["slo"]["availability"]["burn"]["alerts"]
                if a["alert"] == "page_fast")
    assert page["open_at_end"] is True and page["end"] == "2026-11-07T15:00:00Z"
    burn = next(f for f in got["findings"] if f["id"] == "slo:availability:burn")
    assert "(still firing at the window's end)" in burn["detail"]
    assert "day" not in burn["detail"].replace("today", "")
