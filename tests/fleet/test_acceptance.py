"""Acceptance: a 50-release fleet run as its generated workflow runs it.

Real parts throughout: one real Prometheus with the demo scenario (every spec selects the
same series), the GitHub emulator, real git with a bare remote, and ``tars-ci`` as
subprocesses — one per matrix job, **8 at a time** (the workflow's ``max-parallel``), each in
its own checkout of the same commit (as ``actions/checkout`` gives every job the event's
commit), each running ``tars-ci run --spec <its spec> --publish`` exactly as the job's
step does. Then the summary job: a checkout of the base branch after those pushes,
``tars-ci fleet --spec config/releases --publish`` under ``GITHUB_ACTIONS=true``.

The clock is the day-3 run (days 0-3 due; the demo's day-2 p99 finding is P1, so every
release opens an issue): all 50 jobs publish at once — history pushes to one branch, 50
issues, 50 leases. (The end-of-program path, retrospective branch and pull request, is per
release and is covered by the single-release acceptance tests.)

Checked: 50 histories land on main (one history commit per release: no push lost), exactly
one issue per (release, finding), each with its release's own KPI title, every lease
released, the job summary and the fleet issue list all 50 releases, the emulator saw no
schema problem; then the whole workflow again (same clock) writes nothing: no commit, no ref
change, no GitHub write, and the same summary.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tars_ci.fleet.workflow import MAX_PARALLEL
from tars_ci.github import markers
from tars_ci.github.fleet_issue import FLEET_LABEL, parse_fleet
from tests.harness import PrometheusServer
from tests.harness.fixtures import demo_prometheus  # noqa: F401 - the session fixture
from tests.harness.fleet import release_name, release_slug, write_fleet
from tests.harness.git import git, seed_remote
from tests.reliability.conftest import DAY_3 as NOW
from tests.reliability.conftest import REPO, emulator_for, publish_env, remote_state

pytestmark = pytest.mark.integration

RELEASES = 50
FOLDER = "config/releases"


def job(bare: Path, sha: str, work: Path, spec: str, env: dict[str, str]
        ) -> tuple[str, int, str, float]:
    """One matrix job: check out ``sha``, run the release; (spec, exit, stderr, seconds)."""
    start = time.monotonic()
    subprocess.run(["git", "clone", "-q", str(bare), str(work)], check=True,
                   capture_output=True)
    git(work, "checkout", "-q", "-B", "main", sha)
    done = subprocess.run([sys.executable, "-m", "tars_ci", "run", "--spec", spec, "--now",
                           NOW, "--publish"], cwd=work, env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    return spec, done.returncode, done.stderr, time.monotonic() - start


def matrix(bare: Path, base: Path, env: dict[str, str], round_: str
           ) -> list[tuple[str, int, str, float]]:
    """Every release's job, :data:`MAX_PARALLEL` at a time, from the current main."""
    sha = git(bare, "rev-parse", "main")
    specs = [f"{FOLDER}/r{i:02d}.yaml" for i in range(RELEASES)]
    with ThreadPoolExecutor(max_workers=MAX_PARALLEL) as pool:
        return list(pool.map(lambda s: job(bare, sha, base / round_ / Path(s).stem, s, env),
                             specs))


