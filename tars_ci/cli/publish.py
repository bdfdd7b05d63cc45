"""``tars-ci publish``: commit the reports history, sync P0/P1 issues, open the retro PR.

Reads the token from ``GITHUB_TOKEN`` (or ``GH_TOKEN``), the repository from ``--repo`` or
``GITHUB_REPOSITORY``, the API URL from ``--api-url``, the spec, or ``GITHUB_API_URL`` (GitHub
Enterprise: ``https://HOST/api/v3``). ``--dry-run`` prints the plan and changes nothing.
Webhook URLs of the spec's ``notify:`` targets come from the variables their ``url_secret``
names, and are masked like the token. Exit 0 when every step succeeded, 5 when a git or GitHub
write or a notification failed, 2 on bad usage.

``TARS_CI_FAST_LOOPBACK=1`` removes request pacing and shortens the lock and push waits, for
tests against a local emulator; it is refused unless the API URL is a loopback address.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tars_ci.cli import EXIT_OK, EXIT_PUBLISH
from tars_ci.cli.releases import add_specs_argument
from tars_ci.errors import UsageError

if TYPE_CHECKING:
    from tars_ci.github.client import GitHubClient
    from tars_ci.github.publish import PublishOptions, PublishResult
    from tars_ci.pipeline import RunResult
    from tars_ci.publishers.interface import Context, Publisher
    from tars_ci.spec.model import Spec

DEFAULT_API = "https://api.github.com"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``publish``."""
    add_specs_argument(parser)
    parser.add_argument("--dry-run", action="store_true",
                        help="print the plan (commit, issues, PR) and change nothing")
    parser.add_argument("--repo", metavar="OWNER/NAME",
                        help="GitHub repository (default: $GITHUB_REPOSITORY)")
    parser.add_argument("--api-url", metavar="URL",
                        help="REST API base URL (default: the spec's github.api_url, else "
                             "$GITHUB_API_URL, else https://api.github.com)")
    parser.add_argument("--reports", metavar="DIR",
                        help="reports directory (default: the spec's reports.dir, relative "
                             "to the working directory)")
    parser.add_argument("--days", metavar="N,N,…",
                        help="days processed by this run, for the commit message "
                             "(default: the days of the changed report files)")
    parser.add_argument("--json", metavar="FILE",
                        help="also write the plan as JSON to FILE ('-' for stdout)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log every GitHub request (tokens are masked)")


def api_url_for(spec: Spec, env: Mapping[str, str], flag: str | None = None) -> str:
    """The API URL: flag, then the spec (when not the default), then $GITHUB_API_URL."""
    if flag:
        return flag
    if spec.github.api_url and spec.github.api_url.rstrip("/") != DEFAULT_API:
        return spec.github.api_url
    return env.get("GITHUB_API_URL") or spec.github.api_url or DEFAULT_API


def fast_loopback(env: Mapping[str, str], api_url: str) -> bool:
    """Whether test pacing is asked for (and allowed: loopback API only)."""
    if env.get("TARS_CI_FAST_LOOPBACK", "") not in ("1", "true", "yes"):
        return False
    if urlsplit(api_url).hostname not in LOOPBACK:
        raise UsageError("TARS_CI_FAST_LOOPBACK is only allowed with a loopback API URL "
                         f"(got {api_url}); GitHub's write pacing stays on")
    return True


def client_from_env(spec: Spec, env: Mapping[str, str], *, repo: str | None = None,
                    api_url: str | None = None) -> GitHubClient | None:
    """The GitHub client the environment allows (None without a token or repository)."""
    from tars_ci.github.client import GitHubClient, Pacing, RetryPolicy

    token = env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or ""
    repository = repo or env.get("GITHUB_REPOSITORY") or ""
    if not token or not repository:
        return None
    url = api_url_for(spec, env, api_url)
    fast = fast_loopback(env, url)
    pacing = Pacing(0.0, 0.0, spec.github.max_writes) if fast else \
        Pacing(max_writes=spec.github.max_writes)
    policy = RetryPolicy(backoff=0.1, secondary_wait=1.0) if fast else RetryPolicy()
    return GitHubClient(token, repository, api_url=url, policy=policy, pacing=pacing)


def options_from_env(env: Mapping[str, str], api_url: str) -> PublishOptions:
    """Publish options (short waits under TARS_CI_FAST_LOOPBACK)."""
    from tars_ci.github.lock import LockSettings
    from tars_ci.github.publish import PublishOptions

    if fast_loopback(env, api_url):
        return PublishOptions(push_backoff=0.1, locking=LockSettings(wait=120.0, poll=0.1))
    return PublishOptions()


def _logging(verbose: bool, secrets: list[str]) -> None:
    """One redacting stderr handler for tars-ci's and PyGithub's loggers.

    Importing PyGithub attaches its own, unfiltered StreamHandler to the ``github`` logger
    (and sets it to INFO); it is replaced here so every line passes the redactor."""
    import github  # noqa: F401  (first, so its handler is installed before we replace it)

    from tars_ci.github.redaction import Redactor

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(Redactor(secrets).log_filter())
    handler.set_name("tars-ci-publish")
    # httpx logs every request's URL at INFO, and a webhook URL is its credential: its
    # logger stays at WARNING, through the redactor, even with --verbose
    for name, level in (("tars_ci.github", logging.DEBUG if verbose else logging.INFO),
                        ("github", logging.DEBUG if verbose else logging.WARNING),
                        ("httpx", logging.WARNING)):
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            logger.removeHandler(old)  # PyGithub's own handler, or ours from an earlier run
        logger.setLevel(level)
        logger.addHandler(handler)
        logger.propagate = False


