"""The notification publisher: each event sent once per target, recorded in the history.

It runs last, under the release's lease, after the history is pushed and the issues and the
retrospective PR are published (their links are in the messages). For each target in spec
order: the events of the recorded history it asked for, minus those the ledger
(``notifications/notifications_sent.json``, read after the history push rebased onto the
remote, so another run's sends are known) records as sent, oldest first, at most
``max_per_run``. Each 2xx is written to the ledger at once (atomically), and the ledger is
committed and pushed at the end of the step, also when a send failed or the run is
interrupted. A target that fails keeps its remaining events for the next run; the other
targets go on. The runner turns failed steps into exit 5.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import timezone
from pathlib import Path

import httpx

from tars_ci import __version__
from tars_ci.errors import PublishError
from tars_ci.github import history
from tars_ci.github.bodies import Links
from tars_ci.publishers.interface import Context
from tars_ci.publishers.notify.events import NotifyEvent, release_events, wanted
from tars_ci.publishers.notify.messages import PAYLOADS, message_of
from tars_ci.publishers.notify.sender import Policy, Sender, encode, url_problem
from tars_ci.publishers.plan import Area, Step
from tars_ci.reports.ledger import NotificationLedger, SentNotification
from tars_ci.reports.store import HistoryStore
from tars_ci.spec.notify import NotifyTarget

log = logging.getLogger("tars_ci.github")
RETRO_WAIT = "the retrospective PR was not published; the next run sends it"


def _links(ctx: Context, event: NotifyEvent) -> tuple[tuple[str, str], ...]:
    """Where to read more: the finding's issue, the day summary, the PR, the retrospective."""
    reports, out = ctx.reports, []
    if event.finding is not None:
        fid = event.finding.id
        issue = next((s for s in reversed(ctx.done) if s.area == "issues" and s.url
                      and s.summary.startswith(f"{fid}: ")), None)
        if issue is not None:
            out.append((f"Issue {issue.target}", issue.url))
    if event.kind != "retro_ready":
        path = reports.day_path(event.day)
        if path:
            out.append((f"Day {event.day} summary", Links(ctx.html_url, ctx.head).blob(path)))
    elif reports.retro is not None:
        pr = next((s for s in reversed(ctx.done) if s.area == "pull" and s.url), None)
        if pr is not None:
            out.append(("Pull request", pr.url))
        out.append(("Retrospective", Links(ctx.html_url, ctx.spec.retro_branch)
                    .blob(reports.retro.md_path)))
    return tuple(out)


