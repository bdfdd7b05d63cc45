"""Notifications: Slack, Microsoft Teams and a JSON webhook, each event once per target.

    events.py     the events of a release's history (pure; the issue lifecycle's episodes)
    messages.py   one event as each service's payload (deterministic, short)
    sender.py     one POST with bounded retries (timeouts, 429 Retry-After, 5xx), URL redacted
    publisher.py  the publisher: what is due per target, sent in order, recorded in the ledger
"""
