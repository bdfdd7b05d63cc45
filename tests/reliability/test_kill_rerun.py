"""SIGKILL at random points of a scheduled ``tars-ci run --publish``, then a re-run: the end
state equals an uninterrupted run's.

Real parts throughout: the real Prometheus with the demo scenario (one backfilled server for
every trial), ``tars-ci`` as a subprocess, the GitHub emulator, real git with a bare remote.
A few kills land at random times before the first report is written (the fetch: nothing is
written yet); the others are spread over the run's progress as the test observes it from
outside — the number of report files on disk, the local and the pushed history commit, the
number of GitHub writes the emulator has served — each a short random delay after its
milestone (fixed seed). Progress rather than wall time places them, so a loaded machine
that runs slower still reaches every phase. No hook in the product.

After each kill:

- the killed state holds no half-written report (a temporary of the write in flight may
  remain; the next run removes it) and at most one history commit;
- a lease the killed run held on the remote is aged past its expiry, as the next scheduled
  run would find it (the lease lives 15 minutes; waiting for it is tested in
  tests/github/test_lock.py), and the re-run takes it over;
- the re-run runs in the same work tree (a persistent runner) on even trials and in a fresh
  clone (a new CI checkout) on odd ones; in the same work tree a ``.git/index.lock`` left by
  a killed git command is removed first, as actions/checkout does (what a run that finds one
  says is tested in test_publish_faults.py).

Then the reports tree (bytes), the remote (every ref, each commit's subject and tree), and
the issues and pull requests on the emulator (titles, bodies, labels, comments, states and
numbers — a duplicate would shift them) must equal the uninterrupted run's.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from tests.harness import PrometheusServer
from tests.harness.fixtures import demo_prometheus  # noqa: F401 - the session fixture
from tests.harness.git import git
from tests.reliability.conftest import (
    EXAMPLE_SPEC,
    NOW,
    SLUG,
    diff,
    emulator_for,
    github_state,
    half_written,
    make_repository,
    publish_env,
    remote_state,
    tree,
)

pytestmark = pytest.mark.integration

KILLS = 24
EARLY = 4  # of KILLS, before the first report write
SEED = 20261122
LOCKS = "refs/tars-ci/locks/"


class Outcome(NamedTuple):
    """What one kill left behind and how the re-run went."""

    at: float  # seconds after the start
    phase: str
    lease_expired: bool
    rerun: str  # "same work tree" | "fresh clone"
    seconds: float  # the whole trial


def command(work: Path) -> list[str]:
    return [sys.executable, "-m", "tars_ci", "run", "--spec",
            str(work / "config" / "tars.yaml"), "--now", NOW, "--reports",
            str(work / "reports"), "--publish"]


def environment(extra: dict[str, str]) -> dict[str, str]:
    return {**os.environ, "LC_ALL": "C", **extra}


class Milestone(NamedTuple):
    """A point of progress a kill waits for: ``count`` of ``kind`` observed."""

    kind: str  # "reports" (files on disk), "commit" (local), "pushed", "github" (writes)
    count: int


def milestones(reports: int, github_writes: int) -> list[Milestone]:
    """Every point of progress of an uninterrupted run, in order."""
    return ([Milestone("reports", n) for n in range(1, reports + 1)]
            + [Milestone("commit", 1), Milestone("pushed", 1)]
            + [Milestone("github", n) for n in range(1, github_writes + 1)])


def kill_plan(index: int, u: float, first_write: float,
              points: list[Milestone]) -> tuple[Milestone | None, float]:
    """Kill ``index``'s trigger: the first :data:`EARLY` kills at a time in a slice of the
    fetch (before the first report), the others at an evenly spread milestone, ``u`` in
    (0, 1) placing it in its slice; and the delay after the trigger."""
    if index < EARLY:
        return None, first_write * (index + u) / EARLY
    slot = (index - EARLY + u) / (KILLS - EARLY)
    return points[min(len(points) - 1, int(slot * len(points)))], 0.02 * u


def reached(point: Milestone, work: Path, bare: Path, start_head: str, gh: Any) -> bool:
    """Whether the run in ``work`` has got as far as ``point``."""
    if point.kind == "reports":
        root = work / "reports"
        return root.exists() and sum(1 for p in root.rglob("*.json")
                                     if not p.name.startswith(".")) >= point.count
    if point.kind == "commit":
        head = work / ".git" / "refs" / "heads" / "main"
        return head.exists() and head.read_text().strip() != start_head
    if point.kind == "pushed":
        head = bare / "refs" / "heads" / "main"
        return head.exists() and head.read_text().strip() != start_head
    return len(gh.writes()) >= point.count


def expire_leases(bare: Path) -> bool:
    """Age every lease on the remote past its expiry (what 15 minutes would do)."""
    refs = git(bare, "for-each-ref", "--format=%(refname)", LOCKS).splitlines()
    for ref in refs:
        message = git(bare, "log", "-1", "--format=%B", ref)
        aged = re.sub(r"^expires: \S+$", "expires: 2000-01-01T00:00:00Z", message,
                      flags=re.MULTILINE)
        assert aged != message, message
        tree_sha = git(bare, "rev-parse", f"{ref}^{{tree}}")
        git(bare, "update-ref", ref, git(bare, "commit-tree", tree_sha, "-m", aged))
    return bool(refs)


def phase_of(reports: Path, bare: Path, writes: int, reference_writes: int) -> str:
    """Where the kill landed, read from the state it left."""
    written = [n for n in tree(reports) if not n.endswith(".tmp")]
    if not written:
        return "before any report"
    if len(written) < 19:
        return "writing reports"
    if len(git(bare, "rev-list", "main").split()) < 2:
        return "committing or pushing the history"
    if writes < reference_writes:
        return "GitHub writes"
    return "releasing the lease"


def snapshot(work: Path, bare: Path, gh: Any) -> tuple[dict[str, bytes], Any, Any]:
    return tree(work / "reports"), remote_state(bare), github_state(gh, bare)


def test_sigkill_at_random_points_then_a_rerun_converges(
        tmp_path: Path, demo_prometheus: PrometheusServer,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    spec_text = EXAMPLE_SPEC.read_text("utf-8")
    started = time.monotonic()

    # ---- two uninterrupted runs: their end state, when the first report appears, how long
    # they take (the faster run's times are used)
    durations, first_writes, states = [], [], []
    for name in ("reference", "reference-2"):
        bare, work = make_repository(tmp_path / name, spec_text)
        with emulator_for(bare) as gh:
            env = environment(publish_env(gh, PROMETHEUS_URL=demo_prometheus.url))
            log = tmp_path / f"{name}.stderr"
            t0 = time.monotonic()
            with log.open("wb") as err:
                proc = subprocess.Popen(command(work), cwd=work, env=env,
                                        stdout=subprocess.DEVNULL, stderr=err)
            first_write = None
            while proc.poll() is None:
                if first_write is None and (work / "reports").exists():
                    first_write = time.monotonic() - t0
                time.sleep(0.002)
            durations.append(time.monotonic() - t0)
            first_writes.append(first_write or durations[-1])
            assert proc.returncode == 1, log.read_text()  # days 2 and 5
            states.append(snapshot(work, bare, gh))
            reference_writes = len(gh.writes())
            reference_reports = len([n for n in tree(work / "reports")
                                     if n.endswith(".json")])
            assert gh.schema_problems == []
    assert states[0] == states[1]  # deterministic: the state to converge to
    want, first_write = states[0], min(first_writes)
    reports, remote, issues = want
    assert len(reports) == 19 and half_written(work / "reports") == []
    assert [s for s, _ in remote["refs/heads/main"]] == [
        "spec", "tars-ci: checkout-api v2.4.0 days 0, 1, 2, 3, 4, 5, 6, 7 [skip ci]"]
    assert sorted(remote) == ["refs/heads/main", f"refs/heads/tars-ci/retro-{SLUG}"]
    assert [(i["number"], i["state"], len(i["comments"]), i["pull"]) for i in issues] == [
        (1, "closed", 1, None), (2, "closed", 1, None), (3, "closed", 1, None),
        (4, "closed", 1, None), (5, "open", 0, f"tars-ci/retro-{SLUG}")]

    # ---- kill at one random point in each slice of the run, then re-run
    rng = random.Random(SEED)
    outcomes: list[Outcome] = []
    failures: dict[str, list[str]] = {}
    finished_first = 0
    trial = 0
    index_locks = 0
    points = milestones(reference_reports, reference_writes)
    while len(outcomes) < KILLS:
        assert finished_first <= 5, "the run keeps finishing before its kill time"
        trial_start = time.monotonic()
        # one random point in each slice; a run that happens to finish before its point is
        # tried again with a shorter delay (or an earlier time in the fetch)
        point, delay = kill_plan(len(outcomes), rng.uniform(0.05, 0.95), first_write, points)
        delay *= 0.5 ** finished_first
        trial += 1
        bare, work = make_repository(tmp_path / f"trial-{trial:02d}", spec_text)
        start_head = git(work, "rev-parse", "HEAD")
        with emulator_for(bare) as gh:
            env = environment(publish_env(gh, PROMETHEUS_URL=demo_prometheus.url))
            t0 = time.monotonic()
            proc = subprocess.Popen(command(work), cwd=work, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True)
            while point is not None and proc.poll() is None and not reached(
                    point, work, bare, start_head, gh):
                time.sleep(0.001)
            time.sleep(delay)
            at = time.monotonic() - t0
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)  # the process and its git children
            proc.wait(timeout=30)
            if proc.returncode != -signal.SIGKILL:
                finished_first += 1
                continue
            finished_first = 0

            # the killed state: complete reports only, at most one history commit
            broken = [n for n in half_written(work / "reports") if not n.endswith(".tmp")]
            assert broken == [], f"trial {trial} at {at:.2f}s left {broken}"
            commits = git(bare, "log", "--format=%s", "main").splitlines()
            assert len(commits) <= 2, commits
            phase = phase_of(work / "reports", bare, len(gh.writes()), reference_writes)
            expired = expire_leases(bare)

            rerun_dir = work
            mode = "same work tree" if len(outcomes) % 2 == 0 else "fresh clone"
            stale_lock = work / ".git" / "index.lock"  # git killed mid-command
            if mode == "same work tree" and stale_lock.exists():
                stale_lock.unlink()  # as actions/checkout does before it fetches
                index_locks += 1
            if mode == "fresh clone":
                rerun_dir = tmp_path / f"trial-{trial:02d}" / "rerun"
                subprocess.run(["git", "clone", "-q", str(bare), str(rerun_dir)], check=True,
                               capture_output=True)
            again = subprocess.run(command(rerun_dir), cwd=rerun_dir, env=env,
                                   capture_output=True, text=True, timeout=120, check=False)
            problems = []
            if again.returncode not in (0, 1):
                problems.append(f"re-run exit {again.returncode}: {again.stderr[-2000:]}")
            if expired and "taking over the expired lock" not in again.stderr:
                problems.append("the re-run did not say it took over the expired lease")
            got = snapshot(rerun_dir, bare, gh)
            problems += [f"reports: {name}" for name in diff(want[0], got[0])]
            if got[1] != want[1]:
                problems.append(f"remote: {got[1]}")
            if got[2] != want[2]:
                problems.append(f"github: {got[2]}")
            if gh.schema_problems:
                problems.append(f"schema: {gh.schema_problems}")
            if problems:
                failures[f"trial {trial}: kill at {at:.2f}s ({phase}), {mode}"] = problems
        outcomes.append(Outcome(at, phase, expired, mode, time.monotonic() - trial_start))

    total = time.monotonic() - started
    with capsys.disabled():
        phases: dict[str, int] = {}
        for o in outcomes:
            phases[o.phase] = phases.get(o.phase, 0) + 1
        print(f"\nkill-and-rerun: uninterrupted runs {durations[0]:.2f}s, {durations[1]:.2f}s "
              f"(first report at {first_write:.2f}s); "
              f"{len(outcomes)} kills "
              f"from {outcomes[0].at:.2f}s to {outcomes[-1].at:.2f}s; phases {phases}; "
              f"leases expired {sum(o.lease_expired for o in outcomes)}; "
              f"stale index.lock removed {index_locks}; "
              f"runs that finished before the kill {trial - len(outcomes)}; "
              f"trial {min(o.seconds for o in outcomes):.1f}-"
              f"{max(o.seconds for o in outcomes):.1f}s; total {total:.1f}s")
    assert failures == {}
    assert len(outcomes) >= 20
    assert len(phases) >= 3, phases  # the kills reached reports, git and GitHub
