"""``tars-ci fleet``: the fleet summary — every release's newest day, health, decision, P0/P1
findings and result — printed, written to the job summary, and kept in one issue.

    tars-ci fleet --spec config/releases                      # the table
    tars-ci fleet --spec config/releases --publish            # … and the fleet issue
    tars-ci fleet --spec config/releases --publish --dry-run  # … as a plan

Each release's history is read through its history store; no metrics source is asked and
none of the secrets the specs read is needed (an unset ``${VAR}`` is filled with a
placeholder, as for ``tars-ci workflow``). Exit codes: 0 the summary was written (whatever the
releases' results: each release's own job exits 1 for its findings); otherwise the largest of
2 (a spec cannot be used: invalid, or a slug another spec uses), 4 (a history cannot be read)
and 5 (the fleet issue could not be written). The summary lists every release in each case.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from tars_ci.cli import EXIT_OK, EXIT_PUBLISH, error_exit
from tars_ci.cli.releases import add_specs_argument, spec_arguments

if TYPE_CHECKING:
    from tars_ci.fleet import Fleet
    from tars_ci.fleet.summary import ReleaseRow
    from tars_ci.github.plan import Step


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``fleet``."""
    add_specs_argument(parser)
    parser.add_argument("--reports", metavar="DIR",
                        help="reports directory of every release (default: each spec's "
                             "reports.dir)")
    parser.add_argument("--now", metavar="TIME",
                        help="as of this UTC time (which days are due: a release is behind "
                             "when one is not recorded); default: the current time")
    parser.add_argument("--publish", action="store_true",
                        help="open or update the fleet issue (GITHUB_TOKEN, GITHUB_REPOSITORY)")
    parser.add_argument("--dry-run", action="store_true",
                        help="with --publish: print what would change, write nothing")
    parser.add_argument("--repo", metavar="OWNER/NAME",
                        help="GitHub repository (default: $GITHUB_REPOSITORY)")
    parser.add_argument("--api-url", metavar="URL",
                        help="REST API base URL (default: the first spec's github.api_url, "
                             "else $GITHUB_API_URL)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log every GitHub request (tokens are masked)")


def repository_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``.git`` (None: not in a checkout)."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return None


def fleet_name(fleet: Fleet, root: Path | None) -> str:
    """The fleet's name: its specs' folder, relative to the repository root."""
    base = root or Path.cwd().resolve()
    try:
        return fleet.folder.relative_to(base).as_posix()
    except ValueError:
        return fleet.folder.as_posix()


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Build the summary of every release; print it, and write the job summary and issue."""
    from tars_ci.cli.common import parse_now
    from tars_ci.cli.workflow import load_for_workflow
    from tars_ci.fleet import load_fleet
    from tars_ci.fleet.summary import Links, fleet_rows, render_markdown, render_text

    fleet = load_fleet(spec_arguments(args), lambda path: load_for_workflow(path, env)[0])
    root = repository_root(Path.cwd())
    name = fleet_name(fleet, root)
    rows = fleet_rows(fleet, Path(args.reports) if args.reports else None,
                      parse_now(args.now), root)
    print(render_text(rows), end="")
    title = f"tars-ci fleet · {name}"
    codes = [code for code, _ in (error_exit(r.error) or (2, []) for r in rows if r.error)]
    if env.get("GITHUB_ACTIONS") == "true":
        server, repo = env.get("GITHUB_SERVER_URL", ""), env.get("GITHUB_REPOSITORY", "")
        links = Links(f"{server.rstrip('/')}/{repo}") if server and repo else None
        _to_actions(env, render_markdown(title, rows, links), rows)
    if args.publish:
        steps = _publish(args, env, fleet, name, title, rows)
        for step in steps:
            extra = f" [{step.detail}]" if step.detail else ""
            url = f" {step.url}" if step.url else ""
            print(f"fleet issue: {step.status} {step.action} {step.target}: {step.summary}"
                  f"{extra}{url}")
        if any(s.status == "failed" for s in steps):
            codes.append(EXIT_PUBLISH)
    return max(codes, default=EXIT_OK)


def _to_actions(env: Mapping[str, str], markdown: str, rows: tuple[ReleaseRow, ...]) -> None:
    """Append the summary to the job summary, and counts to the step outputs."""
    from tars_ci.reports import actions

    summary, output = env.get("GITHUB_STEP_SUMMARY"), env.get("GITHUB_OUTPUT")
    outputs = {"releases": str(len(rows)),
               "failing": str(sum(r.result == "failing" for r in rows)),
               "errors": str(sum(r.result == "error" for r in rows)),
               "behind": str(sum(bool(r.behind) for r in rows))}
    actions.append_to_files(actions.ActionsReport(markdown, (), outputs),
                            summary_file=Path(summary) if summary else None,
                            output_file=Path(output) if output else None)


def _publish(args: argparse.Namespace, env: Mapping[str, str], fleet: Fleet, name: str,
             title: str, rows: tuple[ReleaseRow, ...]) -> list[Step]:
    """Open or update the fleet issue; its steps."""
    from tars_ci.cli.publish import _logging, api_url_for, client_from_env
    from tars_ci.errors import PublishError, UsageError
    from tars_ci.fleet.summary import Links, render_markdown
    from tars_ci.github.fleet_issue import SUMMARY_LIMIT, issue_body, sync_fleet_issue
    from tars_ci.github.plan import Step

    spec = next((m.spec for m in fleet.usable if m.spec is not None), None)
    if spec is None:
        return [Step("issues", "sync", f"fleet {name}", "no spec of the fleet is usable",
                     "failed", detail="fix the specs above first")]
    token = env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or ""
    _logging(args.verbose, [token])
    client = client_from_env(spec, env, repo=args.repo,
                             api_url=api_url_for(spec, env, args.api_url))
    if client is None and not args.dry_run:
        raise UsageError("publishing needs GITHUB_TOKEN (or GH_TOKEN) and the repository "
                         "(--repo or GITHUB_REPOSITORY); --dry-run shows the plan without")
    try:
        html = client.repo.html_url if client is not None else "https://github.com/OWNER/REPO"
    except PublishError as exc:
        return [Step("issues", "sync", f"fleet {name}", "cannot read the repository",
                     "failed", detail=str(exc))]
    body = issue_body(name, render_markdown(title, rows, Links(html), limit=SUMMARY_LIMIT))
    steps = sync_fleet_issue(client, name, body, dry_run=args.dry_run)
    if client is not None:
        steps = [s._replace(detail=client.redact(s.detail)) for s in steps]
    for step in steps:
        if step.status == "failed":
            print(f"error: fleet issue: {step.detail}", file=sys.stderr)
    return steps
