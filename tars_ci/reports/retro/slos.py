"""The retrospective's SLO sections: burn-rate alerts, peaks by window, burn-down chart."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tars_ci.analysis.slo import SloReport
from tars_ci.reports import charts
from tars_ci.reports.records import DaySummary


def burns(slo: str, days: Sequence[DaySummary]) -> dict[str, Any]:
    """The SLO's burn-rate alerts that fired and each day's peak burn per window."""
    windows: list[str] = []
    rows = []
    alerts = []
    for d in days:
        burn = d.slo_burn.get(slo)
        if burn is None:
            continue
        peaks = {p.window: p.peak_burn for p in burn.peaks}
        windows += [w for w in peaks if w not in windows]
        rows.append({"day": d.day, "peaks": peaks})
        alerts += [{"day": d.day, **a._asdict()} for a in burn.alerts]
    return {"burn_windows": windows, "burn_by_day": rows, "burn_alerts": alerts}


def burn_chart(s: SloReport) -> str:
    return charts.line_chart(f"{s.name} error budget remaining (%)",
                             [(f"D{d}", r) for d, r in s.burn_down], "remaining %")
