"""One event as each service's payload: short, deterministic, with links.

- ``slack``: an incoming-webhook message, Block Kit (a section and a context block) with a
  ``text`` fallback for notifications; mrkdwn is escaped (``&``, ``<``, ``>``).
- ``teams``: a ``message`` with one Adaptive Card 1.4 attachment (the shape Microsoft
  documents for Teams workflow and connector webhooks), links as ``Action.OpenUrl``.
- ``webhook``: ``tars-ci.notification/v1``, documented in the README; its ``key`` (also the
  ``X-Tars-Ci-Event-Key`` header) lets a receiver drop a message it has seen.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from tars_ci.github.view import ReleaseReports
from tars_ci.publishers.notify.events import NotifyEvent

SCHEMA = "tars-ci.notification/v1"
TEXT_LIMIT = 300


class Message(NamedTuple):
    """What every service's payload is made of."""

    event: NotifyEvent
    release: str
    slug: str
    title: str
    text: str
    context: str  # release · day · priority
    links: tuple[tuple[str, str], ...]  # (label, url), most useful first


def _short(text: str, limit: int = TEXT_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _days(days: tuple[int, ...]) -> str:
    return ", ".join(str(d) for d in days)


def message_of(event: NotifyEvent, reports: ReleaseReports,
               links: tuple[tuple[str, str], ...]) -> Message:
    """The words of one event."""
    e, f = event, event.finding
    if e.kind == "finding_opened" and f is not None:
        title, text = f"{e.priority} finding opened: {e.headline}", f.detail
    elif e.kind == "finding_escalated" and f is not None:
        title, text = f"Escalated to {e.priority}: {e.headline}", f.detail
    elif e.kind == "finding_cleared" and f is not None:
        title = f"Cleared: {e.headline}"
        text = (f"Last seen on day {f.day}; clear on day(s) {_days(e.clear_days)}, so its "
                f"issue is closed.")
    elif e.kind == "decision_changed" and e.decision is not None:
        before, after = e.decision
        title = f"Rollback decision: {before or 'none'} → {after}"
        text = f"Day {e.day} recommends {after.replace('_', ' ')}; the day summary has the " \
               f"reasons."
    else:
        title = e.headline
        text = reports.retro.executive_summary if reports.retro is not None else ""
    context = " · ".join(x for x in (reports.name, f"day {e.day}", e.priority or "") if x)
    return Message(e, reports.name, reports.slug, _short(title, 150), _short(text), context,
                   links)


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack(m: Message) -> dict[str, Any]:
    """Slack incoming webhook payload."""
    esc = _slack_escape
    links = " · ".join(f"<{url}|{esc(label)}>" for label, url in m.links)
    section = f"*{esc(m.title)}*" + (f"\n{esc(m.text)}" if m.text else "")
    context = esc(m.context) + (f" · {links}" if links else "")
    return {"text": f"{m.title} ({m.context})",
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": section}},
                       {"type": "context",
                        "elements": [{"type": "mrkdwn", "text": context}]}]}


def teams(m: Message) -> dict[str, Any]:
    """Microsoft Teams webhook payload: one Adaptive Card."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": m.title, "weight": "Bolder", "size": "Medium",
         "wrap": True}]
    if m.text:
        body.append({"type": "TextBlock", "text": m.text, "wrap": True})
    body.append({"type": "TextBlock", "text": m.context, "isSubtle": True, "spacing": "None",
                 "wrap": True})
    card: dict[str, Any] = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                            "type": "AdaptiveCard", "version": "1.4", "body": body}
    if m.links:
        card["actions"] = [{"type": "Action.OpenUrl", "title": label, "url": url}
                           for label, url in m.links]
    return {"type": "message",
            "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                             "contentUrl": None, "content": card}]}


def webhook(m: Message) -> dict[str, Any]:
    """The generic JSON payload, ``tars-ci.notification/v1``."""
    e, f = m.event, m.event.finding
    finding = None if f is None else {
        "id": f.id, "kpi": f.kpi, "kind": f.kind, "severity": f.severity,
        "priority": f.priority, "title": f.title, "detail": f.detail, "value": f.value,
        "baseline": f.baseline, "drift_percent": f.drift_percent, "unit": f.unit}
    decision = None if e.decision is None else {"from": e.decision[0] or None,
                                                "to": e.decision[1]}
    return {"schema": SCHEMA, "key": e.key, "kind": e.kind,
            "release": {"name": m.release, "slug": m.slug}, "day": e.day,
            "priority": e.priority, "title": m.title, "text": m.text, "finding": finding,
            "decision": decision,
            "links": [{"label": label, "url": url} for label, url in m.links]}


PAYLOADS = {"slack": slack, "teams": teams, "webhook": webhook}
