"""The history is a database: the misuses of issue "The history is a database", each with its
exact message and exit code, through the command line on a replay spec."""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tars_ci.cli import main
from tars_ci.sources.replay import RecordedSeries, write_replay
from tests.test_pipeline import GA, SPEC_TEXT, STEP, day_levels

AFTER = {d: f"2026-11-{3 + d:02d}T00:45:00Z" for d in range(12)}  # day d closed + settled
SLUG = "shop-v1"


class Repo:
    """A scratch repository: a spec, its replay file and its reports."""

    def __init__(self, root: Path, spec_text: str = SPEC_TEXT,
                 levels: dict[str, list[float | None]] | None = None) -> None:
        self.root = root
        self.spec = root / "tars.yaml"
        self.write_spec(spec_text)
        self.write_data(levels or day_levels())

    def write_spec(self, text: str) -> None:
        self.spec.write_text(text.replace("path: unused.json", "path: data.json"), "utf-8")

    def write_data(self, levels: dict[str, list[float | None]]) -> None:
        """Each KPI on its daily level with small noise; a None day has no samples. The
        noise of a day does not depend on the other days, so losing days (retention) leaves
        the others' samples exactly as they were."""
        per_day = 86400 // STEP
        series = {}
        for name, days in levels.items():
            rng = np.random.default_rng(zlib.crc32(name.encode()))
            noise = 1 + 0.002 * rng.standard_normal(len(days) * per_day)
            level = np.repeat([np.nan if v is None else v for v in days], per_day)
            series[name] = RecordedSeries(GA.timestamp(), float(STEP), level * noise,
                                          np.isfinite(level), {}, "")
        write_replay(self.root / "data.json", series)

    def run(self, *args: str, command: str = "run") -> int:
        return main([command, "--spec", str(self.spec), "--reports",
                     str(self.root / "reports"), "-q", *args])

    @property
    def release(self) -> Path:
        return self.root / "reports" / SLUG

    def file(self, rel: str) -> Path:
        return self.release / rel

    def snapshot(self) -> dict[str, bytes]:
        return {p.relative_to(self.release).as_posix(): p.read_bytes()
                for p in sorted(self.release.rglob("*")) if p.is_file()}


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path)


