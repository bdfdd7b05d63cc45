"""The fleet summary: every release's newest day, health, decision and result in one table.

Each release's history is read through its :class:`~tars_ci.reports.store.HistoryStore`
(never by parsing files here), so a corrupt or foreign history is an ``error`` row naming
the file and field, and the other releases are still shown. A release is **behind** when a
day has closed and settled but is not recorded: its job failed (a source down, a publishing
error) or did not run. The result of a release is its newest day's, by the same rule as the
exit code of ``tars-ci run`` (:func:`tars_ci.reports.actions.day_failures`).

The Markdown has no timestamp and no commit sha, so the same histories give the same bytes:
the fleet issue is only edited when something changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Literal, NamedTuple
from urllib.parse import quote

from tars_ci.errors import HistoryMismatch, ReportError, SpecError, TarsError
from tars_ci.fleet.members import Fleet, Member
from tars_ci.github.markdown import code
from tars_ci.pipeline.program import judge_program
from tars_ci.pipeline.run import store_for
from tars_ci.reports.actions import day_failures
from tars_ci.reports.markdown import escape
from tars_ci.timeline import closed_windows

Result = Literal["error", "failing", "passing", "waiting"]
_DECISION = {"immediate_rollback": "immediate rollback", "rollback": "rollback",
             "monitor": "monitor", "insufficient_data": "insufficient data",
             "recovered": "recovered"}


class ReleaseRow(NamedTuple):
    """One release of the fleet, as its history has it."""

    name: str
    slug: str
    spec: str  # the spec file, as named
    days: int | None  # the program's length (None: the spec did not load)
    latest_day: int | None  # newest recorded day, 0 for the baseline only
    behind: tuple[int, ...]  # closed and settled days that are not recorded
    health_score: float | None
    health_band: str | None
    decision: str | None  # the newest day's rollback decision
    verdict: str | None  # the program verdict, once the last day is recorded
    headline: str
    p0: int
    p1: int
    result: Result
    reasons: tuple[str, ...]  # why it fails, or the error
    reports: str | None  # the history folder, repository-relative (None: outside the repo)
    retro: str | None  # the retrospective, repository-relative, on ``retro_branch``
    base_branch: str
    retro_branch: str
    error: TarsError | None = None  # why the row is an error (the CLI maps it to an exit code)

    @property
    def rank(self) -> tuple[int, str, str]:
        """Sort key: errors, failing, behind, passing, waiting; then by name."""
        order = (0 if self.result == "error" else 1 if self.result == "failing" else
                 2 if self.behind else 3 if self.result == "passing" else 4)
        return (order, self.name.casefold(), self.slug)


class Links(NamedTuple):
    """Where the rows' links point: the repository's web address."""

    repo_url: str  # e.g. https://github.com/acme/shop

    def tree(self, branch: str, path: str) -> str:
        """A folder on a branch."""
        return f"{self.repo_url}/tree/{quote(branch, safe='')}/{quote(path)}"

    def blob(self, branch: str, path: str) -> str:
        """A file on a branch."""
        return f"{self.repo_url}/blob/{quote(branch, safe='')}/{quote(path)}"


def _relative(path: Path, repo_root: Path | None) -> str | None:
    if repo_root is None:
        return None
    try:
        return path.resolve().relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        return None


def _error_row(member: Member, error: TarsError, days: int | None = None,
               reports: str | None = None) -> ReleaseRow:
    text = (str(error.problems[0]) if isinstance(error, SpecError) and error.problems
            else str(error))
    spec = member.spec
    return ReleaseRow(
        name=member.name, slug=member.slug, spec=str(member.path), days=days, latest_day=None,
        behind=(), health_score=None, health_band=None, decision=None, verdict=None,
        headline="", p0=0, p1=0, result="error", reasons=(text,), reports=reports,
        retro=None, base_branch=spec.github.base_branch if spec else "",
        retro_branch=spec.retro_branch if spec else "", error=error)


def release_row(member: Member, reports_dir: Path | None, now: datetime,
                repo_root: Path | None) -> ReleaseRow:
    """The row of one member (an ``error`` row when its spec or history cannot be read).
    ``reports_dir`` overrides the spec's ``reports.dir``."""
    spec = member.spec
    if spec is None or member.problem is not None:
        return _error_row(member, member.problem or ReportError("the spec did not load"))
    release = spec.release
    store = store_for(spec, reports_dir or Path(spec.reports.dir))
    folder = _relative(store.root, repo_root)
    try:
        history = store.load()
    except (ReportError, HistoryMismatch) as exc:
        return _error_row(member, exc, release.days, folder)
    recorded = set(history.recorded)
    closed = closed_windows(release.ga_time, release.days, now, spec.schedule.settle)
    behind = tuple(w.day for w in closed if w.day not in recorded)
    latest = history.latest()
    summary = latest.summary if latest is not None else None
    reasons = day_failures(spec, summary) if summary is not None else ()
    verdict, headline, retro = None, "", None
    if release.days in history.days:
        judged = judge_program(spec, history).verdict
        if judged is not None:
            verdict, headline = judged.verdict, judged.headline
        retro = _relative(store.paths.retro_md, repo_root)
    findings = summary.findings if summary is not None else ()
    return ReleaseRow(
        name=release.name, slug=release.release_slug, spec=str(member.path),
        days=release.days, latest_day=max(recorded) if recorded else None, behind=behind,
        health_score=summary.health_score if summary else None,
        health_band=summary.health_band if summary else None,
        decision=summary.rollback_recommendation.decision if summary else None,
        verdict=verdict, headline=headline,
        p0=sum(1 for f in findings if f.priority == "P0"),
        p1=sum(1 for f in findings if f.priority == "P1"),
        result=("failing" if reasons else "passing") if summary is not None else "waiting",
        reasons=tuple(reasons), reports=folder, retro=retro,
        base_branch=spec.github.base_branch, retro_branch=spec.retro_branch)


