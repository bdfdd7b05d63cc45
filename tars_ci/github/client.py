"""The GitHub client: PyGithub construction, the retry policy, write pacing and the write cap.

This module is the one boundary where PyGithub and ``requests`` errors become
:class:`tars_ci.errors.GitHubError` (with the token redacted). PyGithub's own retry is turned
off (``retry=None``): its default ``GithubRetry`` re-sends a POST after any 5xx, and a 502 that
arrives after GitHub created the issue then makes a second issue. Instead:

- reads (GET) and idempotent writes (a PATCH that sets absolute values) are retried on 5xx,
  connection errors, 429 and rate-limit 403s;
- creating writes (POST) are retried without a look only when GitHub said it did nothing
  (429, rate-limit 403). After a 5xx or a broken connection the write may have landed, so
  :meth:`GitHubClient.create` first asks ``find()`` (a read) whether it did, and only
  re-sends when it did not;
- every wait honours ``Retry-After`` and ``X-RateLimit-Reset``, and is bounded by
  :attr:`RetryPolicy.max_wait`: a longer wait fails the run with a clear message instead;
- PyGithub paces requests (``seconds_between_requests`` / ``seconds_between_writes``, at
  least 1 s between writes in production) and the client stops at :attr:`Pacing.max_writes`
  writes per run, below GitHub's content-creation limits (80 a minute, 500 an hour).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, NamedTuple, TypeVar

from tars_ci.errors import GitHubError
from tars_ci.github.redaction import Redactor

if TYPE_CHECKING:
    from github import Github
    from github.Repository import Repository

T = TypeVar("T")
log = logging.getLogger("tars_ci.github")

Failure = Literal["permanent", "throttled", "transient"]


class RetryPolicy(NamedTuple):
    """How often and how long to retry."""

    attempts: int = 4  # tries per operation, the first included
    backoff: float = 1.0  # first wait after a 5xx or connection error; doubles each time
    max_backoff: float = 30.0
    max_wait: float = 120.0  # longest single wait honoured (Retry-After, rate-limit reset)
    secondary_wait: float = 60.0  # GitHub: after a secondary limit without Retry-After, ≥ 60 s


class Pacing(NamedTuple):
    """Request pacing and the per-run write cap."""

    seconds_between_requests: float = 0.25
    seconds_between_writes: float = 1.0
    max_writes: int = 60


class GitHubClient:
    """One repository on one GitHub (or GitHub Enterprise) API, with the retry discipline."""

    def __init__(self, token: str, repository: str, *, api_url: str = "https://api.github.com",
                 policy: RetryPolicy | None = None, pacing: Pacing | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 wall: Callable[[], float] = time.time, timeout: int = 30,
                 github: Github | None = None) -> None:
        if "/" not in repository.strip("/"):
            raise GitHubError(f"repository must be OWNER/NAME, got {repository!r}")
        self.repository = repository.strip("/")
        self.api_url = api_url.rstrip("/")
        self.policy = policy or RetryPolicy()
        self.pacing = pacing = pacing or Pacing()
        self.sleep = sleep
        self.wall = wall
        self.redact = Redactor([token])
        self.writes = 0
        self.waits: list[float] = []  # every wait taken, for the run summary and tests
        self._repo: Repository | None = None
        if github is None:
            from github import Auth, Github

            github = Github(
                base_url=self.api_url, auth=Auth.Token(token) if token else None, retry=None,
                per_page=100, timeout=timeout, user_agent="tars-ci",
                seconds_between_requests=pacing.seconds_between_requests or None,
                seconds_between_writes=pacing.seconds_between_writes or None, lazy=False)
        self.github = github

    # ------------------------------------------------------------------ the repository
    @property
    def repo(self) -> Repository:
        """The repository (fetched once: checks access and gives ``html_url``)."""
        if self._repo is None:
            self._repo = self.read(f"read repository {self.repository}",
                                   lambda: self.github.get_repo(self.repository))
        return self._repo

    @property
    def owner(self) -> str:
        """The repository owner (for ``head=owner:branch``)."""
        return self.repository.split("/", 1)[0]

    @property
    def writes_left(self) -> int:
        """Writes this run may still make."""
        return max(0, self.pacing.max_writes - self.writes)

    # ------------------------------------------------------------------ operations
    def read(self, what: str, fn: Callable[[], T]) -> T:
        """Run a read (GET, or a listing that pages); retried on every transient failure."""
        return self._retry(what, fn, write=False, find=None)

    def update(self, what: str, fn: Callable[[], T]) -> T:
        """Run an idempotent write (absolute values: state, labels, title, body)."""
        return self._retry(what, fn, write=True, find=None)

    def create(self, what: str, fn: Callable[[], T], find: Callable[[], T | None], *,
               exists_ok: bool = False) -> T:
        """Run a creating write (POST) without ever duplicating it.

        After an answer that leaves open whether the write landed (5xx, broken connection),
        ``find()`` looks for it and its result is returned when it did land. With
        ``exists_ok``, a 422 ("already exists": a label, a pull request for the branch) is
        answered by ``find()`` too, and only fails when nothing is found.
        """
        return self._retry(what, fn, write=True, find=find, exists_ok=exists_ok)

    # ------------------------------------------------------------------ the retry loop
    def _retry(self, what: str, fn: Callable[[], T], *, write: bool,
               find: Callable[[], T | None] | None, exists_ok: bool = False) -> T:
        attempt = 0
        while True:
            attempt += 1
            if write:
                if self.writes >= self.pacing.max_writes:
                    raise GitHubError(f"{what}: this run reached its cap of "
                                      f"{self.pacing.max_writes} GitHub writes")
                self.writes += 1
            try:
                return fn()
            except Exception as exc:  # PyGithub and requests errors; classified below
                failure, wait, reason = self._classify(exc, attempt)
                if exists_ok and find is not None and getattr(exc, "status", 0) == 422:
                    found = self.read(f"look up the existing one ({what})", find)
                    if found is not None:
                        return found
                if failure == "permanent" or attempt >= self.policy.attempts:
                    suffix = f" (after {attempt} attempts)" if attempt > 1 else ""
                    raise GitHubError(self.redact(f"{what}: {reason}{suffix}")) from exc
                if wait > self.policy.max_wait:
                    raise GitHubError(self.redact(
                        f"{what}: {reason}; GitHub asks to wait {wait:.0f} s, longer than "
                        f"the {self.policy.max_wait:.0f} s this run may wait")) from exc
                log.warning("%s: %s; retry %d/%d in %.1f s", what, self.redact(reason),
                            attempt, self.policy.attempts - 1, wait)
                self.waits.append(wait)
                self.sleep(wait)
                if write and find is not None and failure == "transient":
                    found = self.read(f"check whether '{what}' landed", find)
                    if found is not None:
                        log.info("%s: the first attempt had landed; not sending it again",
                                 what)
                        return found

    def _classify(self, exc: Exception, attempt: int) -> tuple[Failure, float, str]:
        """(kind of failure, seconds to wait before retrying, reason for people)."""
        from github.GithubException import GithubException, RateLimitExceededException
        from requests.exceptions import RequestException

        backoff = min(self.policy.max_backoff, self.policy.backoff * 2 ** (attempt - 1))
        if isinstance(exc, GithubException):
            headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
            message = _message(exc)
            reason = f"GitHub answered {exc.status}" + (f": {message}" if message else "")
            retry_after = _seconds(headers.get("retry-after"))
            if exc.status == 429 or isinstance(exc, RateLimitExceededException) or (
                    exc.status == 403 and retry_after is not None):
                if retry_after is not None:
                    return "throttled", retry_after, reason
                if headers.get("x-ratelimit-remaining") == "0":
                    reset = _seconds(headers.get("x-ratelimit-reset"))
                    if reset is not None:
                        return "throttled", max(0.0, reset - self.wall()) + 1.0, reason
                if exc.status == 429:
                    return "throttled", backoff, reason
                return "throttled", self.policy.secondary_wait, reason
            if exc.status >= 500:
                return "transient", backoff, reason
            return "permanent", 0.0, reason
        if isinstance(exc, RequestException):
            return "transient", backoff, (f"connection to {self.api_url} failed: "
                                          f"{type(exc).__name__}")
        raise exc


def _message(exc: object) -> str:
    """GitHub's ``message`` and every error it lists, each naming the resource, field and code
    GitHub gave (``Validation Failed: Issue.assignees invalid (value 'nobody')``)."""
    data = getattr(exc, "data", None)
    if not isinstance(data, dict):
        return ""
    text = str(data.get("message", "") or "")
    errors = data.get("errors")
    details = [d for d in (_error(e) for e in errors[:_SHOWN_ERRORS]) if d] \
        if isinstance(errors, list) else []
    if isinstance(errors, list) and len(errors) > _SHOWN_ERRORS:
        details.append(f"and {len(errors) - _SHOWN_ERRORS} more")
    if details:
        text = f"{text}: {'; '.join(details)}" if text else "; ".join(details)
    return text[:500]


_SHOWN_ERRORS = 5


def _error(err: object) -> str:
    """One entry of a 422's ``errors``: a string, or GitHub's resource/field/code/message."""
    if not isinstance(err, dict):
        return str(err)
    where = ".".join(str(err[k]) for k in ("resource", "field") if err.get(k))
    out = " ".join(x for x in (where, str(err.get("code") or "")) if x)
    if err.get("message"):
        out = f"{out}: {err['message']}" if out else str(err["message"])
    if err.get("value") is not None:
        out += f" (value {err['value']!r})"
    return out


def _seconds(value: object) -> float | None:
    """A header holding a number of seconds (or an epoch time), or None."""
    try:
        return float(str(value)) if value is not None else None
    except ValueError:
        return None
