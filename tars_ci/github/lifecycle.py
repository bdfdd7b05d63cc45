"""The P0/P1 issue lifecycle as a pure function: reports + what the issue says → operations.

An *episode* is a run of days on which a finding was at an issue priority, allowing gaps
shorter than ``close_after_days``; it ends once the finding has been clear (absent, or below
the issue priorities) for ``close_after_days`` consecutive recorded days. One issue per
(release, finding) follows the latest episode:

- no issue yet → create it (and, if the episode already ended, comment and close it at once,
  so a catch-up run still leaves exactly one issue per finding);
- open → a comment for days not reported yet; relabel when the priority changed; comment and
  close when the episode ended (unless a person reopened it after tars-ci closed it);
- closed by tars-ci → nothing until a new episode starts, which reopens it with a comment;
- closed by a person → not reopened for the same episode; a later episode reopens it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Literal, NamedTuple

from tars_ci.github.markers import Event
from tars_ci.github.view import ReleaseReports, ReportedFinding

OpKind = Literal["create", "comment_seen", "relabel", "comment_cleared", "close",
                 "comment_reopened", "reopen", "comment_recurred", "restore_labels"]


class Episode(NamedTuple):
    """One episode of a finding."""

    start: int
    sightings: tuple[ReportedFinding, ...]  # by day
    clear_days: tuple[int, ...]  # recorded days since the last sighting
    active: bool

    @property
    def last(self) -> ReportedFinding:
        """The latest sighting."""
        return self.sightings[-1]

    @property
    def days(self) -> tuple[int, ...]:
        """Days the finding was seen in this episode."""
        return tuple(s.day for s in self.sightings)


class IssueView(NamedTuple):
    """What an existing issue says about itself (state, labels, recorded events)."""

    number: int
    open: bool
    state_reason: str | None
    priority_labels: tuple[str, ...]
    events: tuple[Event, ...]
    labels: tuple[str, ...] = ()  # every label it carries now

    @property
    def episode(self) -> int:
        """Episode the issue was last opened or reopened for (-1 when unknown)."""
        starts = [e.episode for e in self.events if e.kind in ("opened", "reopened")]
        return starts[-1] if starts else -1

    @property
    def reported_through(self) -> int:
        """Latest day already reported on the issue (-1 when none)."""
        days = [e.day for e in self.events if e.kind != "closed"]
        return max(days) if days else -1

    @property
    def last_event(self) -> Event | None:
        """The latest event."""
        return self.events[-1] if self.events else None


class Op(NamedTuple):
    """One operation on a finding's issue."""

    kind: OpKind
    days: tuple[int, ...] = ()  # days reported (create, comment_seen, reopen, recurred)


class Decision(NamedTuple):
    """What to do about one finding."""

    finding_id: str
    episode: Episode
    ops: tuple[Op, ...]
    reason: str  # why nothing is done, for the plan ('' when ops)

    @property
    def priority(self) -> str:
        """Priority at the latest sighting."""
        return self.episode.last.priority


def tracked_findings(reports: ReleaseReports, priorities: Collection[str]) -> list[str]:
    """Ids of findings that reached an issue priority on any day, in first-seen order."""
    out: list[str] = []
    for day in reports.days:
        for f in day.findings:
            if f.priority in priorities and f.id not in out:
                out.append(f.id)
    return out


def episodes(finding_id: str, reports: ReleaseReports, priorities: Collection[str],
             close_after: int) -> tuple[Episode, ...]:
    """Episodes of a finding over the recorded days, oldest first."""
    out: list[Episode] = []
    current: list[ReportedFinding] = []
    start = -1
    clear: list[int] = []
    for day in reports.days:
        seen = next((f for f in day.findings
                     if f.id == finding_id and f.priority in priorities), None)
        if seen is None:
            if current:
                clear.append(day.day)
            continue
        if current and len(clear) >= close_after:
            out.append(Episode(start, tuple(current), tuple(clear), False))
            current = []
        if not current:
            start = day.day
        current.append(seen)
        clear = []
    if current:
        out.append(Episode(start, tuple(current), tuple(clear), len(clear) < close_after))
    return tuple(out)


def decide(finding_id: str, eps: Sequence[Episode], issue: IssueView | None,
           priority_label: str) -> Decision | None:
    """Operations for one finding (None when it never reached an issue priority)."""
    if not eps:
        return None
    cur = eps[-1]

    def done(ops: list[Op], reason: str = "") -> Decision:
        return Decision(finding_id, cur, tuple(ops), "" if ops else reason)

    if issue is None:
        ops = [Op("create", cur.days)]
        if not cur.active:
            ops += [Op("comment_cleared"), Op("close")]
        return done(ops)
    last = issue.last_event
    closed_now = last is not None and last.kind == "closed" and last.episode == cur.start
    if issue.open:
        ops = []
        new_days = tuple(d for d in cur.days if d > issue.reported_through)
        if new_days:
            ops.append(Op("comment_seen", new_days))
        if cur.active and issue.priority_labels != (priority_label,):
            ops.append(Op("relabel"))
        if not cur.active:
            if closed_now and issue.state_reason == "reopened":
                return done(ops, "reopened by a person after tars-ci closed it; left open")
            if not closed_now:
                ops.append(Op("comment_cleared"))
            ops.append(Op("close"))
        return done(ops, "up to date")
    if cur.start > issue.episode:
        if cur.active:
            return done([Op("comment_reopened", cur.days), Op("reopen")])
        if closed_now:
            return done([], "closed: the finding cleared")
        return done([Op("comment_recurred", cur.days)])
    if last is not None and last.kind == "closed" and last.episode == issue.episode:
        return done([], "closed: the finding cleared")
    return done([], "closed by a person during this episode; not reopened")
