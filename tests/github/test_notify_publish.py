"""The notification publisher inside the runner: after the history, under the lease, sent
once, recorded in the history, with an interrupted run, a missing secret, a dry run and the
per-run cap. The receiver is httpx.MockTransport here (real sockets: test_notify_acceptance)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from tars_ci.github.client import GitHubClient
from tars_ci.publishers.notify.publisher import NotifyPublisher
from tars_ci.publishers.runner import PublishResult, publish
from tars_ci.reports.documents import release_block
from tars_ci.reports.store import HistoryStore
from tars_ci.spec.loader import parse_spec
from tars_ci.spec.model import Spec
from tests.github.conftest import GA, OPTIONS, SLUG, SPEC_TEXT, write_retro, write_scenario_day
from tests.harness.git import git

pytestmark = pytest.mark.integration

URL = "https://hooks.example.com/services/T1/B1/notifySecret0042"
LEDGER = f"reports/{SLUG}/notifications/notifications_sent.json"


@pytest.fixture
def nspec() -> Spec:
    return parse_spec(SPEC_TEXT + "notify:\n  - {type: webhook, url_secret: HOOK_URL, "
                      "name: ops}\n", {}, "tars.yaml")


class Hook:
    """A mock receiver: records keys; ``interrupt_at`` raises KeyboardInterrupt there."""

    def __init__(self, interrupt_at: int = -1) -> None:
        self.keys: list[str] = []
        self.interrupt_at = interrupt_at

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if len(self.keys) == self.interrupt_at:
            raise KeyboardInterrupt  # the run is stopped mid-send (Ctrl-C, a cancelled job)
        self.keys.append(json.loads(request.content)["key"])
        return httpx.Response(200, text="ok")


def run(spec: Spec, root: Path, client: GitHubClient, hook: Hook, *, dry_run: bool = False,
        urls: dict[str, str] | None = None, day: int = 8) -> PublishResult:
    store = HistoryStore(root / "reports", release_block(spec))
    notifier = NotifyPublisher(store, root, spec.notify,
                               {"HOOK_URL": URL} if urls is None else urls,
                               client=httpx.Client(transport=httpx.MockTransport(hook)),
                               sleep=lambda s: None)
    return publish(spec, root, root / "reports" / SLUG, None, github=client,
                   dry_run=dry_run, options=OPTIONS, after=[notifier],
                   clock=lambda: GA + timedelta(days=day, hours=1))


def scenario(root: Path, days: range) -> None:
    for day in days:
        write_scenario_day(root, day)


def test_an_interrupted_run_pushes_what_it_sent_and_the_next_sends_the_rest(
        nspec: Spec, clone: Callable[[str], Path], remote: Path,
        make_client: Callable[..., GitHubClient]) -> None:
    work = clone("work")
    scenario(work, range(8))
    first = Hook(interrupt_at=2)
    with pytest.raises(KeyboardInterrupt):
        run(nspec, work, make_client(), first)
    recorded = json.loads(git(remote, "show", f"main:{LEDGER}"))
    assert [s["key"] for s in recorded["targets"][0]["sent"]] == first.keys
    assert git(remote, "for-each-ref", "refs/tars-ci/locks") == ""  # the lease was released
    fresh = clone("fresh")  # a CI checkout: only what was pushed is known
    write_retro(fresh)  # (the pipeline rewrites it: it goes to the PR branch, not to main)
    second = Hook()
    assert run(nspec, fresh, make_client(), second).ok
    assert not set(first.keys) & set(second.keys)
    assert len(first.keys) + len(second.keys) == 8  # the 8-day scenario's events
    assert second.keys[-1] == "retro/ready"


def test_a_missing_secret_fails_the_area_after_the_history(
        nspec: Spec, clone: Callable[[str], Path], remote: Path,
        make_client: Callable[..., GitHubClient]) -> None:
    work = clone("work")
    scenario(work, range(3))
    hook = Hook()
    result = run(nspec, work, make_client(), hook, urls={})
    assert result.errors == ("notify ops: $HOOK_URL is not set",)
    assert hook.keys == []
    assert f"reports/{SLUG}/stability/day_02_summary.json" in git(
        remote, "ls-tree", "-r", "--name-only", "main")
    assert run(nspec, work, make_client(), hook).ok and hook.keys == [
        "finding/cpu_percent:degradation/1/opened", "finding/p99_latency_ms:degradation/2/opened"]


def test_a_dry_run_plans_and_sends_nothing(
        nspec: Spec, clone: Callable[[str], Path],
        make_client: Callable[..., GitHubClient]) -> None:
    work = clone("work")
    scenario(work, range(3))
    hook = Hook()
    result = run(nspec, work, make_client(), hook, dry_run=True, urls={})
    sends = [s for s in result.plan.steps if s.area == "notify"]
    assert [(s.action, s.status, s.summary.split(":")[0]) for s in sends] == [
        ("send", "planned", "finding/cpu_percent"), ("send", "planned", "finding/p99_latency_ms")]
    assert hook.keys == [] and not (work / LEDGER).exists()


def test_the_per_run_cap_defers_the_rest_to_the_next_run(
        clone: Callable[[str], Path], make_client: Callable[..., GitHubClient]) -> None:
    spec = parse_spec(SPEC_TEXT + "notify:\n  - {type: webhook, url_secret: HOOK_URL, "
                      "max_per_run: 5}\n", {}, "tars.yaml")
    work = clone("work")
    scenario(work, range(8))
    hook = Hook()
    result = run(spec, work, make_client(), hook)
    assert result.ok and len(hook.keys) == 5
    assert result.plan.count("deferred", "notify") == 3
    assert run(spec, work, make_client(), hook).ok and len(hook.keys) == 8
    assert run(spec, work, make_client(), hook).ok and len(hook.keys) == 8
    assert len(set(hook.keys)) == 8