def summary_job(bare: Path, work: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """The fleet summary job: check out main, ``tars-ci fleet --publish``; (exit, out, the
    job summary)."""
    subprocess.run(["git", "clone", "-q", str(bare), str(work)], check=True,
                   capture_output=True)
    summary = work.parent / f"{work.name}.summary.md"
    done = subprocess.run([sys.executable, "-m", "tars_ci", "fleet", "--spec", FOLDER,
                           "--now", NOW, "--publish"], cwd=work, capture_output=True,
                          text=True, timeout=300, check=False,
                          env={**env, "GITHUB_ACTIONS": "true",
                               "GITHUB_STEP_SUMMARY": str(summary),
                               "GITHUB_SERVER_URL": "https://github.example",
                               "GITHUB_REPOSITORY": REPO})
    return done.returncode, done.stdout + done.stderr, summary.read_text("utf-8")


def test_a_fifty_release_fleet_as_the_workflow_runs_it(
        tmp_path: Path, demo_prometheus: PrometheusServer,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    def specs(tree: Path) -> None:
        write_fleet(tree / FOLDER, RELEASES)

    bare, _ = seed_remote(tmp_path, specs, work="seed", message="fleet specs")
    started = time.monotonic()
    me0 = resource.getrusage(resource.RUSAGE_SELF)
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    with emulator_for(bare) as gh:
        env = {**os.environ, "LC_ALL": "C",
               **publish_env(gh, PROMETHEUS_URL=demo_prometheus.url)}

        # ---- the matrix: 50 jobs, 8 at a time
        t0 = time.monotonic()
        first = matrix(bare, tmp_path, env, "first")
        first_seconds = time.monotonic() - t0
        failed = {spec: (code, err[-1500:]) for spec, code, err, _ in first
                  if code not in (0, 1)}
        assert failed == {}
        assert {code for _, code, _, _ in first} == {1}  # the demo's day-2 P1 finding

        # 50 histories landed: one history commit per release on main, none lost
        subjects = git(bare, "log", "--format=%s", "main").splitlines()
        assert subjects[-1] == "fleet specs"
        history = Counter(subjects[:-1])
        assert history == Counter(
            f"tars-ci: {release_name(i)} days 0, 1, 2, 3 [skip ci]" for i in range(RELEASES))
        files = git(bare, "ls-tree", "-r", "--name-only", "main", "reports").splitlines()
        per_release = Counter(f.split("/")[1] for f in files)
        # the baseline, the anomaly episodes, and days 1-3's summary and health report
        assert per_release == {release_slug(i): 8 for i in range(RELEASES)}
        assert sorted(remote_state(bare)) == ["refs/heads/main"]  # every lease released

        # exactly one issue per (release, finding): the day-2 p99 finding of each release
        issues = gh.issues(REPO)
        keys = Counter(markers.parse_finding(i["body"]) for i in issues)
        assert keys == Counter({(release_slug(i), "p99_latency_ms:degradation"): 1
                                for i in range(RELEASES)})
        titles = {markers.parse_finding(i["body"])[0]: i["title"] for i in issues}  # type: ignore[index]
        assert all(f"p99 latency (fleet member {i:02d})" in titles[release_slug(i)]
                   for i in range(RELEASES))  # each release's own KPI title

        # ---- the summary job
        code, out, summary = summary_job(bare, tmp_path / "summary", env)
        assert code == 0, out
        assert f"{RELEASES} releases: {RELEASES} passing." in summary
        rows = [line for line in summary.splitlines() if line.startswith("| checkout-api-")]
        assert len(rows) == RELEASES
        for i in range(RELEASES):
            assert sum(f"(`{release_slug(i)}`)" in row for row in rows) == 1
        assert all("| 3/7 | 96.2 (excellent) | monitor | — | 0 | 0 | passing |" in row
                   for row in rows), rows[0]
        [fleet_issue] = [i for i in gh.issues(REPO) if FLEET_LABEL in i["labels"]]
        assert parse_fleet(fleet_issue["body"]) == FOLDER
        assert all(f"(`{release_slug(i)}`)" in fleet_issue["body"] for i in range(RELEASES))
        assert "Pin this issue" in fleet_issue["body"]

        # ---- the whole workflow again, same clock: nothing is written anywhere
        writes, state = len(gh.writes()), remote_state(bare)
        t0 = time.monotonic()
        again = matrix(bare, tmp_path, env, "again")
        again_seconds = time.monotonic() - t0
        assert {spec: code for spec, code, _, _ in again if code != 0} == {}  # complete
        code, out, summary_again = summary_job(bare, tmp_path / "summary-again", env)
        assert code == 0, out
        assert "fleet issue: unchanged" in out
        assert summary_again == summary
        assert len(gh.writes()) == writes
        assert remote_state(bare) == state
        assert gh.schema_problems == []

    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    with capsys.disabled():
        jobs = sorted(s for _, _, _, s in first)
        races = sum(err.count("another run pushed first") for _, _, err, _ in first)
        print(f"\nfleet acceptance: {RELEASES} releases, {MAX_PARALLEL} at a time: first run "
              f"{first_seconds:.1f} s (a job {jobs[0]:.1f}-{jobs[-1]:.1f} s, {races} pushes "
              f"lost a race and were retried), re-run "
              f"{again_seconds:.1f} s, {writes} GitHub writes, "
              f"{len(subjects) - 1} history commits; total {time.monotonic() - started:.1f} s; "
              f"CPU: this process (the emulator) "
              f"{me.ru_utime + me.ru_stime - me0.ru_utime - me0.ru_stime:.1f} s, the jobs "
              f"and git {kids.ru_utime + kids.ru_stime - kids0.ru_utime - kids0.ru_stime:.1f} s; "
              f"load average "
              f"{os.getloadavg()[0]:.1f}")
