"""The HTTP side of the Prometheus source: one GET against the API, with retries.

This is the one place where httpx errors become tars-ci errors. What an answer means:

====================================  ==================================================
connect error, timeout, 5xx, 429      retried (``retries`` times, exponential backoff;
                                      ``Retry-After`` honoured on 429/503), then
                                      :class:`SourceUnavailable`
2xx/4xx with ``status: error`` JSON   :class:`Answer` carrying Prometheus' message — the
                                      query failed (bad PromQL, execution error)
3xx, 401, 403, 404, 405, 407         :class:`SourceUnavailable` (credentials or URL)
2xx that is not API JSON (an HTML     :class:`SourceUnavailable` (a login page or proxy is
page, malformed JSON)                 answering instead of Prometheus)
other 4xx without API JSON            :class:`Answer` with the status and body excerpt
2xx with ``warnings`` (other than     :class:`Answer` whose ``partial`` says why: the
PromQL's own annotations) or          server may have left data out (a Thanos store, a
VictoriaMetrics ``isPartial: true``   VictoriaMetrics storage node, a remote-read
                                      endpoint that did not answer)
====================================  ==================================================

Nothing secret reaches a log line or an exception: messages name the URL without its
userinfo and never include request headers (the auth token, the password, every extra
header's value and the Mimir tenant are masked wherever a server echoes them).
"""

from __future__ import annotations

import logging
import re
import ssl
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

import httpx

from tars_ci import __version__
from tars_ci.errors import SourceUnavailable
from tars_ci.spec.source import TENANT_HEADER, SourceSpec

log = logging.getLogger("tars_ci.sources.prometheus")

BACKOFF_BASE = 0.5  # seconds before the first retry; doubles each time
BACKOFF_MAX = 10.0
RETRY_AFTER_MAX = 60.0  # a server asking for a longer pause makes the run give up
_CONFIG_STATUS = {401, 403, 404, 405, 407}
# PromQL's annotations ("PromQL warning: metric might not be a counter …", "PromQL info: …")
# are about the query, not missing data; any other warning may mean an answer with gaps.
_ANNOTATIONS = ("PromQL warning:", "PromQL info:")

Clock = Callable[[], datetime]
Sleep = Callable[[float], None]


def utc_now() -> datetime:
    """The real wall clock (UTC); injectable for tests."""
    return datetime.now(timezone.utc)


class Answer(NamedTuple):
    """A Prometheus API answer: ``data`` of a success, or ``error`` (the server's words)."""

    data: Any
    error: str | None
    warnings: tuple[str, ...] = ()
    partial: str = ""  # why the server may have left data out ("" when it says nothing)