class NotifyPublisher:
    """Send the due notifications of every target and record them."""

    area: Area = "notify"
    target = "notifications"

    def __init__(self, store: HistoryStore, repo_root: Path, targets: Sequence[NotifyTarget],
                 urls: Mapping[str, str], *, client: httpx.Client | None = None,
                 redact: Callable[[str], str] = lambda s: s,
                 sleep: Callable[[float], None] = time.sleep, backoff: float = 1.0) -> None:
        self.store = store
        self.repo_root = repo_root
        self.targets = tuple(targets)
        self.urls = dict(urls)  # url_secret → URL
        self.client = client
        self.redact = redact
        self.sleep = sleep
        self.backoff = backoff
        self.ledger = NotificationLedger(store.release, ())  # as recorded so far in this run

    def _due(self, ctx: Context, ledger: NotificationLedger
             ) -> list[tuple[NotifyTarget, list[NotifyEvent]]]:
        gh = ctx.spec.github
        events = release_events(ctx.reports, gh.issue_priorities, gh.close_after_days)
        return [(t, [e for e in wanted(events, t) if e.key not in ledger.sent_keys(t.id)])
                for t in self.targets]

    def plan(self, ctx: Context) -> list[Step]:
        """One ``send`` step per due message (deferred beyond ``max_per_run``)."""
        steps: list[Step] = []
        for target, due in self._due(ctx, self.store.load_ledger()):
            if not due:
                steps.append(Step("notify", "none", target.id, "nothing new to send",
                                  "unchanged"))
            for i, event in enumerate(due):
                step = Step("notify", "send", target.id, f"{event.key}: {event.headline}",
                            detail=f"{target.type} via ${target.url_secret}")
                steps.append(step if i < target.max_per_run else step.with_status(
                    "deferred", detail="over max_per_run; the next run sends it"))
        return steps

    def apply(self, ctx: Context) -> list[Step]:
        """Send, record each delivery, then commit and push the ledger."""
        before = self.store.load_ledger()
        self.ledger = before
        steps: list[Step] = []
        client = self.client or httpx.Client(follow_redirects=False)
        sender = Sender(client, self.redact, self.sleep)
        try:
            for target, due in self._due(ctx, before):
                self._send_target(ctx, sender, target, due, steps)
        finally:  # an interrupted run still pushes what it sent
            if self.client is None:
                client.close()
            if self.ledger != before:
                steps += self._commit(ctx, self.ledger)
        return steps

    def _send_target(self, ctx: Context, sender: Sender, target: NotifyTarget,
                     due: list[NotifyEvent], steps: list[Step]) -> None:
        if not due:
            steps.append(Step("notify", "none", target.id, "nothing new to send", "unchanged"))
            return
        url = self.urls.get(target.url_secret, "")
        problem = f"notify {target.id}: ${target.url_secret} is not set" if not url else (
            f"notify {target.id}: the URL in ${target.url_secret} {url_problem(url)}"
            if url_problem(url) else "")
        pull_failed = any(s.area == "pull" and s.status == "failed" for s in ctx.done)
        policy = Policy(target.timeout.total_seconds(), target.retries,
                        target.max_retry_after.total_seconds(), self.backoff)
        failed = ""
        for i, event in enumerate(due):
            step = Step("notify", "send", target.id, f"{event.key}: {event.headline}",
                        detail=target.type)
            if i >= target.max_per_run:
                steps.append(step.with_status("deferred", detail="over max_per_run; the next "
                                              "run sends it"))
            elif problem or failed:
                steps.append(step.with_status("failed" if problem and i == 0 else "skipped",
                                              detail=problem if i == 0 and problem else
                                              "after an earlier failure of this target"))
                failed = failed or problem
            elif event.kind == "retro_ready" and pull_failed:
                steps.append(step.with_status("deferred", detail=RETRO_WAIT))
            else:
                message = message_of(event, ctx.reports, _links(ctx, event))
                headers = {"Content-Type": "application/json",
                           "User-Agent": f"tars-ci/{__version__}",
                           "X-Tars-Ci-Event-Key": event.key}
                got = sender.post(url, encode(PAYLOADS[target.type](message)), headers, policy)
                if got.ok:
                    sent = ctx.clock().astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                    self.ledger = self.ledger.add(target.id, SentNotification(
                        event.key, event.kind, event.day, sent))
                    self.store.write_ledger(self.ledger)
                    steps.append(step.with_status("done", detail=f"{target.type}, {got.detail}"))
                else:
                    failed = f"notify {target.id}: {event.key}: {got.detail}"
                    log.warning("%s", failed)
                    steps.append(step.with_status("failed", detail=failed))

    def _commit(self, ctx: Context, ledger: NotificationLedger) -> list[Step]:
        """Commit the ledger alone and push it (fetch, rebase, bounded retry)."""
        path = self.store.paths.notifications
        spec = [history.repo_path(self.repo_root, path)]
        sent = sum(len(t.sent) for t in ledger.targets)
        message = (f"{history.SUBJECT_PREFIX}{ctx.reports.name} notifications sent "
                   f"[skip ci]\n\nNotifications recorded: {sent}\n")
        base, opts = ctx.spec.github.base_branch, ctx.options
        try:
            sha = history.commit_reports(ctx.git, spec, message)
            pushed = history.push_history(ctx.git, opts.remote, base,
                                          attempts=opts.push_attempts,
                                          backoff=opts.push_backoff, sleep=opts.sleep)
        except PublishError as exc:
            return [Step("notify", "push", f"{opts.remote}/{base}", "the record of sent "
                         "notifications was not pushed; the next run may send them again",
                         "failed", detail=str(exc))]
        return [Step("notify", "commit", base, "record of sent notifications",
                     "done" if sha else "unchanged", detail=spec[0]),
                Step("notify", "push", f"{opts.remote}/{base}", pushed.note,
                     "done" if pushed.pushed else "unchanged")]
