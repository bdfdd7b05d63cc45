"""The history store: the only code that reads or writes a release's ``reports/`` folder.

:class:`HistoryStore` loads the committed files into one :class:`History` of typed records
(:mod:`tars_ci.reports.records`) and writes records back atomically, only when their bytes
change. The pipeline, the GitHub Actions summary and publishing all read the same
``History``.

Every file is checked on load: its JSON, its ``schema_version`` and every field (a problem is
a :class:`~tars_ci.errors.ReportError` naming the file, the field, and the command that
rewrites it), and its release block against the spec's release: a folder holds one release's
history, and a spec whose GA time, name or length disagrees with it is a
:class:`~tars_ci.errors.HistoryMismatch` (exit 2) that says how to go on (``--rebaseline``
or a new release name) instead of a silently mixed history.
"""

from __future__ import annotations

import functools
import logging
import shutil
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from tars_ci.errors import HistoryMismatch, ReportError
from tars_ci.reports.codec import Location, decode, encode
from tars_ci.reports.jsonio import dumps, read_json, remove_temporaries, write_text
from tars_ci.reports.ledger import NotificationLedger
from tars_ci.reports.paths import ReleasePaths
from tars_ci.reports.periodic import PeriodicReport
from tars_ci.reports.records import (
    OLDEST_READABLE,
    SCHEMA_VERSION,
    AnomalyEvents,
    DaySummary,
    GaSummary,
    HealthReport,
    RegressionSummary,
    ReleaseBlock,
    Retrospective,
)

log = logging.getLogger("tars_ci")

R = TypeVar("R")


class RecordedDay(NamedTuple):
    """One recorded day 1..N: its summary and its health report."""

    summary: DaySummary
    health: HealthReport

    @property
    def day(self) -> int:
        """The program day."""
        return self.summary.day


class History(NamedTuple):
    """Everything recorded for a release (days the caller asked to skip are absent)."""

    ga: GaSummary | None
    days: dict[int, RecordedDay]
    anomalies: AnomalyEvents | None

    @property
    def recorded(self) -> list[int]:
        """Recorded days, day 0 included, in order."""
        return ([0] if self.ga is not None else []) + sorted(self.days)

    def latest(self) -> RecordedDay | None:
        """The newest recorded day 1..N."""
        return self.days[max(self.days)] if self.days else None


class Outputs(NamedTuple):
    """The end-of-program files as recorded."""

    regression: RegressionSummary | None
    retro: Retrospective | None
    retro_md: Path | None  # the Markdown, when it exists


def _repair(day: int | None) -> str:
    if day is None:
        return "`tars-ci run --force` rewrites it from the source"
    return f"`tars-ci run --force --day {day}` rewrites it from the source without reading it"


