"""``tars-ci run`` (and the stage commands, ``validate``) over a fleet: each release in turn,
one release's failure never stops the others, and the exit code is the largest release's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tars_ci.cli import main
from tars_ci.cli.releases import fleet_exit
from tests.fleet.conftest import DAY_3, DOWN_SOURCE, NOW, add, demo_spec


def history(reports: Path, slug: str) -> list[str]:
    root = reports / slug
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.json")) \
        if root.exists() else []


def test_the_exit_code_of_a_fleet_is_the_largest_release_code() -> None:
    assert fleet_exit([]) == 0
    assert fleet_exit([0, 0]) == 0
    assert fleet_exit([0, 1, 0]) == 1
    assert fleet_exit([1, 3, 2]) == 3
    assert fleet_exit([5, 1, 4]) == 5


def test_one_release_failing_does_not_stop_the_others(
        fleet_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add(fleet_dir, "a.yaml", demo_spec("alpha v1"))
    add(fleet_dir, "b.yaml", demo_spec("bravo v1"))
    add(fleet_dir, "c.yaml", demo_spec("charlie v1", source=DOWN_SOURCE))
    add(fleet_dir, "d.yaml", demo_spec("delta v1").replace("days: 7", "days: seven"))
    add(fleet_dir, "e.yaml", demo_spec("echo v1"))
    reports = tmp_path / "reports"
    corrupt = reports / "bravo-v1" / "ga_kpis" / "ga_kpi_summary.json"
    corrupt.parent.mkdir(parents=True)
    corrupt.write_text('{"schema_version": 2, "release": ', "utf-8")  # cut short

    code = main(["run", "--spec", "config/releases", "--now", DAY_3, "--reports",
                 str(reports), "-q"], {})
    out, err = capsys.readouterr()
    assert code == 4  # the largest: 4 (bravo's history), 3 (charlie), 2 (delta), 1 (alpha)

    # the releases after the failing ones ran, and their histories are complete
    for slug in ("alpha-v1", "echo-v1"):
        assert history(reports, slug) == [
            "anomalies/anomaly_events.json", "ga_kpis/ga_kpi_summary.json",
            "health/day_01_HEALTH.json", "health/day_02_HEALTH.json",
            "health/day_03_HEALTH.json", "stability/day_01_summary.json",
            "stability/day_02_summary.json", "stability/day_03_summary.json"]
    assert history(reports, "charlie-v1") == []  # the source was down before any write
    assert not (reports / "delta-v1").exists()

    # each release under its heading, in file order, then what happened to each
    headings = [line for line in out.splitlines() if line.startswith("== ")]
    assert headings == [
        "== alpha v1 (config/releases/a.yaml) [1/5]", "== bravo v1 (config/releases/b.yaml) [2/5]",
        "== charlie v1 (config/releases/c.yaml) [3/5]",
        "== d.yaml (config/releases/d.yaml) [4/5]",
        "== echo v1 (config/releases/e.yaml) [5/5]"]
    table = out[out.index("fleet: 5 of 5 release(s) ran"):].splitlines()
    assert table[0] == ("fleet: 5 of 5 release(s) ran; exit 4 (reports unusable: the largest "
                        "of the releases' exit codes)")
    rows = {line.split()[0]: line for line in table[2:]}
    assert "days 0, 1, 2, 3 processed; failing" in rows["alpha"]
    assert " 4  " in rows["bravo"] and "ga_kpi_summary.json" in rows["bravo"]
    assert " 3  " in rows["charlie"] and "http://127.0.0.1:1 is unavailable" in rows["charlie"]
    assert " 2  " in rows["d.yaml"] and "release.days" in rows["d.yaml"]
    assert "days 0, 1, 2, 3 processed; failing" in rows["echo"]
    # every error on stderr, with its file
    assert "config/releases/d.yaml:" in err and "ga_kpi_summary.json" in err

    # the same fleet again: the ok releases have nothing due, the failing ones fail again
    code = main(["run", "--spec", "config/releases", "--now", DAY_3, "--reports",
                 str(reports), "-q"], {})
    out = capsys.readouterr().out
    assert code == 4
    rows = {line.split()[0]: line for line in out.splitlines()[-5:]}
    assert rows["alpha"].endswith(" 0  nothing due") and rows["echo"].endswith(" 0  nothing due")
    assert "day 4 closes at 2026-11-07T00:00:00Z" in out


def test_two_specs_with_one_slug_are_both_refused_naming_each_other(
        fleet_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add(fleet_dir, "a.yaml", demo_spec("alpha v1"))
    add(fleet_dir, "copy.yaml", demo_spec("alpha v1"))
    add(fleet_dir, "z.yaml", demo_spec("zulu v1"))
    reports = tmp_path / "reports"
    code = main(["run", "--spec", "config/releases", "--now", DAY_3, "--reports",
                 str(reports), "-q"], {})
    err = capsys.readouterr().err
    assert code == 2
    assert ("error: config/releases/a.yaml:6: release.name: release slug 'alpha-v1' is also "
            "the release slug of config/releases/copy.yaml; give each release its own "
            "`release.slug` (or name)") in err
    assert ("error: config/releases/copy.yaml:6: release.name: release slug 'alpha-v1' is "
            "also the release slug of config/releases/a.yaml") in err
    assert not (reports / "alpha-v1").exists()  # neither ran
    assert (reports / "zulu-v1" / "stability" / "day_03_summary.json").is_file()


def test_several_spec_files_and_a_single_file(fleet_dir: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    a = add(fleet_dir, "a.yaml", demo_spec("alpha v1"))
    b = add(fleet_dir, "b.yaml", demo_spec("bravo v1"))
    reports = tmp_path / "reports"
    assert main(["run", "--spec", str(a), "--spec", str(b), "--now", DAY_3, "--reports",
                 str(reports), "-q"], {}) == 1
    out = capsys.readouterr().out
    assert "fleet: 2 of 2 release(s) ran; exit 1" in out
    # one file is exactly the single-release run of before: no heading, no fleet table;
    # days 4-7, and the demo's day 5 is P0 with an immediate rollback: exit 1
    assert main(["run", "--spec", str(a), "--now", NOW, "--reports", str(reports), "-q"],
                {}) == 1
    out = capsys.readouterr().out
    assert "==" not in out and "fleet:" not in out
    assert "failing (4): day 5: immediate rollback recommended;" in out
    assert "retrospective:" in out
    assert main(["run", "--spec", str(a), "--spec", str(a), "--now", NOW], {}) == 2
    assert "is named twice" in capsys.readouterr().err


def test_a_fleet_in_github_actions(fleet_dir: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    add(fleet_dir, "a.yaml", demo_spec("alpha v1"))
    add(fleet_dir, "b.yaml", demo_spec("bravo v1", source=DOWN_SOURCE))
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary),
           "GITHUB_OUTPUT": str(output)}
    assert main(["run", "--spec", "config/releases", "--now", DAY_3, "--reports",
                 str(tmp_path / "reports"), "-q"], env) == 3
    capsys.readouterr()
    # one release's outputs would overwrite another's: the fleet's instead
    lines = output.read_text("utf-8").splitlines()
    assert lines == ["result=failing",
                     "releases=" + json.dumps({"alpha-v1": 1, "bravo-v1": 3},
                                              separators=(",", ":"))]
    assert summary.read_text("utf-8").count("## tars-ci · ") == 1  # alpha's; bravo never ran


def test_stage_commands_and_validate_take_a_fleet(fleet_dir: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    add(fleet_dir, "a.yaml", demo_spec("alpha v1"))
    add(fleet_dir, "b.yaml", demo_spec("bravo v1"))
    reports = tmp_path / "reports"
    assert main(["baseline", "--spec", "config/releases", "--now", DAY_3, "--reports",
                 str(reports), "-q"], {}) == 0
    out = capsys.readouterr().out
    assert out.count("ga_kpis/ga_kpi_summary.json") == 2
    assert sorted(p.parent.parent.name for p in reports.glob("*/ga_kpis/*.json")) == [
        "alpha-v1", "bravo-v1"]
    assert main(["validate", "config/releases"], {}) == 0
    assert capsys.readouterr().out.count("ok: config/releases/") == 2
    add(fleet_dir, "c.yaml", demo_spec("alpha v1"))
    assert main(["validate", "config/releases"], {}) == 2
    err = capsys.readouterr().err
    assert err.count("release slug 'alpha-v1' is also the release slug of") == 2


def test_rules_for_a_fleet_are_written_and_checked_per_release(
        fleet_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tars_ci.fleet import spec_paths

    add(fleet_dir, "a.yaml", demo_spec("a v1"))
    add(fleet_dir, "b.yaml", demo_spec("b v1"))
    folder = str(fleet_dir)
    assert main(["rules", "--write", "--spec", folder, "--reports", "reports"], {}) == 0
    assert sorted(p.name for p in fleet_dir.glob("*.yml")) == [
        f"{r}-v1.rules.{kind}yml" for r in "ab" for kind in ("slo.test.", "test.", "")]
    # the generated files beside the specs are not taken for specs
    assert [p.name for p in spec_paths([folder])[0]] == ["a.yaml", "b.yaml"]
    capsys.readouterr()
    assert main(["rules", "--check", "--spec", folder, "--reports", "reports"], {}) == 0
    assert capsys.readouterr().out.count("agrees with") == 6

    b = fleet_dir / "b.yaml"
    b.write_text(b.read_text("utf-8").replace("objective: 99.9\n", "objective: 99.95\n", 1),
                 "utf-8")
    assert main(["rules", "--check", "--spec", folder, "--reports", "reports"], {}) == 1
    out = capsys.readouterr().out
    assert out.count(f"ok: {fleet_dir}/a-v1.rules") == 3
    assert f"error: {fleet_dir}/b-v1.rules.yml disagrees with {b}" in out
    assert "fleet: 2 of 2 release(s) ran; exit 1" in out


def test_periodic_reports_for_a_fleet(fleet_dir: Path, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    add(fleet_dir, "a.yaml", demo_spec("a v1"))
    b = add(fleet_dir, "b.yaml", demo_spec("b v1"))
    folder = str(fleet_dir)
    day5 = ["--period", "24h", "--end", "2026-11-08T00:00:00Z", "--now", NOW]
    assert main(["report", *day5, "--spec", folder, "--reports", "reports", "-q"], {}) == 1
    out = capsys.readouterr().out
    assert "fleet: 2 of 2 release(s) ran; exit 1" in out
    for slug in ("a-v1", "b-v1"):  # each release's own file; the day-5 burst fails both
        assert history(Path("reports"), slug) == ["periodic/24h_20261108T0000Z.json"]
        assert out.count(f"reports/{slug}/periodic/24h_20261108T0000Z.md") == 1
    assert main(["report", *day5, "--spec", folder, "--reports", "reports", "-q",
                 "--report-only"], {}) == 0

    # a scheduled run: a release that does not schedule that cron has nothing to do
    b.write_text(b.read_text("utf-8").replace('cron: "0 6 * * 1"', 'cron: "0 7 * * 1"'),
                 "utf-8")
    capsys.readouterr()
    weekly = ["--schedule", "0 6 * * 1", "--now", "2026-11-09T06:10:00Z"]
    assert main(["report", *weekly, "--spec", folder, "--reports", "reports", "-q",
                 "--report-only"], {}) == 0
    out = capsys.readouterr().out
    assert "b v1: no reports.periodic entry runs on '0 6 * * 1': nothing to do" in out
    assert history(Path("reports"), "a-v1") == ["periodic/24h_20261108T0000Z.json",
                                                "periodic/7d_20261109T0600Z.json"]
    assert history(Path("reports"), "b-v1") == ["periodic/24h_20261108T0000Z.json"]
