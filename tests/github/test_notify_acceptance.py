"""Acceptance: the demo program with ``notify:`` sends each event exactly once per target,
across a re-run, a catch-up run and a receiver that failed once; no webhook URL leaks.

Real parts: ``tars-ci run --publish`` (the CLI) on the bundled demo recording, the GitHub
emulator, a bare git remote, and a webhook receiver on 127.0.0.1.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import timedelta
from importlib.resources import files
from pathlib import Path

import pytest

from tars_ci.cli import main
from tars_ci.github.view import release_view
from tars_ci.publishers.notify.events import release_events, wanted
from tars_ci.reports.documents import release_block
from tars_ci.reports.store import HistoryStore
from tars_ci.spec import load_spec
from tars_ci.spec.model import Spec
from tests.github.conftest import REPO, TOKEN
from tests.github_emulator import GitHubEmulator
from tests.harness.git import git
from tests.harness.receiver import Receiver

pytestmark = pytest.mark.integration

SLUG = "checkout-api-v2-4-0"
# the secret part of each URL: what must never be seen outside the environment
PATHS = {"slack": "/services/T0SECRET/B0SECRET/slackSecretPath0001",
         "teams": "/workflows/teamsSecretPath0002/triggers/manual/run",
         "ops": "/hooks/opsSecretPath0003"}
NOTIFY = """
notify:
  - {type: slack, url_secret: SLACK_WEBHOOK_URL}
  - {type: teams, url_secret: TEAMS_WEBHOOK_URL, min_priority: P0}
  - {type: webhook, url_secret: OPS_WEBHOOK_URL, name: ops}
