"""Where each report of a release lives (the runbook's layout) and which days are recorded."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from tars_ci.errors import ReportError

_DAY_FILE = re.compile(r"^day_(\d{2,3})_summary\.json$")
FOLDERS = ("ga_kpis", "stability", "health", "anomalies", "regression", "output",
           "notifications", "periodic")


class ReleasePaths(NamedTuple):
    """The files of one release under ``reports/<release-slug>/``."""

    root: Path
    days: int = 7  # the program's length names the retrospective (GA_7DAY_…)

    @classmethod
    def under(cls, reports_dir: Path, slug: str, days: int = 7) -> ReleasePaths:
        """Paths for ``slug`` under ``reports_dir``; refuses a slug that escapes it."""
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,79}", slug):
            raise ReportError(f"release slug {slug!r} is not a safe directory name")
        return cls(reports_dir / slug, days)

    def check_real_directories(self) -> None:
        """ReportError when the reports directory, the release directory or one of its
        folders is a symlink: a symlink committed to the repository must not send a job's
        writes elsewhere. (Files need no check: a rename replaces a symlink, not its target.)"""
        for path in (self.root.parent, self.root, *(self.root / f for f in FOLDERS)):
            if path.is_symlink():
                raise ReportError(f"refusing to write under {path}: it is a symlink to "
                                  f"{path.resolve()}; reports go to real directories only")

    @property
    def ga_summary(self) -> Path:
        """Day-0 baseline."""
        return self.root / "ga_kpis" / "ga_kpi_summary.json"

    def day_summary(self, day: int) -> Path:
        """Stability summary of ``day`` (the day's commit marker: written last)."""
        return self.root / "stability" / f"day_{day:02d}_summary.json"

    def health(self, day: int) -> Path:
        """Health report of ``day``."""
        return self.root / "health" / f"day_{day:02d}_HEALTH.json"

    @property
    def notifications(self) -> Path:
        """What each notification target has been sent (see ``NotificationLedger``)."""
        return self.root / "notifications" / "notifications_sent.json"

    @property
    def anomalies(self) -> Path:
        """Anomaly episodes over all recorded days."""
        return self.root / "anomalies" / "anomaly_events.json"

    @property
    def regression(self) -> Path:
        """Day-N regression analysis."""
        return self.root / "regression" / "regression_summary.json"

    @property
    def retro_md(self) -> Path:
        """Retrospective, Markdown (``GA_7DAY_RETROSPECTIVE.md`` for a 7-day program)."""
        return self.root / "output" / f"GA_{self.days}DAY_RETROSPECTIVE.md"

    @property
    def retro_json(self) -> Path:
        """Retrospective, JSON."""
        return self.root / "output" / f"GA_{self.days}DAY_RETROSPECTIVE.json"

    def periodic(self, period: str, end_stamp: str, suffix: str = ".json") -> Path:
        """A periodic report: ``periodic/7d_20261110T0000Z.json`` (``.md`` beside it)."""
        if not re.fullmatch(r"[0-9]{1,4}[hd]", period) or not re.fullmatch(
                r"[0-9]{8}T[0-9]{4,6}Z", end_stamp):
            raise ReportError(f"not a periodic report name: {period}_{end_stamp}")
        return self.root / "periodic" / f"{period}_{end_stamp}{suffix}"

    def periodic_stamps(self, period: str) -> list[str]:
        """The ends (``20261110T0000Z``) of the recorded ``period`` reports, in order."""
        folder = self.root / "periodic"
        if not folder.is_dir():
            return []
        name = re.compile(rf"^{re.escape(period)}_([0-9]{{8}}T[0-9]{{4}}(?:[0-9]{{2}})?Z)\.json$")
        return sorted(m.group(1) for p in folder.iterdir() if (m := name.match(p.name)))

    def recorded_days(self) -> set[int]:
        """Days whose reports are complete: day 0 has its baseline, day N its summary+health."""
        days = {0} if self.ga_summary.is_file() else set()
        stability = self.root / "stability"
        if stability.is_dir():
            for entry in stability.iterdir():
                match = _DAY_FILE.match(entry.name)
                if match and self.health(int(match.group(1))).is_file():
                    days.add(int(match.group(1)))
        return days
