"""Exact payloads for each service (golden, compact)."""

from __future__ import annotations

from tars_ci.publishers.notify.events import release_events
from tars_ci.publishers.notify.messages import message_of, slack, teams, webhook
from tars_ci.publishers.notify.sender import encode
from tests.publishers.builders import finding, view

F = "error_rate:degradation"
REPORTS = view({1: [finding(F, 1, "P1", "Error rate <b>&</b> +100%")], 2: [], 3: []},
               {1: "rollback"}, retro=True)  # days 2 and 3: monitor
EVENTS = {e.kind: e for e in release_events(REPORTS, ("P0", "P1"), 2)}
DAY1 = "https://github.com/acme/shop/blob/abc123/reports/shop/stability/day_01_summary.json"
LINKS = (("Issue #4", "https://github.com/acme/shop/issues/4"), ("Day 1 summary", DAY1))
OPENED = message_of(EVENTS["finding_opened"], REPORTS, LINKS)


def test_slack_block_kit_escapes_mrkdwn() -> None:
    assert slack(OPENED) == {
        "text": "P1 finding opened: Error rate <b>&</b> +100% (shop v1 · day 1 · P1)",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text":
                "*P1 finding opened: Error rate &lt;b&gt;&amp;&lt;/b&gt; +100%*\n"
                "error_rate doubled on day 1"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text":
                f"shop v1 · day 1 · P1 · <https://github.com/acme/shop/issues/4|Issue #4> · "
                f"<{DAY1}|Day 1 summary>"}]}]}


def test_teams_adaptive_card() -> None:
    assert teams(OPENED) == {"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
        "content": {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard", "version": "1.4",
            "body": [
                {"type": "TextBlock", "text": "P1 finding opened: Error rate <b>&</b> +100%",
                 "weight": "Bolder", "size": "Medium", "wrap": True},
                {"type": "TextBlock", "text": "error_rate doubled on day 1", "wrap": True},
                {"type": "TextBlock", "text": "shop v1 · day 1 · P1", "isSubtle": True,
                 "spacing": "None", "wrap": True}],
            "actions": [
                {"type": "Action.OpenUrl", "title": "Issue #4",
                 "url": "https://github.com/acme/shop/issues/4"},
                {"type": "Action.OpenUrl", "title": "Day 1 summary", "url": DAY1}]}}]}


def test_generic_webhook_v1_bytes() -> None:
    assert encode(webhook(OPENED)).decode() == (
        '{"day":1,"decision":null,"finding":{"baseline":1.0,"detail":"error_rate doubled on '
        'day 1","drift_percent":100.0,"id":"error_rate:degradation","kind":"degradation",'
        '"kpi":"error_rate","priority":"P1","severity":"high","title":"Error rate <b>&</b> '
        '+100%","unit":"percent","value":2.0},"key":"finding/error_rate:degradation/1/opened",'
        '"kind":"finding_opened","links":[{"label":"Issue #4","url":"https://github.com/acme/'
        'shop/issues/4"},{"label":"Day 1 summary","url":"' + DAY1 + '"}],"priority":"P1",'
        '"release":{"name":"shop v1","slug":"shop-v1"},"schema":"tars-ci.notification/v1",'
        '"text":"error_rate doubled on day 1","title":"P1 finding opened: Error rate <b>&</b> '
        '+100%"}')


def test_the_other_events_in_words() -> None:
    words = {kind: (m.title, m.text, m.context) for kind, m in (
        (k, message_of(e, REPORTS, ())) for k, e in EVENTS.items())}
    assert words == {
        "finding_opened": ("P1 finding opened: Error rate <b>&</b> +100%",
                           "error_rate doubled on day 1", "shop v1 · day 1 · P1"),
        "finding_cleared": ("Cleared: Error rate <b>&</b> +100%",
                            "Last seen on day 1; clear on day(s) 2, 3, so its issue is closed.",
                            "shop v1 · day 3 · P1"),
        "decision_changed": ("Rollback decision: rollback → monitor",
                             "Day 2 recommends monitor; the day summary has the reasons.",
                             "shop v1 · day 2 · P1"),
        "retro_ready": ("7-day retrospective ready",
                        "**shop v1** completed its program: monitor.", "shop v1 · day 7")}
    assert webhook(message_of(EVENTS["decision_changed"], REPORTS, ()))["decision"] == {
        "from": "rollback", "to": "monitor"}


def test_long_text_is_cut_short() -> None:
    long = view({1: [finding(F, 1, "P1", "x" * 400)]})
    m = message_of(release_events(long, ("P1",), 2)[0], long, ())
    assert len(m.title) == 150 and m.title.endswith("…")