def fleet_rows(fleet: Fleet, reports_dir: Path | None, now: datetime,
               repo_root: Path | None) -> tuple[ReleaseRow, ...]:
    """Every member's row, most urgent first (errors, failing, behind, passing, waiting)."""
    return tuple(sorted((release_row(m, reports_dir, now, repo_root) for m in fleet.members),
                        key=lambda r: r.rank))


# --------------------------------------------------------------------------- rendering


def counts(rows: Sequence[ReleaseRow]) -> str:
    """``50 releases: 2 failing, 1 error, 1 behind, 46 passing``."""
    parts = []
    for label, n in (("error", sum(r.result == "error" for r in rows)),
                     ("failing", sum(r.result == "failing" for r in rows)),
                     ("behind", sum(bool(r.behind) for r in rows)),
                     ("passing", sum(r.result == "passing" for r in rows)),
                     ("waiting for day 1", sum(r.result == "waiting" for r in rows))):
        if n:
            parts.append(f"{n} {label}" + ("s" if label == "error" and n > 1 else ""))
    noun = "release" if len(rows) == 1 else "releases"
    return f"{len(rows)} {noun}: " + (", ".join(parts) or "none")


def _day(row: ReleaseRow) -> str:
    if row.latest_day is None:
        return "—"
    return "baseline" if row.latest_day == 0 else f"{row.latest_day}/{row.days}"


def _health(row: ReleaseRow) -> str:
    if row.health_score is None:
        return "—" if row.health_band is None else f"n/a ({row.health_band})"
    return f"{row.health_score:.1f} ({row.health_band})" if row.health_band else \
        f"{row.health_score:.1f}"


def _words(value: str | None) -> str:
    return "—" if value is None else _DECISION.get(value, value)


def _result(row: ReleaseRow) -> str:
    text = {"error": "**error**", "failing": "**failing**", "passing": "passing",
            "waiting": "waiting"}[row.result]
    if row.behind:
        text += f" · behind (day{'s' if len(row.behind) > 1 else ''} " \
                f"{', '.join(map(str, row.behind))})"
    return text


