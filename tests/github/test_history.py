"""History commits and pushes with real git and a local bare remote."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from tars_ci.errors import GitError
from tars_ci.github import history
from tars_ci.github.git import Git, GitResult, GitRunner, subprocess_git
from tests.github.conftest import SLUG, write_day, write_ga
from tests.harness.git import git

pytestmark = pytest.mark.integration
SPECS = ["reports", ":(glob,exclude)reports/*/output/**"]


class Recorder:
    """A git runner that records every command and can refuse pushes."""

    def __init__(self, reject_pushes: int = 0) -> None:
        self.commands: list[list[str]] = []
        self.reject_pushes = reject_pushes

    def __call__(self, args: Sequence[str], cwd: Path, *, input: str | None = None,
                 env: Mapping[str, str] | None = None) -> GitResult:
        self.commands.append(list(args))
        if args[0] == "push" and self.reject_pushes:
            self.reject_pushes -= 1
            return GitResult(1, "", " ! [rejected]        HEAD -> main (fetch first)")
        return subprocess_git(args, cwd, input=input, env=env)


def commit_day(root: Path, day: int, runner: GitRunner | None = None) -> Git:
    write_day(root, day, [])
    g = Git(root, runner or subprocess_git)
    assert history.commit_reports(g, SPECS, history.commit_message("rel", [day], 2))
    return g


def test_commit_only_reports_and_only_when_changed(clone: Callable[[str], Path]) -> None:
    root = clone("a")
    (root / "notes.txt").write_text("not ours")
    write_ga(root)
    out = root / "reports" / SLUG / "output"
    out.mkdir(parents=True)
    (out / "GA_7DAY_RETROSPECTIVE.md").write_text("# retro\n")
    g = Git(root)
    sha = history.commit_reports(g, SPECS, history.commit_message("rel", [0], 1))
    assert sha is not None
    assert git(root, "show", "--name-only", "--format=%s", sha).splitlines() == [
        "tars-ci: rel day 0 [skip ci]", "",
        f"reports/{SLUG}/ga_kpis/ga_kpi_summary.json"]
    assert history.commit_reports(g, SPECS, "again") is None  # nothing changed
    assert sorted(git(root, "status", "--porcelain", "-uall").splitlines()) == [
        "?? notes.txt", f"?? reports/{SLUG}/output/GA_7DAY_RETROSPECTIVE.md"]


def test_commit_message_lists_days() -> None:
    assert history.commit_message("api v1", [1, 2, 3], 6) == (
        "tars-ci: api v1 days 1, 2, 3 [skip ci]\n\nDays processed: 1, 2, 3\nFiles changed: 6\n")
    assert history.days_in([f"reports/{SLUG}/stability/day_03_summary.json",
                            f"reports/{SLUG}/health/day_03_HEALTH.json",
                            f"reports/{SLUG}/ga_kpis/ga_kpi_summary.json"]) == (0, 3)


def test_race_both_pushes_land_linearly(remote: Path, clone: Callable[[str], Path]) -> None:
    a, b = clone("a"), clone("b")
    ga, gb = commit_day(a, 1), commit_day(b, 2)
    assert history.push_history(ga, "origin", "main").pushed
    out = history.push_history(gb, "origin", "main")  # behind: fetch + rebase, then push
    assert out.pushed and out.attempts == 1
    assert git(remote, "log", "--format=%s", "main").splitlines() == [
        "tars-ci: rel day 2 [skip ci]", "tars-ci: rel day 1 [skip ci]", "spec"]
    assert git(remote, "rev-list", "--merges", "main") == ""  # linear, nothing lost


def test_identical_history_from_another_run_is_not_pushed_twice(
        remote: Path, clone: Callable[[str], Path]) -> None:
    a, b = clone("a"), clone("b")
    ga = commit_day(a, 1)

    def later(args: Sequence[str], cwd: Path, *, input: str | None = None,
              env: Mapping[str, str] | None = None) -> GitResult:
        dated = {"GIT_COMMITTER_DATE": "2030-01-01T00:00:00Z", **(env or {})}
        return subprocess_git(args, cwd, input=input, env=dated)

    gb = commit_day(b, 1, later)  # the same files in a commit with another sha
    assert git(a, "rev-parse", "HEAD") != git(b, "rev-parse", "HEAD")
    assert history.push_history(ga, "origin", "main").pushed
    out = history.push_history(gb, "origin", "main")
    assert (out.pushed, out.note) == (False, "another run had already pushed the same history")
    assert len([s for s in git(remote, "log", "--format=%s", "main").splitlines()
                if s.startswith("tars-ci")]) == 1


def test_push_retries_are_bounded_and_never_forced(clone: Callable[[str], Path]) -> None:
    root = clone("a")
    runner = Recorder(reject_pushes=10)
    g = commit_day(root, 1, runner)
    waits: list[float] = []
    with pytest.raises(GitError, match=r"push to origin main failed after 3 attempts"):
        history.push_history(g, "origin", "main", attempts=3, backoff=1.0, sleep=waits.append)
    assert waits == [1.0, 2.0]
    pushes = [c for c in runner.commands if c[0] == "push"]
    assert len(pushes) == 3
    assert not [c for c in pushes if any(a.startswith(("--force", "-f", "+")) for a in c)]


def test_push_succeeds_after_a_rejection(remote: Path, clone: Callable[[str], Path]) -> None:
    g = commit_day(clone("a"), 1, Recorder(reject_pushes=1))
    out = history.push_history(g, "origin", "main", sleep=lambda s: None)
    assert out.pushed and out.attempts == 2
    assert out.head == git(remote, "rev-parse", "main")


def test_conflict_is_reported_clearly(remote: Path, clone: Callable[[str], Path]) -> None:
    a, b = clone("a"), clone("b")
    ga = commit_day(a, 1)
    write_day(b, 1, [], health=12.5)  # the same day, different content
    gb = Git(b)
    history.commit_reports(gb, SPECS, history.commit_message("rel", [1], 2))
    history.push_history(ga, "origin", "main")
    before = git(remote, "rev-parse", "main")
    with pytest.raises(GitError, match=r"history conflict: another run committed different "
                                       rf"content for reports/{SLUG}/health/day_01_HEALTH.json"):
        history.push_history(gb, "origin", "main")
    assert git(remote, "rev-parse", "main") == before
    assert git(b, "log", "-1", "--format=%s") == "tars-ci: rel day 1 [skip ci]"  # kept
    assert git(b, "status", "--porcelain") == ""  # the rebase was aborted cleanly


def test_foreign_unpushed_commits_are_not_pushed(clone: Callable[[str], Path]) -> None:
    root = clone("a")
    (root / "app.py").write_text("print('wip')\n")
    git(root, "add", "app.py")
    git(root, "commit", "-q", "-m", "wip: my feature")
    g = commit_day(root, 1)
    with pytest.raises(GitError, match=r"1 commit\(s\) that are not tars-ci history commits "
                                       r"\(e.g. 'wip: my feature'\)"):
        history.push_history(g, "origin", "main")


def test_force_push_of_a_branch_is_refused(clone: Callable[[str], Path]) -> None:
    with pytest.raises(GitError, match="refusing to force-push branch refs/heads/main"):
        Git(clone("a")).push("origin", "HEAD", "refs/heads/main", lease="")


def test_retro_branch_commit_touches_no_work_tree(remote: Path,
                                                  clone: Callable[[str], Path]) -> None:
    root = clone("a")
    out = root / "reports" / SLUG / "output"
    out.mkdir(parents=True)
    (out / "GA_7DAY_RETROSPECTIVE.md").write_text("# retro\n")
    files = [f"reports/{SLUG}/output/GA_7DAY_RETROSPECTIVE.md"]
    g = Git(root)
    branch = "tars-ci/retro-x"
    assert history.read_only_branch_check(g, "origin", branch, files) == "absent"
    first = history.commit_to_branch(g, "origin", branch, "origin/main", files, "retro")
    assert first.changed
    assert history.read_only_branch_check(g, "origin", branch, files) == "unchanged"
    assert history.commit_to_branch(g, "origin", branch, "origin/main", files, "retro") == \
        history.BranchOutcome(first.sha, False)
    (out / "GA_7DAY_RETROSPECTIVE.md").write_text("# retro v2\n")
    assert history.read_only_branch_check(g, "origin", branch, files) == "changed"
    second = history.commit_to_branch(g, "origin", branch, "origin/main", files, "retro")
    assert git(remote, "rev-parse", f"{second.sha}~1") == first.sha  # fast-forward
    assert git(root, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert git(root, "diff", "--cached", "--name-only") == ""


def test_a_lost_race_is_not_a_failed_attempt(remote: Path,
                                             clone: Callable[[str], Path]) -> None:
    """Eight runs of a fleet push to one branch at once, each allowed a single failed
    attempt: every one lands, because losing to another run's push is retried."""
    import threading

    runs = []
    for i in range(8):
        root = clone(f"run-{i}")
        (root / "reports" / f"release-{i}").mkdir(parents=True)
        (root / "reports" / f"release-{i}" / "day.json").write_text(f"{i}\n")
        g = Git(root)
        assert history.commit_reports(g, SPECS, history.commit_message(f"release-{i}", [1], 1))
        runs.append(g)
    start = threading.Barrier(len(runs))
    outcomes: dict[int, history.PushOutcome | Exception] = {}

    def push(i: int) -> None:
        start.wait()
        try:
            outcomes[i] = history.push_history(runs[i], "origin", "main", attempts=1,
                                               backoff=0.05, sleep=lambda s: None)
        except Exception as exc:  # noqa: BLE001 - reported below
            outcomes[i] = exc

    threads = [threading.Thread(target=push, args=(i,)) for i in range(len(runs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(isinstance(o, history.PushOutcome) and o.pushed for o in outcomes.values()), \
        outcomes
    subjects = git(remote, "log", "--format=%s", "main").splitlines()
    assert sorted(s for s in subjects if s.startswith("tars-ci")) == sorted(
        f"tars-ci: release-{i} day 1 [skip ci]" for i in range(8))
    assert sum(o.attempts for o in outcomes.values()  # type: ignore[union-attr]
               ) > len(runs)  # some did lose a race, and were not counted as failing


def test_a_refusal_without_a_competing_push_still_counts(
        clone: Callable[[str], Path]) -> None:
    g = commit_day(clone("a"), 1, Recorder(reject_pushes=10))
    with pytest.raises(GitError, match="failed after 2 attempts"):
        history.push_history(g, "origin", "main", attempts=2, races=100,
                             sleep=lambda s: None)
