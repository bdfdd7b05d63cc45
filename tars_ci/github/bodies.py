"""The text of issues, comments and the retrospective pull request.

Deterministic (no timestamps), so a re-run produces the same text and changes nothing. Every
string from metrics, labels or the spec is escaped (:mod:`tars_ci.github.markdown`); the
hidden markers (:mod:`tars_ci.github.markers`) come first so truncation never cuts them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple
from urllib.parse import quote

from tars_ci.github import markers
from tars_ci.github.lifecycle import Episode
from tars_ci.github.markdown import block, code, fit, inline, title
from tars_ci.github.view import PRIORITY_ORDER, ActionItem, ReportedFinding, Retro
from tars_ci.reports.markdown import number, signed_percent


class Links(NamedTuple):
    """Where evidence lives: ``<html_url>/blob/<ref>/<path>``."""

    html_url: str  # https://github.com/owner/repo
    ref: str  # a commit sha (issues) or a branch (the PR)

    def blob(self, path: str) -> str:
        """URL of a file at this ref."""
        return f"{self.html_url}/blob/{quote(self.ref, safe='/')}/{quote(path, safe='/')}"


def _list(days: Sequence[int]) -> str:
    return ", ".join(str(d) for d in days)


def _prio(priorities: Sequence[str]) -> str:
    return "/".join(inline(p) for p in priorities)


def evidence_table(sightings: Sequence[ReportedFinding], day_path: Callable[[int], str],
                   links: Links) -> str:
    """One row per day: value, baseline, drift, priority, severity, link to the day's JSON."""
    rows = ["| Day | Value | Baseline | Drift | Priority | Severity | Report |",
            "|---:|---:|---:|---:|:---:|:---:|---|"]
    for s in sightings:
        path = day_path(s.day)
        report = f"[{inline(path.rsplit('/', 1)[-1])}]({links.blob(path)})" if path else "—"
        rows.append(f"| {s.day} | {number(s.value, s.unit)} | {number(s.baseline, s.unit)} | "
                    f"{signed_percent(s.drift_percent)} | {inline(s.priority)} | "
                    f"{inline(s.severity or 'n/a')} | {report} |")
    return "\n".join(rows)


def issue_title(release_name: str, finding: ReportedFinding) -> str:
    """Issue title (set once; people may edit it)."""
    return title(f"[tars-ci] {release_name}: {finding.title}")


def issue_body(release_slug: str, release_name: str, episode: Episode,
               day_path: Callable[[int], str], links: Links, priorities: Sequence[str],
               close_after: int) -> str:
    """Body of a new issue: markers, summary, evidence of the episode so far, how it is run."""
    f = episode.last
    body = "\n".join([
        markers.finding_marker(release_slug, f.id),
        markers.event_marker("opened", episode.start, f.day),
        (f"**tars-ci** found **{inline(f.title)}** in **{inline(release_name)}**: "
         f"{inline(f.priority)}, severity {inline(f.severity or 'n/a')}, seen on day(s) "
         f"{_list(episode.days)}."),
        "",
        evidence_table(episode.sightings, day_path, links),
        "",
        *([inline(f.detail, limit=2000), ""] if f.detail else []),
        (f"Finding {code(f.id)} · KPI {code(f.kpi or 'n/a')} · kind "
         f"{inline(f.kind or 'n/a')}"),
        "",
        (f"<sub>Managed by tars-ci: a comment when the finding is seen again, the priority "
         f"label follows it, and the issue is closed once it has been below "
         f"{_prio(priorities)} for {close_after} consecutive days. Closing it by hand keeps "
         f"it closed for this episode.</sub>"),
    ])
    return fit(body, "_Truncated: the full evidence is in the linked JSON._")


def seen_comment(episode: Episode, days: Sequence[int], day_path: Callable[[int], str],
                 links: Links, previous_priority: str | None) -> str:
    """Comment for days seen since the last report."""
    sightings = [s for s in episode.sightings if s.day in days]
    change = ""
    if previous_priority and previous_priority != episode.last.priority:
        change = (f" Priority changed: {inline(previous_priority)} → "
                  f"{inline(episode.last.priority)}.")
    text = "\n".join([
        markers.event_marker("seen", episode.start, max(days)),
        f"Seen again on day(s) {_list(days)}.{change}",
        "",
        evidence_table(sightings, day_path, links),
    ])
    return fit(text, "_Truncated._")