"""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as rx:
        yield rx


class Program:
    """A CI checkout of the demo with notify targets, run as the scheduled job would."""

    def __init__(self, work: Path, emulator: GitHubEmulator, rx: Receiver) -> None:
        demo = Path(str(files("tars_ci.demo")))
        for name in ("tars.yaml", "demo_replay.json.gz"):
            shutil.copy(demo / name, work / "config" / name)
        spec_path = work / "config" / "tars.yaml"
        spec_path.write_text(spec_path.read_text() + NOTIFY)
        git(work, "add", "config")
        git(work, "commit", "-q", "-m", "demo spec with notify targets")
        git(work, "push", "-q", "origin", "HEAD:refs/heads/main")
        self.work, self.spec_path = work, spec_path
        self.spec: Spec = load_spec(spec_path, {})
        self.env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": REPO,
                    "GITHUB_API_URL": emulator.url, "TARS_CI_FAST_LOOPBACK": "1",
                    "SLACK_WEBHOOK_URL": rx.url(PATHS["slack"]),
                    "TEAMS_WEBHOOK_URL": rx.url(PATHS["teams"]),
                    "OPS_WEBHOOK_URL": rx.url(PATHS["ops"])}

    def run(self, day: int) -> int:
        now = self.spec.release.ga_time + timedelta(days=day + 1) + self.spec.schedule.settle
        return main(["run", "--spec", str(self.spec_path), "--reports",
                     str(self.work / "reports"), "--now", now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                     "--publish", "-q"], self.env)

    def expected(self) -> dict[str, list[str]]:
        """Every event of the final history, per target, as its filters select them."""
        store = HistoryStore(self.work / "reports", release_block(self.spec))
        events = release_events(release_view(store, self.work), ("P0", "P1"), 2)
        names = {"slack-slack_webhook_url": "slack", "teams-teams_webhook_url": "teams",
                 "ops": "ops"}
        return {names[t.id]: [e.key for e in wanted(events, t)] for t in self.spec.notify}


def delivered(rx: Receiver) -> dict[str, list[str]]:
    return {name: rx.keys(path) for name, path in PATHS.items()}


def no_leak(texts: list[str]) -> None:
    for text in texts:
        for secret in PATHS.values():
            assert secret not in text
            for part in (p for p in secret.split("/") if "Secret" in p):
                assert part not in text


def repo_text(work: Path, remote: Path) -> list[str]:
    files_text = [p.read_text(errors="replace") for p in (work / "reports").rglob("*")
                  if p.is_file()]
    log = subprocess.run(["git", "log", "-p", "--all"], cwd=remote, capture_output=True,
                         text=True, check=True).stdout
    return [*files_text, log]


def test_every_event_once_across_daily_runs_and_a_rerun(
        emulator: GitHubEmulator, remote: Path, clone: Callable[[str], Path],
        receiver: Receiver, capsys: pytest.CaptureFixture[str]) -> None:
    program = Program(clone("ci"), emulator, receiver)
    codes = [program.run(day) for day in range(8)]
    out = capsys.readouterr()
    assert set(codes) <= {0, 1}, out.err
    expected = program.expected()
    assert all(expected.values())
    assert {e.split("/")[0] for e in expected["slack"]} == {"finding", "decision", "retro"}
    assert delivered(receiver) == expected  # each once, in order
    ops = {b["key"]: b for b in receiver.bodies(PATHS["ops"])}
    opened = ops["finding/availability:degradation/5/opened"]
    assert (opened["schema"], opened["day"], opened["priority"]) == (
        "tars-ci.notification/v1", 5, "P0")
    assert [link["label"] for link in opened["links"]] == ["Issue #2", "Day 5 summary"]
    assert opened["links"][1]["url"].endswith(f"/reports/{SLUG}/stability/day_05_summary.json")
    retro = ops["retro/ready"]["links"]
    assert [link["label"] for link in retro] == ["Pull request", "Retrospective"]
    assert "/pull/" in retro[0]["url"]
    # the re-run, same clock: nothing sent, nothing committed
    head = git(remote, "rev-parse", "main")
    assert program.run(7) in (0, 1)
    out2 = capsys.readouterr()
    assert delivered(receiver) == expected
    assert git(remote, "rev-parse", "main") == head
    ledger = git(remote, "show", f"main:reports/{SLUG}/notifications/notifications_sent.json")
    assert ledger.count('"key"') == sum(map(len, expected.values()))
    no_leak([out.out, out.err, out2.out, out2.err, *repo_text(program.work, remote)])


def test_a_catch_up_run_sends_every_event_once(
        emulator: GitHubEmulator, remote: Path, clone: Callable[[str], Path],
        receiver: Receiver, capsys: pytest.CaptureFixture[str]) -> None:
    program = Program(clone("ci"), emulator, receiver)
    assert program.run(7) in (0, 1), capsys.readouterr().err  # days 0-7 in one run
    expected = program.expected()
    assert delivered(receiver) == expected
    assert program.run(7) in (0, 1)
    assert delivered(receiver) == expected
    out = capsys.readouterr()
    no_leak([out.out, out.err, *repo_text(program.work, remote)])


def test_a_receiver_that_failed_once_gets_the_rest_next_run_once(
        emulator: GitHubEmulator, remote: Path, clone: Callable[[str], Path],
        receiver: Receiver, capsys: pytest.CaptureFixture[str]) -> None:
    program = Program(clone("ci"), emulator, receiver)
    for day in range(5):
        assert program.run(day) in (0, 1), capsys.readouterr().err
    sent = delivered(receiver)
    # day 5 has new events for slack; its receiver fails: a reset, a 503, then a 502
    receiver.fail(PATHS["slack"], "reset", 503, 502)
    assert program.run(5) == 5
    out = capsys.readouterr()
    assert "error:" in out.err and "slack" in out.err
    assert delivered(receiver)["slack"] == sent["slack"]  # nothing new reached slack
    assert delivered(receiver)["ops"] != sent["ops"]  # the other targets went on
    # the history is safe: day 5 is on the remote despite the failed send
    assert f"reports/{SLUG}/stability/day_05_summary.json" in git(
        remote, "ls-tree", "-r", "--name-only", "main")
    for day in (6, 7):
        assert program.run(day) in (0, 1), capsys.readouterr().err
    assert delivered(receiver) == program.expected()
    out2 = capsys.readouterr()
    no_leak([out.out, out.err, out2.out, out2.err, *repo_text(program.work, remote)])