class HistoryStore:
    """A release's history under ``<reports_dir>/<slug>/``."""

    def __init__(self, reports_dir: Path, release: ReleaseBlock) -> None:
        self.release = release
        self.paths = ReleasePaths.under(Path(reports_dir), release.slug, release.days)

    @property
    def root(self) -> Path:
        """The release's folder."""
        return self.paths.root

    # ------------------------------------------------------------------ housekeeping

    def prepare(self) -> None:
        """Refuse symlinked folders and remove temporaries that a killed write left."""
        self.paths.check_real_directories()
        for leftover in remove_temporaries(self.root):
            log.warning("removed %s, left by an interrupted write", leftover)

    def recorded_days(self) -> set[int]:
        """Days whose files are all there (see :meth:`ReleasePaths.recorded_days`)."""
        return self.paths.recorded_days()

    # ------------------------------------------------------------------ reading

    def _read(self, cls: type[R], path: Path, day: int | None,
              repair: str | None = None) -> R:
        advice = repair or _repair(day)
        try:
            data = read_json(path)
        except ReportError as exc:
            raise ReportError(f"{exc}; {advice}") from exc
        where = Location(str(path))
        if not isinstance(data, dict):
            raise ReportError(f"{path}: expected a JSON object; {advice}")
        version = data.pop("schema_version", None)
        if isinstance(version, bool) or not isinstance(version, int):
            raise ReportError(f"{path}: .schema_version: expected an integer, got "
                              f"{version!r}; {advice}")
        if version > SCHEMA_VERSION:
            raise ReportError(f"{path}: schema_version {version} was written by a newer "
                              f"tars-ci (this one reads {OLDEST_READABLE}–{SCHEMA_VERSION}); "
                              f"upgrade tars-ci")
        if version < OLDEST_READABLE:
            raise ReportError(f"{path}: schema_version {version} is not one tars-ci writes; "
                              f"{advice}")
        try:
            if cls is Retrospective:
                return Retrospective.from_json(data, where, version)  # type: ignore[return-value]
            return decode(cls, data, where, version)
        except ReportError as exc:
            raise ReportError(f"{exc}; {advice}") from exc

    def load(self, skip: Collection[int] = (), *, tolerate: Collection[int] = (),
             anomalies: bool = True, check: bool = True) -> History:
        """The recorded history.

        The files of days in ``skip`` are not read; those of days in ``tolerate`` are left
        out when they cannot be read (a forced re-run rewrites them without reading them:
        the repair a ReportError advises). ``check=False`` skips the identity check.
        """
        recorded = self.recorded_days()
        ga = None
        if 0 in recorded and 0 not in skip:
            ga = self._tolerant(lambda: self._read(GaSummary, self.paths.ga_summary, 0),
                                0 in tolerate)
        days: dict[int, RecordedDay] = {}
        for day in sorted(d for d in recorded if d > 0 and d not in skip):
            rec = self._tolerant(functools.partial(self._read_day, day), day in tolerate)
            if rec is not None:
                days[day] = rec
        events = None
        if anomalies and self.paths.anomalies.is_file():
            events = self._read(AnomalyEvents, self.paths.anomalies, None,
                                "`tars-ci anomalies --force` rewrites it from the source")
        history = History(ga, days, events)
        if check:
            self.check_identity(history)
        return history

    def _read_day(self, day: int) -> RecordedDay:
        summary = self._read(DaySummary, self.paths.day_summary(day), day)
        health = self._read(HealthReport, self.paths.health(day), day)
        for what, rec, path in (("summary", summary.day, self.paths.day_summary(day)),
                                ("health report", health.day, self.paths.health(day))):
            if rec != day:
                raise ReportError(f"{path}: .day: the {what} of day {day} says day {rec}; "
                                  f"{_repair(day)}")
        return RecordedDay(summary, health)

    @staticmethod
    def _tolerant(read: Callable[[], R], tolerate: bool) -> R | None:
        try:
            return read()
        except ReportError as exc:
            if not tolerate:
                raise
            log.warning("%s; it is rewritten without being read", str(exc).split("; ")[0])
            return None

    def load_outputs(self) -> Outputs:
        """The regression analysis and retrospective, when written."""
        repair = "`tars-ci retro` rewrites it from the recorded days"
        regression = (self._read(RegressionSummary, self.paths.regression, None, repair)
                      if self.paths.regression.is_file() else None)
        retro = (self._read(Retrospective, self.paths.retro_json, None, repair)
                 if self.paths.retro_json.is_file() else None)
        md = self.paths.retro_md if self.paths.retro_md.is_file() else None
        return Outputs(regression, retro, md)

    def load_ledger(self) -> NotificationLedger:
        """What the notification targets have been sent (empty when nothing yet)."""
        if not self.paths.notifications.is_file():
            return NotificationLedger(self.release, ())
        ledger = self._read(NotificationLedger, self.paths.notifications, None,
                            "restore it from git (`git checkout -- FILE`); deleting it "
                            "sends every event again")
        if ledger.release.slug != self.release.slug:
            raise HistoryMismatch(f"{self.paths.notifications} belongs to release "
                                  f"{ledger.release.name!r}, not to {self.release.name!r}")
        return ledger

    def write_ledger(self, ledger: NotificationLedger) -> bool:
        """Write the record of sent notifications (atomically); whether it changed."""
        return self._write(self.paths.notifications, ledger)

    # ------------------------------------------------------------------ identity

    def check_identity(self, history: History) -> None:
        """HistoryMismatch when a recorded file belongs to another release or program."""
        want = self.release
        blocks: list[tuple[Path, ReleaseBlock]] = []
        if history.ga is not None:
            blocks.append((self.paths.ga_summary, history.ga.release))
        for day, rec in sorted(history.days.items()):
            blocks.append((self.paths.day_summary(day), rec.summary.release))
        if history.anomalies is not None:
            blocks.append((self.paths.anomalies, history.anomalies.release))
        for path, got in blocks:
            if got.name != want.name or got.slug != want.slug:
                raise HistoryMismatch(
                    f"{path} belongs to release {got.name!r} (slug {got.slug!r}), not to "
                    f"{want.name!r}: two releases cannot share {self.root}. Give this release "
                    f"its own `release.slug` (or name) in the spec.")
            if got.ga_time != want.ga_time:
                raise HistoryMismatch(
                    f"the history in {self.root} was recorded with GA time {got.ga_time}, but "
                    f"the spec says {want.ga_time} ({path}). Restore `release.ga_time`, or run "
                    f"with --rebaseline to archive the recorded history and start the program "
                    f"again from the new GA time, or use a new release name.")
        if history.ga is not None and history.ga.release.days != want.days:
            got_days = history.ga.release.days
            raise HistoryMismatch(
                f"the history in {self.root} was recorded as a {got_days}-day program, but the "
                f"spec says {want.days} days. Restore `release.days`, or run with --rebaseline "
                f"to keep the recorded days 0–{min(got_days, want.days)} and continue as a "
                f"{want.days}-day program (the {got_days}-day retrospective is archived), or "
                f"use a new release name.")

    def read_ga_summary(self, path: Path) -> GaSummary:
        """A GA summary file anywhere (``--ga-baseline``), checked field by field."""
        return self._read(GaSummary, path, None, "pass a GA summary written by tars-ci")

    def recorded_identity(self) -> ReleaseBlock | None:
        """The release block of the recorded GA summary, read without the identity check."""
        if not self.paths.ga_summary.is_file():
            return None
        return self._read(GaSummary, self.paths.ga_summary, 0).release

    # ------------------------------------------------------------------ writing

    def _write(self, path: Path, record: Any) -> bool:
        body = record.to_json() if isinstance(record, Retrospective) else encode(record)
        return write_text(path, dumps({"schema_version": SCHEMA_VERSION, **body}))

    def write_ga(self, ga: GaSummary) -> list[Path]:
        """Write the baseline; the changed paths."""
        return [self.paths.ga_summary] if self._write(self.paths.ga_summary, ga) else []

    def write_day(self, summary: DaySummary, health: HealthReport) -> list[Path]:
        """Write a day: its health report, then its summary (which marks it recorded)."""
        day = summary.day
        written = []
        if self._write(self.paths.health(day), health):
            written.append(self.paths.health(day))
        if self._write(self.paths.day_summary(day), summary):
            written.append(self.paths.day_summary(day))
        return written

    def write_anomalies(self, events: AnomalyEvents) -> list[Path]:
        """Write the anomaly episodes."""
        return [self.paths.anomalies] if self._write(self.paths.anomalies, events) else []

    def write_outputs(self, regression: RegressionSummary, retro: Retrospective,
                      markdown: str) -> list[Path]:
        """Write the regression analysis and the retrospective (JSON, then Markdown)."""
        written = [self.paths.regression] if self._write(self.paths.regression, regression) else []
        return written + self.write_retro(retro, markdown)

    def write_retro(self, retro: Retrospective, markdown: str) -> list[Path]:
        """Write the retrospective: its JSON, then its Markdown."""
        written = [self.paths.retro_json] if self._write(self.paths.retro_json, retro) else []
        if write_text(self.paths.retro_md, markdown):
            written.append(self.paths.retro_md)
        return written

    def read_periodic(self, period: str, end_stamp: str) -> PeriodicReport | None:
        """The recorded periodic report of that window, if any (checked field by field)."""
        path = self.paths.periodic(period, end_stamp)
        if not path.is_file():
            return None
        return self._read(PeriodicReport, path, None,
                          "`tars-ci report --force` with the same --period and --end rewrites "
                          "it from the source")

    def write_periodic(self, report: PeriodicReport, end_stamp: str,
                       markdown: str) -> list[Path]:
        """Write a periodic report: its JSON, then its Markdown; the changed paths."""
        json_path = self.paths.periodic(report.period.period, end_stamp)
        md_path = self.paths.periodic(report.period.period, end_stamp, ".md")
        written = [json_path] if self._write(json_path, report) else []
        if write_text(md_path, markdown):
            written.append(md_path)
        return written

    def outputs_complete(self) -> bool:
        """Whether every end-of-program file exists (a killed run may have written some)."""
        return all(p.is_file() for p in (self.paths.regression, self.paths.retro_json,
                                         self.paths.retro_md))

    # ------------------------------------------------------------------ starting over

    def archive(self, label: str, keep_days: int | None = None) -> list[Path]:
        """Move recorded files to ``archive/<label>/`` (same layout), keeping days
        0..``keep_days`` in place when given (a length change); the moved paths."""
        target = self.root / "archive" / label
        if target.exists():
            raise ReportError(f"{target} already exists: the history was archived under this "
                              f"label before; move it away first")
        moved: list[Path] = []
        for path in sorted(self.root.rglob("*.json")) + sorted(self.root.rglob("*.md")):
            rel = path.relative_to(self.root)
            if rel.parts[0] == "archive" or not path.is_file():
                continue
            if keep_days is not None and _kept(rel, keep_days):
                continue
            dest = target / rel
            try:
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(path), str(dest))
            except OSError as exc:
                raise ReportError(f"cannot archive {path}: {exc.strerror or exc}") from exc
            moved.append(path)
        return moved


def _kept(rel: Path, keep_days: int) -> bool:
    """Whether a file survives a length change: the baseline, the anomalies, the record of
    sent notifications (the days kept were told already) and days ≤ keep."""
    if rel.parts[0] in ("ga_kpis", "anomalies", "notifications"):
        return True
    if rel.parts[0] in ("stability", "health"):
        try:
            return int(rel.name.split("_")[1]) <= keep_days
        except (IndexError, ValueError):
            return False
    return False
