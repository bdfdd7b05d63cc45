"""`tars-ci run`, the stage commands and the runbook aliases on a replay spec."""

from __future__ import annotations

import json
import shutil
from importlib.resources import files
from pathlib import Path

import pytest

from tars_ci.cli import main, runbook

RELEASE = "checkout-api-v2-4-0"
AFTER = {d: f"2026-11-{3 + d:02d}T00:45:00Z" for d in range(9)}  # day d closed + settled


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    """The demo spec and data copied into a scratch repository."""
    demo = files("tars_ci.demo")
    for name in ("tars.yaml", "demo_replay.json.gz"):
        shutil.copyfile(str(demo / name), tmp_path / name)
    return tmp_path / "tars.yaml"


def run(spec: Path, *args: str) -> int:
    return main(["run", "--spec", str(spec), "--reports", str(spec.parent / "reports"), "-q",
                 *args])


def day(spec: Path, n: int) -> dict:
    path = spec.parent / "reports" / RELEASE / "stability" / f"day_{n:02d}_summary.json"
    return json.loads(path.read_text())


def test_exit_1_when_a_processed_day_has_a_finding_at_the_fail_level(spec: Path, capsys):
    assert run(spec, "--now", AFTER[1]) == 0  # days 0–1: nothing at P1
    assert run(spec, "--now", AFTER[2]) == 1  # day 2: the p99 spike is P1
    out = capsys.readouterr().out
    assert "p99 latency" in out and "monitor" in out
    assert run(spec, "--now", AFTER[2]) == 0  # nothing new to process
    assert "day 3 closes at 2026-11-06T00:00:00Z and is due from 2026-11-06T00:30:00Z" in \
        capsys.readouterr().out


def test_after_the_last_day_the_run_says_program_complete(spec: Path, capsys):
    run(spec, "--now", AFTER[7])
    capsys.readouterr()
    assert run(spec, "--now", AFTER[8]) == 0
    assert "program complete" in capsys.readouterr().out