def _links(row: ReleaseRow, links: Links | None) -> str:
    if row.reports is None:
        return "—"
    if links is None:
        return code(row.reports)
    out = [f"[history]({links.tree(row.base_branch, row.reports)})"]
    if row.retro is not None:
        out.append(f"[retrospective]({links.blob(row.retro_branch, row.retro)})")
    return " · ".join(out)


def table_row(row: ReleaseRow, links: Links | None) -> str:
    """One Markdown table row."""
    cells = [f"{escape(row.name)} ({code(row.slug)})", _day(row), _health(row),
             _words(row.decision), _words(row.verdict), str(row.p0), str(row.p1),
             _result(row), _links(row, links)]
    return "| " + " | ".join(cells) + " |"


def problems(rows: Sequence[ReleaseRow]) -> list[str]:
    """One bullet per release that needs a look: its error, why it fails, what is behind."""
    out = []
    for row in rows:
        who = f"**{escape(row.name)}** ({code(row.spec)})"
        if row.result == "error":
            out.append(f"- {who}: {escape(row.reasons[0], 1000)}")
            continue
        if row.result == "failing":
            more = f" (and {len(row.reasons) - 1} more)" if len(row.reasons) > 1 else ""
            out.append(f"- {who} is failing: {escape(row.reasons[0])}{more}")
        if row.behind:
            days = ", ".join(map(str, row.behind))
            out.append(f"- {who} is behind: day{'s' if len(row.behind) > 1 else ''} {days} "
                       f"closed and settled but not recorded (its job failed or did not run)")
        if row.verdict not in (None, "monitor") and row.headline:
            out.append(f"- {who}: program complete, {escape(row.headline)}")
    return out


HEADER = ("| Release | Day | Health | Decision | Verdict | P0 | P1 | Result | Reports |\n"
          "|---|---:|---:|---|---|---:|---:|---|---|")


def render_markdown(title: str, rows: Sequence[ReleaseRow], links: Links | None, *,
                    limit: int | None = None) -> str:
    """The summary as Markdown; with ``limit``, rows that do not fit are counted, not shown."""
    head = [f"## {escape(title)}", "", counts(rows) + ".", "",
            "The newest recorded day of each release: its health, rollback decision, the "
            "program verdict once the last day is recorded, its P0/P1 findings and its "
            "result (failing: a finding at the spec's fail level or a rollback "
            "recommendation, as the release's job exits 1).", "", HEADER]
    body = [table_row(r, links) for r in rows]
    notes = problems(rows)
    tail = ["", "### Needs a look", "", *notes] if notes else []
    text = "\n".join(head + body + tail) + "\n"
    if limit is None or len(text) <= limit:
        return text
    kept: list[str] = []
    budget = limit - len("\n".join(head)) - 200
    for line in body:
        if budget - len(line) - 1 < 0:
            break
        kept.append(line)
        budget -= len(line) + 1
    left = len(body) - len(kept)
    return "\n".join(head + kept + ["", f"… and {left} more release(s): the job summary of "
                                        f"the fleet workflow lists every one."]) + "\n"


def render_text(rows: Sequence[ReleaseRow]) -> str:
    """The summary for a terminal."""
    width = max([len("release"), *(len(r.name) for r in rows)])
    lines = [f"{'release':<{width}}  {'day':>8}  {'health':>6}  {'decision':<18}  "
             f"{'verdict':<18}  P0 P1  result"]
    for r in rows:
        score = "—" if r.health_score is None else f"{r.health_score:.1f}"
        result = r.result + (f", behind ({', '.join(map(str, r.behind))})" if r.behind else "")
        if r.result == "error":
            result += f": {r.reasons[0]}"
        lines.append(f"{r.name:<{width}}  {_day(r):>8}  {score:>6}  {_words(r.decision):<18}  "
                     f"{_words(r.verdict):<18}  {r.p0:>2} {r.p1:>2}  {result}")
    return "\n".join(lines) + "\n" + counts(rows) + "\n"
