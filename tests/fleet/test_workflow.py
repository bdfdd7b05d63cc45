"""The fleet workflow: an Actions matrix over the specs, sharded at 256, a job per cron, and
the fleet summary job; ``tars-ci workflow --check`` knows the matrix. (Linting: the fleet
workflows are among the files tests/workflows/test_lint.py lints.)"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from tars_ci import __version__
from tars_ci.cli import main
from tars_ci.fleet.workflow import (
    MATRIX_LIMIT,
    FleetTarget,
    Member,
    check_fleet,
    fleet_workflow,
)
from tars_ci.spec import parse_spec
from tars_ci.workflow import Target
from tests.fleet.conftest import add, demo_spec

WORKFLOW = Path(".github/workflows/stabilization-releases.yml")
CHECK = Path(".github/workflows/tars-ci-check-releases.yml")


def doc(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text("utf-8"))
    return loaded


def members(count: int, daily: str = "00:47") -> tuple[Member, ...]:
    """``count`` releases of the demo spec, in memory."""
    text = demo_spec("x v1").replace('daily_time: "00:47"', f'daily_time: "{daily}"')
    spec = parse_spec(text, {}, "x.yaml")
    return tuple(Member(Target(dataclasses.replace(spec, release=dataclasses.replace(
        spec.release, name=f"release {i:03d}")), f"config/releases/r{i:03d}.yaml", (),
        __version__), text) for i in range(count))


def sharded_workflow(count: int = MATRIX_LIMIT + 1) -> str:
    """A fleet workflow over ``count`` releases at two crons (the first sharded)."""
    fleet = members(count) + tuple(
        m._replace(target=m.target._replace(spec_path=f"config/releases/late-{i}.yaml",
                                            spec=dataclasses.replace(m.target.spec, release=(
                                                dataclasses.replace(m.target.spec.release,
                                                                    name=f"late {i}")))))
        for i, m in enumerate(members(2, "13:21")))
    target = FleetTarget(fleet, ("config/releases",), "config/releases",
                         ".github/workflows/stabilization-releases.yml")
    check_fleet(fleet)
    return fleet_workflow(target)


def test_the_fleet_workflow_fans_out_over_the_specs(fleet_dir: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    add(fleet_dir, "a.yaml", demo_spec("alpha v1"))
    add(fleet_dir, "b.yaml", demo_spec("bravo v1"))
    assert main(["workflow", "--write", "--spec", "config/releases"], {}) == 0
    assert capsys.readouterr().out == f"wrote: {WORKFLOW}\n"
    assert main(["workflow", "--check", "--spec", "config/releases"], {}) == 0
    assert capsys.readouterr().out == (f"ok: {WORKFLOW} agrees with config/releases "
                                       f"(cron 47 0 * * *)\n")
    wf = doc(WORKFLOW)
    assert wf["name"] == "tars-ci stabilization (config/releases)"
    assert wf[True]["schedule"] == [{"cron": "47 0 * * *"}]
    assert set(wf[True]["workflow_dispatch"]["inputs"]) == {"release", "day", "force",
                                                             "dry_run"}
    assert wf["concurrency"] == {"group": "${{ github.workflow }}-${{ github.ref }}",
                                 "cancel-in-progress": False}
    assert list(wf["jobs"]) == ["release-0047", "fleet"]
    job = wf["jobs"]["release-0047"]
    assert "if" not in job  # one cron: every scheduled run is this job's
    assert job["name"] == "${{ matrix.release }}"
    assert job["strategy"] == {"fail-fast": False, "max-parallel": 2, "matrix": {"include": [
        {"release": "alpha-v1", "spec": "config/releases/a.yaml"},
        {"release": "bravo-v1", "spec": "config/releases/b.yaml"}]}}
    assert job["concurrency"] == {"group": "tars-ci-release-${{ matrix.release }}",
                                  "cancel-in-progress": False}
    assert job["environment"] == "tars-ci"
    assert job["permissions"] == {"contents": "write", "issues": "write",
                                  "pull-requests": "write"}
    run = job["steps"][-1]
    assert run["env"]["TARS_SPEC"] == "${{ matrix.spec }}"
    assert 'args=(run --spec "$TARS_SPEC" --publish)' in run["run"]
    assert all(step["if"] == ("${{ github.event_name != 'workflow_dispatch' || inputs.release "
                              "== 'all' || inputs.release == matrix.release }}")
               for step in job["steps"])
    summary = wf["jobs"]["fleet"]
    assert (summary["needs"], summary["if"]) == (["release-0047"], "${{ always() }}")
    assert summary["permissions"] == {"contents": "read", "issues": "write"}
    assert summary["steps"][0]["with"] == {"persist-credentials": False, "ref": "main"}
    assert summary["steps"][-1]["env"]["TARS_SPECS"] == "config/releases"
    assert "args=(fleet --publish)" in summary["steps"][-1]["run"]


def test_check_names_the_releases_the_matrix_lacks_or_has_too_many(
        fleet_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add(fleet_dir, "a.yaml", demo_spec("alpha v1"))
    b = add(fleet_dir, "b.yaml", demo_spec("bravo v1"))
    assert main(["workflow", "--write", "--spec", "config/releases"], {}) == 0
    add(fleet_dir, "c.yaml", demo_spec("charlie v1"))
    b.unlink()
    capsys.readouterr()
    assert main(["workflow", "--check", "--spec", "config/releases"], {}) == 1
    out = capsys.readouterr().out
    assert ("  - the matrix lacks charlie-v1 (config/releases/c.yaml): a spec was added or "
            "changed\n") in out
    assert ("  - the matrix lists bravo-v1 (config/releases/b.yaml), which no spec declares "
            "any more\n") in out
    assert "run `tars-ci workflow --write` to regenerate it, then commit it" in out


def test_each_cron_is_a_job_and_a_matrix_is_sharded_at_256() -> None:
    wf = yaml.safe_load(sharded_workflow())
    assert wf[True]["schedule"] == [{"cron": "47 0 * * *"}, {"cron": "21 13 * * *"}]
    jobs = wf["jobs"]
    assert list(jobs) == ["release-0047-1", "release-0047-2", "release-1321", "fleet"]
    assert [len(jobs[j]["strategy"]["matrix"]["include"]) for j in list(jobs)[:3]] == [
        256, 1, 2]
    assert [jobs[j]["strategy"]["max-parallel"] for j in list(jobs)[:3]] == [8, 1, 2]
    assert jobs["release-0047-1"]["if"] == ("${{ github.event_name != 'schedule' || "
                                            "github.event.schedule == '47 0 * * *' }}")
    assert jobs["release-1321"]["if"] == ("${{ github.event_name != 'schedule' || "
                                          "github.event.schedule == '21 13 * * *' }}")
    assert jobs["fleet"]["needs"] == ["release-0047-1", "release-0047-2", "release-1321"]
    slugs = [e["release"] for j in list(jobs)[:3] for e in jobs[j]["strategy"]["matrix"]["include"]]
    assert len(slugs) == len(set(slugs)) == MATRIX_LIMIT + 3


def test_a_fleet_shares_branch_and_install(fleet_dir: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    add(fleet_dir, "a.yaml", demo_spec("alpha v1"))
    add(fleet_dir, "b.yaml", demo_spec("bravo v1").replace(
        "github:\n", "github:\n  base_branch: data\n"))
    assert main(["workflow", "--write", "--spec", "config/releases"], {}) == 2
    assert capsys.readouterr().err == (
        "error: config/releases/b.yaml:148: github.base_branch: is 'data' here but 'main' in "
        "config/releases/a.yaml: a fleet shares it (the summary job reads every history from "
        "one branch)\n")
    assert not WORKFLOW.exists()


def test_a_broken_or_clashing_spec_stops_the_workflow(fleet_dir: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    add(fleet_dir, "a.yaml", demo_spec("alpha v1"))
    add(fleet_dir, "b.yaml", demo_spec("alpha v1"))
    add(fleet_dir, "c.yaml", demo_spec("charlie v1").replace('"00:47"', '"01:00"'))
    assert main(["workflow", "--check", "--spec", "config/releases"], {}) == 2
    err = capsys.readouterr().err.splitlines()
    assert [line.split(": ", 2)[:2] for line in err] == [
        ["error", "config/releases/a.yaml:6"], ["error", "config/releases/b.yaml:6"],
        ["error", "config/releases/c.yaml:11"]]
    assert "is on the hour" in err[2]


def test_init_sets_up_and_grows_a_fleet(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "repo"
    assert main(["init", str(root), "--spec", "config/releases/", "--release", "payments v1",
                 "--ga-time", "2026-12-01T09:30:00Z"], {}) == 0
    out = capsys.readouterr().out
    for name in ("config/releases/payments-v1.yaml",
                 ".github/workflows/stabilization-releases.yml",
                 ".github/workflows/tars-ci-check-releases.yml", "reports/.gitkeep"):
        assert f"wrote    {name}" in out
    assert out.endswith("Then commit; CI runs `tars-ci workflow --check --spec config/releases` "
                        "to keep the matrix workflow in step with the specs.\n")
    assert main(["init", str(root), "--spec", "config/releases", "--release", "orders v2"],
                {}) == 0
    out = capsys.readouterr().out
    assert "wrote    config/releases/orders-v2.yaml" in out
    assert "wrote    .github/workflows/stabilization-releases.yml" in out  # regenerated
    wf = doc(root / WORKFLOW)
    assert [j["strategy"]["matrix"]["include"][0]["release"] for j in wf["jobs"].values()
            if "strategy" in j] == ["orders-v2", "payments-v1"]  # 00:47, then 10:17
    assert main(["workflow", "--check", "--spec", str(root / "config" / "releases"),
                 "--workflow", str(root / WORKFLOW)], {}) == 0
    check = doc(root / CHECK)
    step = check["jobs"]["check"]["steps"][-1]
    assert step["env"] == {"TARS_SPECS": "config/releases",
                           "TARS_WORKFLOW": ".github/workflows/stabilization-releases.yml"}
    assert "args=(workflow --check --workflow \"$TARS_WORKFLOW\")" in step["run"]
    # --ga-time alone cannot add a release
    assert main(["init", str(root), "--spec", "config/releases", "--ga-time",
                 "2026-12-01T09:30:00Z"], {}) == 2
