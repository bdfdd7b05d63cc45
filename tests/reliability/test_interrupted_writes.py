"""A run stopped between any two of its writes, or in the middle of one, is completed by the
next run: the reports tree ends byte-for-byte equal to an uninterrupted run's.

Writes are atomic (temporary file + rename), so after a SIGKILL the reports tree holds a
prefix of the run's write sequence, plus at most one temporary of the write in flight. These
tests build each of those states exactly (every boundary, deterministically) and re-run;
test_kill_rerun.py kills real processes at random times on top of this.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tars_ci.cli import main
from tests.harness.git import git
from tests.reliability.conftest import (
    DEMO_DIR,
    NOW,
    REPO,
    SLUG,
    demo_repository,
    diff,
    emulator_for,
    publish_env,
    tree,
)

SPEC = str(DEMO_DIR / "tars.yaml")


def run(reports: Path) -> int:
    return main(["run", "--spec", SPEC, "--now", NOW, "--reports", str(reports), "-q"], {})


@pytest.fixture(scope="module")
def write_order(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """An uninterrupted run's reports and its files in the order the run wrote them."""
    from tars_ci.pipeline import RunOptions, run_program
    from tars_ci.sources import open_source
    from tars_ci.spec import load_spec
    from tars_ci.spec.loader import parse_timestamp

    out = tmp_path_factory.mktemp("reference")
    spec = load_spec(Path(SPEC), {})
    source = open_source(spec.source, DEMO_DIR)
    try:
        result = run_program(spec, source, out, RunOptions(now=parse_timestamp(NOW)))
    finally:
        source.close()
    return out, [p.relative_to(out).as_posix() for p in result.written]


def test_the_write_order_keeps_the_markers_last(write_order: tuple[Path, list[str]],
                                                demo_history: dict[str, bytes]) -> None:
    """A day counts as recorded once its summary exists: the day's health report and the
    anomaly events covering it are written before it."""
    root, order = write_order
    assert tree(root) == demo_history and len(order) == len(demo_history) == 19
    assert order[:2] == [f"{SLUG}/anomalies/anomaly_events.json",
                         f"{SLUG}/ga_kpis/ga_kpi_summary.json"]
    assert order[2:16] == [f"{SLUG}/{kind}" for d in range(1, 8) for kind in
                           (f"health/day_{d:02d}_HEALTH.json",
                            f"stability/day_{d:02d}_summary.json")]
    assert sorted(order[16:]) == [f"{SLUG}/output/GA_7DAY_RETROSPECTIVE.json",
                                  f"{SLUG}/output/GA_7DAY_RETROSPECTIVE.md",
                                  f"{SLUG}/regression/regression_summary.json"]


def test_a_run_stopped_at_every_write_boundary_is_completed_by_the_next_run(
        tmp_path: Path, write_order: tuple[Path, list[str]],
        demo_history: dict[str, bytes]) -> None:
    root, order = write_order
    failures = {}
    for k in range(len(order) + 1):
        reports = tmp_path / f"stopped-after-{k}"
        for name in order[:k]:
            (reports / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(root / name, reports / name)
        if k < len(order):  # the next write was in flight: its temporary, half written
            target = reports / order[k]
            target.parent.mkdir(parents=True, exist_ok=True)
            (target.parent / f".{target.name}.k9x2_a1b.tmp").write_bytes(
                (root / order[k]).read_bytes()[:100])
        code = run(reports)
        # exit 1 while day 2 (p99's P1) or day 5 (the error burst's P0 and its rollback)
        # is among the days the run processes; day 5's summary is the 12th write
        problems = diff(demo_history, tree(reports))
        if code != (1 if k < 12 else 0) or problems:
            failures[f"after {k} write(s) ({order[k - 1] if k else 'none'})"] = (code, problems)
    assert failures == {}


def test_a_killed_writes_temporary_is_never_committed(tmp_path: Path,
                                                      demo_history: dict[str, bytes]) -> None:
    bare, work = demo_repository(tmp_path)
    stability = work / "reports" / SLUG / "stability"
    stability.mkdir(parents=True)
    (stability / ".day_03_summary.json.k9x2_a1b.tmp").write_text('{"day": 3, "metr', "utf-8")
    with emulator_for(bare) as gh:
        code = main(["run", "--spec", str(work / "config" / "tars.yaml"), "--now", NOW,
                     "--reports", str(work / "reports"), "--publish", "-q"], publish_env(gh))
    assert code == 1
    assert diff(demo_history, tree(work / "reports")) == []
    committed = git(bare, "ls-tree", "-r", "--name-only", "main").splitlines()
    assert not [n for n in committed if n.endswith(".tmp")]
    assert len([n for n in committed if n.startswith("reports/")]) == 17  # all but the retro
    assert git(bare, "log", "--format=%s", "main").splitlines() == [
        "tars-ci: checkout-api v2.4.0 days 0, 1, 2, 3, 4, 5, 6, 7 [skip ci]", "spec"]
    assert REPO in gh.state.repos
