"""What publishing reads: the committed reports of one release, as records.

Publishing never recomputes anything: the findings come from ``stability/day_NN_summary.json``
and the retrospective from ``output/GA_7DAY_RETROSPECTIVE.json`` (layout in CONTRACTS.md).
A file that cannot be used raises :class:`tars_ci.errors.ReportError` naming the file and the
missing field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

from tars_ci.errors import ReportError
from tars_ci.reports.jsonio import read_json

DAY_FILE = re.compile(r"^day_(\d{2,3})_summary\.json$")
PRIORITY_ORDER = ("P0", "P1", "P2", "P3")


class ReportedFinding(NamedTuple):
    """One finding of one day, as the day summary recorded it."""

    id: str
    day: int
    kpi: str
    kind: str
    severity: str
    priority: str
    value: float | None
    baseline: float | None
    drift_percent: float | None
    title: str
    detail: str
    unit: str


class DayReport(NamedTuple):
    """One recorded day: its summary file and its findings."""

    day: int
    path: str  # repository-relative
    findings: tuple[ReportedFinding, ...]
    decision: str  # rollback recommendation
    health_score: float | None


class ActionItem(NamedTuple):
    """One retrospective action item."""

    priority: str
    id: str
    title: str
    kpi: str
    day: int | None
    detail: str


class Retro(NamedTuple):
    """The day-7 retrospective."""

    md_path: str  # repository-relative
    json_path: str
    executive_summary: str
    action_items: tuple[ActionItem, ...]


class ReleaseReports(NamedTuple):
    """Everything publishing needs about one release."""

    name: str
    slug: str
    days: tuple[DayReport, ...]  # in day order
    retro: Retro | None

    @property
    def recorded_days(self) -> tuple[int, ...]:
        """Days with a summary."""
        return tuple(d.day for d in self.days)

    def day_path(self, day: int) -> str:
        """Repository-relative path of a day's summary ('' when absent)."""
        return next((d.path for d in self.days if d.day == day), "")


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else None


def _finding(raw: Any, day: int, units: dict[str, str], file: Path) -> ReportedFinding:
    if not isinstance(raw, dict):
        raise ReportError(f"{file}: findings: each finding must be an object")
    for key in ("id", "priority"):
        if not isinstance(raw.get(key), str):
            raise ReportError(f"{file}: findings: a finding has no {key!r}")
    kpi = str(raw.get("kpi") or "")
    return ReportedFinding(
        id=raw["id"], day=int(raw.get("day", day)), kpi=kpi,
        kind=str(raw.get("kind") or ""), severity=str(raw.get("severity") or ""),
        priority=raw["priority"], value=_num(raw.get("value")),
        baseline=_num(raw.get("baseline")), drift_percent=_num(raw.get("drift_percent")),
        title=str(raw.get("title") or raw["id"]), detail=str(raw.get("detail") or ""),
        unit=units.get(kpi, ""))


def read_day(file: Path, repo_root: Path) -> DayReport:
    """One ``day_NN_summary.json``."""
    data = read_json(file)
    if not isinstance(data, dict) or not isinstance(data.get("day"), int):
        raise ReportError(f"{file}: not a day summary (no integer 'day')")
    comparison = data.get("metrics_comparison") or {}
    units = {k: str(v.get("unit") or "") for k, v in comparison.items() if isinstance(v, dict)}
    findings = data.get("findings", [])
    if not isinstance(findings, list):
        raise ReportError(f"{file}: 'findings' must be a list")
    rollback = data.get("rollback_recommendation") or {}
    return DayReport(
        day=data["day"], path=file.resolve().relative_to(repo_root.resolve()).as_posix(),
        findings=tuple(_finding(f, data["day"], units, file) for f in findings),
        decision=str(rollback.get("decision", "")) if isinstance(rollback, dict) else "",
        health_score=_num(data.get("health_score")))


def read_retro(release_dir: Path, repo_root: Path) -> Retro | None:
    """The retrospective, or None before day 7."""
    md = release_dir / "output" / "GA_7DAY_RETROSPECTIVE.md"
    js = release_dir / "output" / "GA_7DAY_RETROSPECTIVE.json"
    if not (md.is_file() and js.is_file()):
        return None
    data = read_json(js)
    if not isinstance(data, dict) or not isinstance(data.get("executive_summary"), str):
        raise ReportError(f"{js}: no 'executive_summary' text")
    raw_items = data.get("action_items") or {}
    if not isinstance(raw_items, dict):
        raise ReportError(f"{js}: 'action_items' must map P0..P3 to lists")
    items = []
    for priority in PRIORITY_ORDER:
        for raw in raw_items.get(priority) or []:
            if not isinstance(raw, dict):
                raise ReportError(f"{js}: action_items.{priority}: items must be objects")
            day = raw.get("day")
            items.append(ActionItem(priority, str(raw.get("id") or ""),
                                    str(raw.get("title") or raw.get("id") or ""),
                                    str(raw.get("kpi") or ""),
                                    day if isinstance(day, int) else None,
                                    str(raw.get("detail") or raw.get("action") or "")))
    root = repo_root.resolve()
    return Retro(md.resolve().relative_to(root).as_posix(),
                 js.resolve().relative_to(root).as_posix(),
                 data["executive_summary"], tuple(items))


def read_release(release_dir: Path, repo_root: Path, name: str, slug: str) -> ReleaseReports:
    """All day summaries (in day order) and the retrospective of a release."""
    stability = release_dir / "stability"
    days = []
    if stability.is_dir():
        for entry in sorted(stability.iterdir()):
            if DAY_FILE.match(entry.name):
                days.append(read_day(entry, repo_root))
    days.sort(key=lambda d: d.day)
    return ReleaseReports(name, slug, tuple(days), read_retro(release_dir, repo_root))