def lines(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return out.out, out.err


# --------------------------------------------------------------------------- spec changes


def test_a_kpi_added_after_day_3_gets_a_late_baseline_from_day_0(repo: Repo, capsys) -> None:
    assert repo.run("--now", AFTER[3]) == 0
    levels = day_levels()
    levels["queue_depth"] = [10.0, 10.0, 10.0, 10.0, 11.2, 10.0, 10.0, 10.0]
    repo.write_data(levels)
    repo.write_spec(SPEC_TEXT.replace(
        "  cpu_percent:", "  queue_depth: {query: q, unit: jobs, better: lower}\n  cpu_percent:"))
    assert repo.run("--now", AFTER[4]) == 0
    out, _ = lines(capsys)
    assert "queue_depth: added to the spec after day 0; late baseline 10.00 jobs taken" in out
    ga = json.loads(repo.file("ga_kpis/ga_kpi_summary.json").read_text())
    entry = ga["kpis"]["queue_depth"]
    assert entry["late_since"] == "2026-11-07T00:45:00Z" and entry["status"] == "ok"
    assert ga["kpis"]["cpu_percent"]["late_since"] is None
    day4 = json.loads(repo.file("stability/day_04_summary.json").read_text())
    assert day4["metrics_comparison"]["queue_depth"]["drift_percent"] == pytest.approx(12, 0.05)


def test_a_kpi_added_after_the_source_lost_day_0_is_no_baseline(repo: Repo, capsys) -> None:
    assert repo.run("--now", AFTER[3]) == 0
    levels = day_levels()
    levels["queue_depth"] = [None, None, None, 10.0, 11.0, 10.0, 10.0, 10.0]
    repo.write_data(levels)
    repo.write_spec(SPEC_TEXT.replace(
        "  cpu_percent:", "  queue_depth: {query: q, unit: jobs, better: lower}\n  cpu_percent:"))
    assert repo.run("--now", AFTER[7]) == 0
    out, _ = lines(capsys)
    assert ("queue_depth: added to the spec after day 0; late baseline unavailable (day 0 is "
            "no longer in the source)") in out
    day5 = json.loads(repo.file("stability/day_05_summary.json").read_text())
    q = day5["metrics_comparison"]["queue_depth"]
    assert q["status"] == "no_baseline" and q["value"] == pytest.approx(10, 0.01)
    assert not [f for f in day5["findings"] if f["kpi"] == "queue_depth"]
    retro = repo.file("output/GA_7DAY_RETROSPECTIVE.md").read_text()
    assert ("queue_depth was added to the spec after day 0; its baseline was unavailable "
            "(day 0 had left the source), so it was judged no_baseline at "
            "2026-11-10T00:45:00Z.") in retro


def test_a_renamed_kpi_is_added_and_removed_and_the_retro_says_so(repo: Repo, capsys) -> None:
    assert repo.run("--now", AFTER[3]) == 0
    levels = day_levels()
    levels["cpu_used_percent"] = levels.pop("cpu_percent")
    repo.write_data(levels)
    repo.write_spec(SPEC_TEXT.replace("  cpu_percent:", "  cpu_used_percent:"))
    assert repo.run("--now", AFTER[7]) == 0
    lines(capsys)
    retro = json.loads(repo.file("output/GA_7DAY_RETROSPECTIVE.json").read_text())
    assert ("cpu_percent was removed from the spec; it is recorded on days 0–3 and left out "
            "of this retrospective.") in retro["provenance"]["notes"]
    assert [t["kpi"] for t in retro["trends"]] == ["error_rate", "p99_latency_ms",
                                                   "cpu_used_percent"]


def test_a_whole_program_with_a_kpi_added_on_day_3_and_a_threshold_changed_on_day_5(
        repo: Repo, capsys) -> None:
    levels = day_levels(p99_latency_ms={d: 120.0 * 1.12 for d in range(1, 8)})
    levels["queue_depth"] = [10.0] * 8
    repo.write_data(levels)
    for day in range(3):
        assert repo.run("--now", AFTER[day]) == 0
    with_queue = SPEC_TEXT.replace(
        "  cpu_percent:", "  queue_depth: {query: q, unit: jobs, better: lower}\n  cpu_percent:")
    repo.write_spec(with_queue)
    for day in (3, 4):
        assert repo.run("--now", AFTER[day]) == 0
    repo.write_spec(with_queue + "thresholds: {drift: {notable: 15, medium: 20}}\n")
    for day in (5, 6, 7):
        assert repo.run("--now", AFTER[day]) == 0
    lines(capsys)
    days = {d: json.loads(repo.file(f"stability/day_{d:02d}_summary.json").read_text())
            for d in range(1, 8)}
    digests = {d: days[d]["provenance"]["thresholds_digest"] for d in days}
    assert len({digests[d] for d in (1, 2, 3, 4)}) == 1
    assert len({digests[d] for d in (5, 6, 7)}) == 1 and digests[4] != digests[5]
    assert days[5]["provenance"]["thresholds"]["drift"]["notable"] == 15.0
    # p99 +12%: low (notable at 10%) until day 4, nothing from day 5 (notable at 15%)
    assert days[4]["metrics_comparison"]["p99_latency_ms"]["severity"] == "low"
    assert days[5]["metrics_comparison"]["p99_latency_ms"]["severity"] is None
    assert "queue_depth" not in days[2]["metrics_comparison"]
    assert days[3]["metrics_comparison"]["queue_depth"]["status"] == "pass"
    notes = json.loads(repo.file("output/GA_7DAY_RETROSPECTIVE.json").read_text())[
        "provenance"]["notes"]
    assert notes == [
        "Thresholds changed from day 5 (drift.medium 15.0 → 20.0; drift.notable 10.0 → 15.0): "
        "days 1–4 were judged with the old values, days 5–7 with the new.",
        "queue_depth was added to the spec after day 0; its baseline was taken from day 0's "
        "data at 2026-11-06T00:45:00Z."]
    md = repo.file("output/GA_7DAY_RETROSPECTIVE.md").read_text()
    assert "## Spec changes during the program" in md


# --------------------------------------------------------------------------- never less


def test_force_after_retention_passed_days_0_to_2_changes_no_recorded_byte(repo: Repo,
                                                                          capsys) -> None:
    assert repo.run("--now", AFTER[4]) == 0
    before = repo.snapshot()
    gone = day_levels()
    for kpi in gone:
        gone[kpi][0:3] = [None, None, None]
    repo.write_data(gone)
    assert repo.run("--now", AFTER[4], "--force") == 0
    out, _ = lines(capsys)
    assert repo.snapshot() == before
    assert ("day 0: kept the recorded day: recomputing it now has less data (cpu_percent had "
            "data and now has none; error_rate had data and now has none; p99_latency_ms had "
            "data and now has none; slo latency had data and now has none); the source's "
            "retention has probably passed it") in out
    assert "day 2: kept the recorded day" in out
    assert repo.run("--now", AFTER[4], "--force", command="anomalies") == 0
    assert repo.snapshot() == before


def test_recomputing_a_recorded_day_shows_the_change_and_writes_only_with_force(
        repo: Repo, capsys) -> None:
    assert repo.run("--now", AFTER[7]) == 0
    lines(capsys)
    before = repo.snapshot()
    repo.write_spec(SPEC_TEXT + "thresholds: {health: {penalty_low: 0.25}}\n")
    repo.write_data(day_levels(p99_latency_ms={3: 135.0}))  # +12.5%: severity low
    assert repo.run("--now", AFTER[7], "--day", "3", command="health") == 0
    out, _ = lines(capsys)
    assert "day 3 is recorded; recomputing it would change" in out
    assert ".health_score: " in out and "(run with --force to write them)" in out
    assert repo.snapshot() == before
    assert repo.run("--now", AFTER[7], "--day", "3", "--force", command="health") == 0
    lines(capsys)
    summary = json.loads(repo.file("stability/day_03_summary.json").read_text())
    health = json.loads(repo.file("health/day_03_HEALTH.json").read_text())
    retro = json.loads(repo.file("output/GA_7DAY_RETROSPECTIVE.json").read_text())
    by_day = {row["day"]: row["score"] for row in retro["health_by_day"]}
    assert summary["health_score"] == health["health_score"] == by_day[3]
    assert summary["health_score"] != json.loads(before["stability/day_03_summary.json"])[
        "health_score"]


# --------------------------------------------------------------------------- corrupt files


@pytest.mark.parametrize("edit, field", [
    (lambda d: d["metrics_comparison"]["error_rate"].update(value="0.05"),
     ".metrics_comparison.error_rate.value: expected a number, got string '0.05'"),
    (lambda d: d["findings"].append({**d["findings"][0], "priority": "P7"})
     if d["findings"] else d.update(findings=[{"priority": "P7"}]), ".findings["),
    (lambda d: d.update(slo=[]), ".slo: expected an object, got a list of 0"),
])
def test_a_hand_edited_day_is_exit_4_naming_file_and_field_and_force_day_repairs_it(
        repo: Repo, capsys, edit: Callable[[dict], None], field: str) -> None:
    assert repo.run("--now", AFTER[3]) == 0
    path = repo.file("stability/day_02_summary.json")
    good = path.read_bytes()
    data = json.loads(good)
    edit(data)
    path.write_text(json.dumps(data))
    assert repo.run("--now", AFTER[7]) == 4
    _, err = lines(capsys)
    assert f"{path}: {field}" in err
    assert "`tars-ci run --force --day 2` rewrites it from the source without reading it" in err
    assert not repo.file("stability/day_04_summary.json").exists()  # nothing half-done
    assert repo.run("--now", AFTER[3], "--force", "--day", "2") == 0
    assert path.read_bytes() == good
    assert repo.run("--now", AFTER[7]) == 0


@pytest.mark.parametrize("damage, message", [
    (lambda t: t[: len(t) // 2], "cannot read"),
    (lambda t: t.replace('"schema_version": 2', '"schema_version": 0'),
     "schema_version 0 is not one tars-ci writes"),
])
def test_a_truncated_or_unversioned_file_is_repaired_by_the_advised_force(
        repo: Repo, capsys, damage: Callable[[str], str], message: str) -> None:
    assert repo.run("--now", AFTER[3]) == 0
    path = repo.file("ga_kpis/ga_kpi_summary.json")
    good = path.read_bytes()
    path.write_text(damage(good.decode()))
    assert repo.run("--now", AFTER[4]) == 4
    _, err = lines(capsys)
    assert str(path) in err and message in err
    assert "`tars-ci run --force --day 0` rewrites it" in err
    assert repo.run("--now", AFTER[3], "--force", "--day", "0") == 0
    assert path.read_bytes() == good


def test_a_newer_schema_asks_for_an_upgrade(repo: Repo, capsys) -> None:
    assert repo.run("--now", AFTER[1]) == 0
    path = repo.file("stability/day_01_summary.json")
    path.write_text(path.read_text().replace('"schema_version": 2', '"schema_version": 9'))
    assert repo.run("--now", AFTER[2]) == 4
    _, err = lines(capsys)
    assert "schema_version 9 was written by a newer tars-ci (this one reads 1–2); upgrade" in err


# --------------------------------------------------------------------------- identity


def test_moving_ga_time_is_exit_2_and_rebaseline_archives_the_history(repo: Repo,
                                                                    capsys) -> None:
    assert repo.run("--now", AFTER[3]) == 0
    before = repo.snapshot()
    repo.write_spec(SPEC_TEXT.replace('"2026-11-02T00:00:00Z"', '"2026-11-03T00:00:00Z"'))
    assert repo.run("--now", AFTER[4]) == 2
    _, err = lines(capsys)
    assert (f"the history in {repo.release} was recorded with GA time 2026-11-02T00:00:00Z, "
            "but the spec says 2026-11-03T00:00:00Z") in err
    assert "run with --rebaseline" in err
    assert repo.snapshot() == before
    assert repo.run("--now", AFTER[4], "--rebaseline") == 0
    out, _ = lines(capsys)
    assert "moved to" in out and "archive/ga-20261102T000000Z" in out
    archived = {k.removeprefix("archive/ga-20261102T000000Z/"): v
                for k, v in repo.snapshot().items() if k.startswith("archive/")}
    assert archived == before
    ga = json.loads(repo.file("ga_kpis/ga_kpi_summary.json").read_text())
    assert ga["release"]["ga_time"] == "2026-11-03T00:00:00Z"


def test_changing_days_is_exit_2_and_rebaseline_continues_the_program(repo: Repo,
                                                                     capsys) -> None:
    assert repo.run("--now", AFTER[8]) == 0
    assert repo.file("output/GA_7DAY_RETROSPECTIVE.md").is_file()
    ten = SPEC_TEXT.replace("days: 7}", "days: 10}")
    repo.write_spec(ten)
    repo.write_data({k: v + v[-3:] for k, v in day_levels().items()})
    assert repo.run("--now", AFTER[9]) == 2
    _, err = lines(capsys)
    assert "was recorded as a 7-day program, but the spec says 10 days" in err
    assert repo.run("--now", AFTER[9], "--rebaseline") == 0
    lines(capsys)
    assert not repo.file("output/GA_7DAY_RETROSPECTIVE.md").exists()
    assert repo.file("stability/day_08_summary.json").is_file()
    assert repo.run("--now", AFTER[11]) == 0
    md = repo.file("output/GA_10DAY_RETROSPECTIVE.md").read_text()
    assert md.startswith("# GA 10-day retrospective: shop v1")


def test_two_unicode_releases_never_share_a_folder(tmp_path: Path, capsys) -> None:
    slugs = []
    for name in ("支付服务", "订单服务"):
        (tmp_path / name).mkdir()
        repo = Repo(tmp_path / name, SPEC_TEXT.replace("name: shop v1", f"name: {name}"))
        assert repo.run("--now", AFTER[1]) == 0
        slugs.append([p.name for p in (repo.root / "reports").iterdir()])
    assert slugs == [["release-cf0f1581"], ["release-0a9dfa29"]]
    # two specs that force the same slug: the second is refused, naming the first
    shared = tmp_path / "shared"
    shared.mkdir()
    a = Repo(shared, SPEC_TEXT.replace("name: shop v1", "name: shop v1, slug: shop"))
    assert a.run("--now", AFTER[1]) == 0
    a.write_spec(SPEC_TEXT.replace("name: shop v1", "name: shop v2, slug: shop"))
    assert a.run("--now", AFTER[2]) == 2
    _, err = lines(capsys)
    assert "belongs to release 'shop v1' (slug 'shop'), not to 'shop v2'" in err


# --------------------------------------------------------------------------- manual dispatch


def test_manual_dispatch_tells_the_truth(repo: Repo, capsys) -> None:
    assert repo.run("--now", "2026-11-01T12:00:00Z") == 0
    out, _ = lines(capsys)
    assert out == ("the program of shop v1 starts at GA 2026-11-02T00:00:00Z; day 0 (the "
                   "baseline) is due from 2026-11-03T00:30:00Z\n")
    assert repo.run("--now", AFTER[1], "--day", "99") == 2
    _, err = lines(capsys)
    assert err == ("error: day 99 is outside the program of shop v1: days 0–7 (day 0 is the "
                   "GA-day baseline)\n")
    assert repo.run("--now", AFTER[1], "--day", "7") == 0
    out, _ = lines(capsys)
    assert out == ("day 7 closes at 2026-11-10T00:00:00Z and is due from 2026-11-10T00:30:00Z "
                   "(settle 30m); nothing to do yet\n")
    assert not repo.release.exists()