def redact(url: str) -> str:
    """``url`` without user, password, query or fragment (safe to log)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


class ApiClient:
    """GETs against one Prometheus-compatible HTTP API."""

    def __init__(self, settings: SourceSpec, *, transport: httpx.BaseTransport | None = None,
                 sleep: Sleep = time.sleep, clock: Clock = utc_now) -> None:
        self.url = redact(settings.url)
        self.retries = settings.retries
        self.timeout = settings.timeout.total_seconds()
        self._sleep = sleep
        self.clock = clock
        headers = {"User-Agent": f"tars-ci/{__version__}", "Accept": "application/json"}
        headers.update({h.name: str(h.value) for h in settings.headers})
        if settings.tenant:
            headers[TENANT_HEADER] = str(settings.tenant)
        # a proxy's error page may echo request headers back: never repeat them
        self._secrets = sorted({str(v) for v in (settings.auth.token, settings.auth.password,
                                                 settings.tenant,
                                                 *(h.value for h in settings.headers))
                                if len(str(v)) >= 4}, key=len, reverse=True)
        auth: httpx.Auth | None = None
        if settings.auth.type == "bearer":
            headers["Authorization"] = f"Bearer {settings.auth.token}"
        elif settings.auth.type == "basic":
            auth = httpx.BasicAuth(settings.auth.username, str(settings.auth.password))
        self._client = httpx.Client(
            base_url=settings.url.rstrip("/"), headers=headers, auth=auth,
            timeout=httpx.Timeout(self.timeout), verify=_verify(settings, self.url),
            transport=transport, follow_redirects=False,
            limits=httpx.Limits(max_connections=settings.concurrency,
                                max_keepalive_connections=settings.concurrency))

    def get(self, path: str, params: Mapping[str, str]) -> Answer:
        """GET ``path``; an :class:`Answer`, or SourceUnavailable once retries are spent.

        Whatever the server said is passed on with the configured secrets masked."""
        try:
            answer = self._get(path, params)
        except SourceUnavailable as exc:
            raise SourceUnavailable(self.url, self.mask(exc.reason)) from exc.__cause__
        if answer.error is not None:
            return answer._replace(error=self.mask(answer.error))
        if answer.partial:
            return answer._replace(partial=self.mask(answer.partial))
        return answer

    def mask(self, text: str) -> str:
        """``text`` with every configured secret replaced by ``***``."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _get(self, path: str, params: Mapping[str, str]) -> Answer:
        for attempt in range(self.retries + 1):
            failure: Exception | None = None
            try:
                response = self._client.get(path, params=dict(params))
            except httpx.TimeoutException as exc:
                problem, wait, failure = f"no answer within {self.timeout:g}s", 0.0, exc
            except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                if "CERTIFICATE_VERIFY_FAILED" in str(exc):  # retrying cannot help
                    raise SourceUnavailable(self.url, f"TLS certificate not trusted "
                                                      f"({_reason(exc)}); set source.ca_file "
                                                      "to the CA that signed it") from exc
                problem, wait, failure = f"cannot connect ({_reason(exc)})", 0.0, exc
            except httpx.HTTPError as exc:
                raise SourceUnavailable(self.url, _reason(exc)) from exc
            else:
                if response.status_code != 429 and response.status_code < 500:
                    return self._interpret(response)
                problem = f"HTTP {response.status_code}: {_message(response)}"
                wait = self._retry_after(response)
                if wait > RETRY_AFTER_MAX:
                    raise SourceUnavailable(self.url, f"{problem}; the server asks to retry "
                                                      f"after {wait:g}s")
            if attempt == self.retries:
                tries = attempt + 1
                reason = f"{problem} (gave up after {tries} attempt{'s' if tries > 1 else ''})"
                if failure is not None:
                    raise SourceUnavailable(self.url, reason) from failure
                raise SourceUnavailable(self.url, reason)
            delay = max(wait, min(BACKOFF_BASE * 2 ** attempt, BACKOFF_MAX))
            log.warning("%s: %s; retry %d/%d in %.1fs", self.url, self.mask(problem), attempt + 1,
                        self.retries, delay)
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def _interpret(self, response: httpx.Response) -> Answer:
        status = response.status_code
        if 300 <= status < 400:
            target = redact(response.headers.get("Location", "")) or "nowhere"
            raise SourceUnavailable(self.url, f"HTTP {status} redirects to {target}: is "
                                              "source.url the Prometheus base URL, or is a "
                                              "login page in the way?")
        if status in _CONFIG_STATUS:
            hint = " (check source.auth)" if status in (401, 403, 407) else \
                " (check source.url: it should be the Prometheus base URL)"
            raise SourceUnavailable(self.url, f"HTTP {status} {response.reason_phrase}: "
                                              f"{_message(response)}{hint}")
        try:
            body = response.json()
        except ValueError as exc:
            if status < 300:
                raise SourceUnavailable(self.url, _not_api(response)) from exc
            return Answer(None, f"HTTP {status}: {_message(response)}")
        if not isinstance(body, dict) or body.get("status") not in ("success", "error"):
            if status < 300:
                raise SourceUnavailable(self.url, "the answer is JSON but not a Prometheus API "
                                                  "response (no \"status\" field)")
            return Answer(None, f"HTTP {status}: {_message(response)}")
        raw = body.get("warnings")
        warnings = tuple(str(w) for w in raw) if isinstance(raw, list) else ()
        for w in warnings:
            log.warning("%s: server warning: %s", self.url, self.mask(w))
        if body["status"] == "error" or status >= 300:
            kind = body.get("errorType") or f"HTTP {status}"
            return Answer(None, f"{kind}: {body.get('error') or _message(response)}", warnings)
        gaps = [w for w in warnings if not w.startswith(_ANNOTATIONS)]
        if body.get("isPartial") is True:
            gaps.append("the server marked the answer partial (isPartial)")
        return Answer(body.get("data"), None, warnings, "; ".join(gaps)[:300])

    def _retry_after(self, response: httpx.Response) -> float:
        """Seconds the server asks us to wait (0 when it does not say)."""
        value = response.headers.get("Retry-After", "").strip()
        if not value:
            return 0.0
        if re.fullmatch(r"\d+(\.\d+)?", value):
            return float(value)
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return 0.0
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return max(0.0, (when - self.clock()).total_seconds())


def _verify(settings: SourceSpec, url: str) -> ssl.SSLContext | bool:
    if not settings.tls_verify:
        return False
    if settings.ca_file:
        try:
            return ssl.create_default_context(cafile=settings.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise SourceUnavailable(url, f"cannot load ca_file {settings.ca_file}: "
                                         f"{_reason(exc)}") from exc
    return True


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def _message(response: httpx.Response) -> str:
    """Prometheus' error text, an HTML page's title, or the start of the body."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("error"):
        return str(body["error"])[:500]
    text = response.text
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    if title:
        return " ".join(title.group(1).split())[:200]
    return " ".join(text.split())[:200] or response.reason_phrase


def _not_api(response: httpx.Response) -> str:
    kind = response.headers.get("Content-Type", "no content type").split(";")[0]
    if "html" in kind or response.text.lstrip().startswith("<"):
        return (f"HTTP {response.status_code} answered with an HTML page "
                f"({_message(response)!r}), not the Prometheus API: is source.url the "
                "Prometheus base URL, or is a login page or proxy in the way?")
    return (f"HTTP {response.status_code} answered with malformed JSON ({kind}): "
            f"{' '.join(response.text.split())[:120]!r}")
