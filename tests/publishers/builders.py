"""Hand-built release views for the notification tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tars_ci.github.view import DayReport, ReleaseReports, ReportedFinding, Retro


def finding(fid: str, day: int, priority: str, title: str = "") -> ReportedFinding:
    """A finding of ``day`` (KPI = the id's first part)."""
    kpi = fid.split(":")[0]
    return ReportedFinding(fid, day, kpi, "degradation", "high", priority, 2.0, 1.0, 100.0,
                           title or f"{kpi} +100.0% vs GA baseline on day {day}",
                           f"{kpi} doubled on day {day}", "percent")


def view(days: Mapping[int, Sequence[ReportedFinding]], decisions: Mapping[int, str] = {},
         retro: bool = False) -> ReleaseReports:
    """A release with these findings (and decisions, default monitor) by day."""
    reports = tuple(DayReport(d, f"reports/shop/stability/day_{d:02d}_summary.json",
                              tuple(days[d]), decisions.get(d, "monitor"), 80.0)
                    for d in sorted(days))
    r = Retro("reports/shop/output/GA_7DAY_RETROSPECTIVE.md",
              "reports/shop/output/GA_7DAY_RETROSPECTIVE.json",
              "**shop v1** completed its program: monitor.", ()) if retro else None
    return ReleaseReports("shop v1", "shop-v1", reports, r)