def cleared_comment(episode: Episode, priorities: Sequence[str], close_after: int) -> str:
    """Comment before closing: the finding has been clear long enough."""
    clear = episode.clear_days[:close_after]
    return "\n".join([
        markers.event_marker("closed", episode.start, clear[-1] if clear else episode.last.day),
        (f"Clear for {len(clear)} consecutive day(s) (day(s) {_list(clear)}): not reported "
         f"at {_prio(priorities)} since day {episode.last.day}. Closing; tars-ci reopens "
         f"this issue if the finding comes back."),
    ])


def reopened_comment(episode: Episode, day_path: Callable[[int], str], links: Links) -> str:
    """Comment when a finding comes back after its issue was closed."""
    text = "\n".join([
        markers.event_marker("reopened", episode.start, episode.last.day),
        f"Back on day(s) {_list(episode.days)} after being clear. Reopening.",
        "",
        evidence_table(episode.sightings, day_path, links),
    ])
    return fit(text, "_Truncated._")


def recurred_comment(episode: Episode, day_path: Callable[[int], str], links: Links) -> str:
    """Comment on a closed issue whose finding came back and cleared again since."""
    clear = episode.clear_days
    text = "\n".join([
        markers.event_marker("closed", episode.start, clear[-1] if clear else episode.last.day),
        (f"Seen again on day(s) {_list(episode.days)} and clear again since; the issue "
         f"stays closed."),
        "",
        evidence_table(episode.sightings, day_path, links),
    ])
    return fit(text, "_Truncated._")


def retro_title(release_name: str, days: int = 7) -> str:
    """Title of the retrospective pull request."""
    return title(f"tars-ci: {days}-day retrospective for {release_name}")


def _item_line(item: ActionItem, checked: bool) -> str:
    kpis = item.kpis or ((item.kpi,) if item.kpi else ())
    named = (f"KPI {code(kpis[0])}" if len(kpis) == 1 else
             "KPIs " + ", ".join(code(k) for k in kpis) if kpis else "")
    where = ", ".join(x for x in (named, f"day {item.day}" if item.day is not None else "")
                      if x)
    detail = f" — {inline(item.detail, limit=400)}" if item.detail else ""
    return (f"- [{'x' if checked else ' '}] **{inline(item.title)}**"
            f"{f' ({where})' if where else ''}{detail} {markers.item_marker(item.id)}")


def retro_body(release_slug: str, release_name: str, retro: Retro, links: Links,
               checked: frozenset[str] = frozenset(),
               reviewers: frozenset[str] = frozenset()) -> str:
    """PR body: marker, executive summary, action-item checklist by priority, file links.

    Items a person ticked in the current body (``checked``) stay ticked; an item that now
    groups several findings of one incident is ticked when any of them was. ``reviewers``
    (the reviewers already asked) are recorded in a hidden marker after the first line.
    """
    lines = [markers.retro_marker(release_slug)]
    if reviewers:
        lines.append(markers.reviewers_marker(reviewers))
    lines += [f"## {retro.days}-day retrospective: {inline(release_name)}", "",
              block(retro.executive_summary.strip()), "", "### Action items"]
    for priority in PRIORITY_ORDER:
        items = [i for i in retro.action_items if i.priority == priority]
        if items:
            lines += ["", f"#### {priority}"]
            lines += [_item_line(i, i.id in checked or bool(checked & {*i.ids}))
                      for i in items]
    if not retro.action_items:
        lines += ["", "_No action items._"]
    md, js = (path.rsplit("/", 1)[-1] for path in (retro.md_path, retro.json_path))
    files = (f"Files: [{md}]({links.blob(retro.md_path)}) · "
             f"[{js}]({links.blob(retro.json_path)})")
    lines += ["", files, "",
              ("<sub>Opened by tars-ci from the committed reports; a re-run updates this pull "
               "request and keeps ticked items ticked.</sub>")]
    return fit("\n".join(lines), f"_Truncated: see {md}._")
