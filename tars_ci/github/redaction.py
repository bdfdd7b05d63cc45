"""Keep tokens out of every message, log line and report.

One :class:`Redactor` knows the run's secrets (the GitHub token) and replaces them with
``***`` in error messages (GitHub and git errors pass through it before they become
tars-ci errors) and in log records (:meth:`Redactor.log_filter` on the CLI's handler).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

MASK = "***"
# Shapes of GitHub credentials, masked even when the exact value is unknown (a token pasted
# into a spec, a remote URL with credentials in git's stderr).
TOKEN_SHAPES = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b"
    r"|(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"
)


class Redactor:
    """Replaces known secrets (and anything shaped like a GitHub token) with ``***``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Very short values would mask ordinary words; GitHub tokens are 40+ characters.
        self.secrets = tuple(sorted({s for s in secrets if s and len(s) >= 6},
                                    key=len, reverse=True))

    def __call__(self, text: str) -> str:
        """``text`` without secrets."""
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return TOKEN_SHAPES.sub(MASK, text)

    def log_filter(self) -> logging.Filter:
        """A filter that rewrites each record's message without secrets."""
        redact = self

        class _Filter(logging.Filter):
            def filter(self, record: logging.LogRecord) -> bool:
                message = record.getMessage()
                cleaned = redact(message)
                if cleaned != message or record.args:
                    record.msg, record.args = cleaned, None
                if record.exc_info and record.exc_info[1] is not None:
                    text = redact(logging.Formatter().formatException(record.exc_info))
                    record.msg = f"{record.msg}\n{text}"
                    record.exc_info, record.exc_text = None, None
                return True

        return _Filter()