def _days(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        return sorted({int(x) for x in text.replace(" ", "").split(",") if x})
    except ValueError as exc:
        raise UsageError(f"--days must list day numbers like 1,2,3; got {text!r}") from exc


def publish_release(spec: Spec, env: Mapping[str, str], release_dir: Path, *,
                    days: Sequence[int] | None, dry_run: bool, repo: str | None = None,
                    api_url: str | None = None, json_out: str | None = None,
                    verbose: bool = False) -> PublishResult:
    """Publish ``release_dir`` (``<reports>/<slug>``) and print the plan; returns the result.

    Shared by ``tars-ci publish`` and ``tars-ci run --publish``."""
    from tars_ci.github.git import Git
    from tars_ci.github.publish import publish
    from tars_ci.github.redaction import Redactor
    from tars_ci.publishers.plan import render_json, render_text

    token = env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or ""
    urls = {t.url_secret: env.get(t.url_secret, "") for t in spec.notify}
    secrets = [token, *notify_secrets(urls.values())]
    redact = Redactor(secrets)
    _logging(verbose, secrets)
    start = release_dir if release_dir.is_dir() else Path.cwd()
    repo_root = Path(Git(start).run("rev-parse", "--show-toplevel")).resolve()
    if not release_dir.resolve().is_relative_to(repo_root):
        raise UsageError(f"reports directory {release_dir.parent} is outside the git "
                         f"repository {repo_root}")
    url = api_url_for(spec, env, api_url)
    client = client_from_env(spec, env, repo=repo, api_url=url)
    if client is None and not dry_run:
        raise UsageError("publishing needs GITHUB_TOKEN (or GH_TOKEN) and the repository "
                         "(--repo or GITHUB_REPOSITORY); --dry-run shows the plan without")
    after = [notifier(spec, env, repo_root, release_dir.resolve(), urls, redact)] \
        if spec.notify else []
    result = publish(spec, repo_root, release_dir.resolve(), days, github=client,
                     dry_run=dry_run, options=options_from_env(env, url),
                     repository=repo or env.get("GITHUB_REPOSITORY", ""), after=after,
                     redact=redact if client is None else _both(client.redact, redact))
    sys.stdout.write(redact(render_text(result.plan)))
    if json_out == "-":
        sys.stdout.write(redact(render_json(result.plan)))
    elif json_out:
        Path(json_out).write_text(redact(render_json(result.plan)), encoding="utf-8")
    for error in result.errors:
        print(f"error: {redact(error)}", file=sys.stderr)
    return result


def notify_secrets(urls: Iterable[str]) -> list[str]:
    """The parts of webhook URLs that are secret (the whole URL, its path and query)."""
    from tars_ci.publishers.notify.sender import redactor_for

    return list(redactor_for([u for u in urls if u]).secrets)


def _both(first: Callable[[str], str], second: Callable[[str], str]) -> Callable[[str], str]:
    return lambda text: second(first(text))


def notifier(spec: Spec, env: Mapping[str, str], repo_root: Path, release_dir: Path,
             urls: Mapping[str, str], redact: Callable[[str], str]) -> Publisher[Context]:
    """The notification publisher of the spec's ``notify:`` targets (URLs from the env)."""
    from tars_ci.publishers.notify.publisher import NotifyPublisher
    from tars_ci.reports.documents import release_block
    from tars_ci.reports.store import HistoryStore

    loopback = all(urlsplit(u).hostname in LOOPBACK for u in urls.values() if u)
    fast = env.get("TARS_CI_FAST_LOOPBACK", "") in ("1", "true", "yes") and loopback
    return NotifyPublisher(HistoryStore(release_dir.parent, release_block(spec)), repo_root,
                           spec.notify, urls, redact=redact, backoff=0.05 if fast else 1.0)


def publish_after_run(spec: Spec, args: argparse.Namespace, env: Mapping[str, str],
                      run: RunResult) -> None:
    """``tars-ci run --publish``: publish what the run wrote; PublishError when a step
    failed (the CLI maps it to exit 5)."""
    from tars_ci.errors import PublishError

    result = publish_release(spec, env, run.release_dir, days=run.days_processed or None,
                             dry_run=bool(getattr(args, "dry_run", False)))
    if not result.ok:
        raise PublishError(f"{len(result.errors)} publishing step(s) failed (errors above)")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Publish (or plan) every release ``--spec`` names, in turn."""
    from tars_ci.cli.releases import for_each_release, spec_arguments
    from tars_ci.fleet import spec_paths

    if args.json and spec_paths(spec_arguments(args))[1]:
        raise UsageError("--json writes one release's plan: give one spec file")
    return for_each_release(args, env, publish_one)


def publish_one(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Publish (or plan) one release."""
    from tars_ci.spec import load_spec

    spec = load_spec(args.spec, env)
    reports = Path(args.reports or spec.reports.dir)
    result = publish_release(spec, env, reports / spec.release.release_slug,
                             days=_days(args.days), dry_run=args.dry_run, repo=args.repo,
                             api_url=args.api_url, json_out=args.json, verbose=args.verbose)
    return EXIT_OK if result.ok else EXIT_PUBLISH