def test_bad_now_and_bad_spec_are_usage_errors(spec: Path, tmp_path: Path, capsys):
    assert run(spec, "--now", "yesterday") == 2
    assert "--now" in capsys.readouterr().err
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\n")
    assert main(["run", "--spec", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "missing required key 'release'" in err and "Traceback" not in err


def test_corrupt_replay_file_is_named(spec: Path, capsys):
    (spec.parent / "demo_replay.json.gz").write_bytes(b"garbage")
    assert run(spec, "--now", AFTER[1]) == 2
    assert "demo_replay.json.gz" in capsys.readouterr().err


def test_stage_commands_write_only_their_own_report(spec: Path, capsys):
    base = ["--spec", str(spec), "--reports", str(spec.parent / "reports"), "-q",
            "--now", AFTER[3]]
    root = spec.parent / "reports" / RELEASE
    assert main(["baseline", *base]) == 0
    assert main(["monitor", "--day", "2", *base]) == 0
    assert main(["health", "--day", "2", *base]) == 0
    assert main(["anomalies", *base]) == 0
    written = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.json"))
    assert written == ["anomalies/anomaly_events.json", "ga_kpis/ga_kpi_summary.json",
                       "health/day_02_HEALTH.json", "stability/day_02_summary.json"]
    assert main(["monitor", "--day", "5", *base]) == 2  # not closed at AFTER[3]
    assert "day 5 closes at 2026-11-08T00:00:00Z" in capsys.readouterr().err
    assert main(["retro", *base]) == 4  # day 7 not recorded yet
    assert "run the program first" in capsys.readouterr().err


def test_stage_pipeline_matches_run(spec: Path, tmp_path: Path):
    run(spec, "--now", AFTER[7])
    by_run = day(spec, 4)
    reports = tmp_path / "staged"
    base = ["--spec", str(spec), "--reports", str(reports), "-q", "--now", AFTER[7]]
    main(["baseline", *base])
    for n in range(1, 8):
        main(["health", "--day", str(n), *base])
        main(["monitor", "--day", str(n), *base])
    staged = json.loads((reports / RELEASE / "stability/day_04_summary.json").read_text())
    assert staged == by_run
    assert main(["retro", *base]) == 0
    assert (reports / RELEASE / "output/GA_7DAY_RETROSPECTIVE.md").is_file()


def test_runbook_aliases_take_the_runbook_flags(spec: Path, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(spec.parent)
    reports = spec.parent / "reports"
    common = ["--spec", str(spec), "--output-dir", str(reports), "--now", AFTER[7], "-q"]
    with pytest.raises(SystemExit) as exit_:
        runbook.ga_kpi(common)
    assert exit_.value.code == 0
    base = reports / RELEASE / "ga_kpis" / "ga_kpi_summary.json"
    for n in range(1, 8):
        with pytest.raises(SystemExit):
            runbook.health_report([*common, "--day-number", str(n)])
        with pytest.raises(SystemExit) as exit_:
            runbook.stability_monitor([*common, "--day-number", str(n), "--ga-baseline",
                                       str(base)])
        assert exit_.value.code == 0
    out = tmp_path / "anomalies.json"
    with pytest.raises(SystemExit) as exit_:
        runbook.anomaly_detector(["--spec", str(spec), "--stability-data",
                                  str(reports / RELEASE / "stability"), "--z-threshold", "4.0",
                                  "--output-file", str(out), "--now", AFTER[7], "-q",
                                  "--force"])
    assert exit_.value.code == 0
    assert json.loads(out.read_text())["settings"]["z"] == 4.0
    retro = tmp_path / "retro.md"
    with pytest.raises(SystemExit) as exit_:
        runbook.retro([*common, "--auto", "--output", str(retro)])
    assert exit_.value.code == 0 and retro.read_text().startswith("# GA 7-day retrospective")


def alias(entry, argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_:
        entry(argv)
    return int(exit_.value.code or 0)


def test_runbook_input_flags_are_read_or_refused_and_nothing_is_written_outside(
        spec: Path, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(spec.parent)
    reports = spec.parent / "reports"
    common = ["--spec", str(spec), "--now", AFTER[3], "-q"]
    assert run(spec, "--now", AFTER[2]) in (0, 1)
    capsys.readouterr()
    recorded = reports / RELEASE / "ga_kpis" / "ga_kpi_summary.json"

    # a copy of the release's own baseline, edited: it is the baseline day 3 is judged against
    mine = tmp_path / "elsewhere" / "my_baseline.json"
    mine.parent.mkdir()
    doc = json.loads(recorded.read_text())
    doc["kpis"]["cpu_percent"]["value"] = 10.0
    mine.write_text(json.dumps(doc))
    assert alias(runbook.stability_monitor, [*common, "--day-number", "3",
                                             "--ga-baseline", str(mine)]) == 0
    day3 = day(spec, 3)
    assert day3["metrics_comparison"]["cpu_percent"]["baseline"] == 10.0
    assert day3["provenance"]["baseline_file"] == str(mine)
    assert sorted(p.name for p in mine.parent.iterdir()) == ["my_baseline.json"]

    # another release's baseline, a missing one, and a file that is not a GA summary: exit 2
    doc["release"]["name"] = "other-api v1"
    mine.write_text(json.dumps(doc))
    assert alias(runbook.stability_monitor, [*common, "--day-number", "3",
                                             "--ga-baseline", str(mine)]) == 2
    err = capsys.readouterr().err
    assert f"--ga-baseline {mine} is the baseline of release 'other-api v1'" in err
    assert alias(runbook.stability_monitor, [*common, "--day-number", "3",
                                             "--ga-baseline", "/ga.json"]) == 2
    assert "error: --ga-baseline /ga.json: no such file" in capsys.readouterr().err
    day2 = reports / RELEASE / "stability" / "day_02_summary.json"
    assert alias(runbook.stability_monitor, [*common, "--day-number", "3",
                                             "--ga-baseline", str(day2)]) == 2
    assert "not a tars-ci GA summary" in capsys.readouterr().err

    # another checkout's anomaly file is refused, not written into
    other = tmp_path / "B" / "reports" / RELEASE / "anomalies" / "anomaly_events.json"
    other.parent.mkdir(parents=True)
    other.write_text("{}")
    assert alias(runbook.health_report, [*common, "--day-number", "2",
                                         "--anomaly-data", str(other)]) == 2
    err = capsys.readouterr().err
    assert f"--anomaly-data {other}: not the recorded anomalies of checkout-api v2.4.0" in err
    assert other.read_text() == "{}" and len(list(other.parents[2].rglob("*"))) == 3
