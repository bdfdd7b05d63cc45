"""Hand-built program histories for the retrospective tests: each is a few numbers per day,
judged by the real drift and finding rules into complete records (tests/harness/records.py),
never by running the pipeline, so each expected output can be checked by hand.

- :func:`rollback_week` — one incident on day 3 (availability P0 band, error rate, an SLO
  burn-rate page), p99 +37.5 % from day 4 to the end, day 6 without the SLO's data
  (insufficient_data), a 2-hour scrape gap: the SLO is missed and the verdict is rollback.
- :func:`recovered_week` — a p99 spike on day 2 (P1), a memory step on day 3: recovered.
- :func:`quiet_week` — nothing to find.
- :func:`overspent_week` — the SLO's budget spent before the week is over.
- :func:`changed_week` — thresholds changed on day 4, a KPI added late, one removed.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tars_ci.analysis.findings import Finding, findings_for_day
from tars_ci.analysis.rollback import Rollback
from tars_ci.pipeline.program import judge_program
from tars_ci.reports import retro
from tars_ci.reports.records import DataGap, Provenance, SloBurn
from tars_ci.reports.store import History, RecordedDay
from tars_ci.spec.loader import parse_spec
from tars_ci.spec.model import DriftThresholds, Kpi, Spec
from tests.harness import records

SPEC_TEXT = """\
version: 1
release: {name: shop-api v1.0, ga_time: "2026-11-02T00:00:00Z", days: 7}
source: {kind: replay, path: week.json}
kpis:
  availability:
    title: Availability
    ratio: {slo: availability, of: good, scale: 100}
    unit: percent
    better: higher
    critical: true
    limit: 99.9
    mitigations: [Check failing instances and recent deploys]
  error_rate:
    title: Error rate
    ratio: {slo: availability, of: bad, scale: 100}
    unit: percent
    better: lower
    critical: true
    limit: 1.0
    mitigations: [Break errors down by route and status]
  p99_latency_ms:
    title: p99 latency
    query: histogram_quantile(0.99, sum by (le) (rate(latency_bucket[5m])))
    unit: ms
    better: lower
    critical: true
    limit: 250
    mitigations: [Trace tail requests]
  memory_percent:
    title: Memory
    query: avg(memory_ratio) * 100
    unit: percent
    better: lower
  cost_usd_per_hour:
    title: Compute cost
    query: sum(cost_usd_per_hour)
    unit: usd_per_hour
    better: lower
    cost: true
slos:
  availability:
    objective: 99.9
    window: 30d
    ratio:
      good: sum(rate(ok_total[5m]))
      total: sum(rate(requests_total[5m]))
priorities:
  bands:
    availability: {P0: 99.0, P1: 99.5, P2: 99.9}
    error_rate: {P0: 5.0, P1: 2.0, P2: 1.0}
"""
LATE_KPI = """\
  queue_depth:
    title: Queue depth
    query: sum(queue_depth)
    unit: jobs
    better: lower
"""
SPEC = parse_spec(SPEC_TEXT, {})
BASE = {"availability": 99.95, "error_rate": 0.05, "p99_latency_ms": 120.0,
        "memory_percent": 50.0, "cost_usd_per_hour": 10.0}
QUIET_PEAKS = {"5m": 0.6, "1h": 0.5, "6h": 0.5}
MONITOR = records.MONITOR
THRESHOLDS = {"drift": {"notable": 10.0, "medium": 15.0}}


def recorded_day(spec: Spec, n: int, values: Mapping[str, float | None], *,
                 rollback: Rollback = MONITOR, health: tuple[float, str] = (97.0, "excellent"),
                 burn: SloBurn | None = None, burn_finding: Finding | None = None,
                 gaps: Sequence[DataGap] = (), coverage: float = 1.0, note: str = "",
                 episodes: int = 0, provenance: Provenance | None = None,
                 extra: Mapping[str, float | None] | None = None,
                 baseline: Mapping[str, float] = BASE,
                 th: DriftThresholds | None = None) -> RecordedDay:
    """Day ``n``: each KPI's value (error rate also sets availability and the SLO's bad
    share; None is no data), judged by the real drift and finding rules."""
    error = values["error_rate"]
    day_values = {**values, "availability": None if error is None else 100.0 - error}
    comps = {k.name: records.compared(k, day_values.get(k.name), baseline.get(k.name),
                                      th or spec.thresholds.drift)
             for k in spec.kpis if k.name in day_values}

    slo = {"availability": records.slo_day(spec.slos[0], n, error)}
    judged_by = spec if th is None else dataclasses.replace(
        spec, thresholds=dataclasses.replace(spec.thresholds, drift=th))
    found = list(findings_for_day(n, judged_by, {k: c.comparison() for k, c in comps.items()},
                                  slos=slo))
    if burn_finding is not None:
        found.insert(0, burn_finding)
    comps.update({k: records.compared(_removed(k), v, baseline.get(k))
                  for k, v in (extra or {}).items()})
    summary = records.day_summary(
        n, found, health[0], health[1], rollback, comps, slo=slo,
        slo_burn={"availability": burn or records.slo_burn(99.9, QUIET_PEAKS)},
        data_gaps=gaps, anomaly_episodes=episodes,
        provenance=provenance or records.provenance(THRESHOLDS))
    return RecordedDay(summary, records.health_report(summary, coverage, note))


def _removed(name: str) -> Kpi:
    return Kpi(name, "q", unit="percent", better="lower")


def series(**kpis: Sequence[float | None]) -> list[dict[str, float | None]]:
    """Days 1..7 of values, one list per KPI."""
    return [{k: v[d] for k, v in kpis.items()} for d in range(7)]


def rollback_week() -> tuple[Spec, History]:
    """See the module docstring."""
    days = series(error_rate=[0.05, 0.05, 1.2, 0.05, 0.05, None, 0.06],
                  p99_latency_ms=[121.0, 122.0, 125.0, 165.0, 166.0, 168.0, 167.0],
                  memory_percent=[51.0, 52.0, 55.0, 51.0, 56.0, 53.0, 57.0],
                  cost_usd_per_hour=[10.2, 10.4, 10.6, 10.8, 11.0, 11.2, 11.4])
    page = [records.burn_alert("page_fast", "P0", "2026-11-05T14:00:00Z",
                               "2026-11-05T17:05:00Z", 96.0, 40.0),
            records.burn_alert("page_slow", "P1", "2026-11-05T14:20:00Z",
                               "2026-11-05T17:30:00Z", 48.0, 39.0, "6h", "30m", 6.0)]
    burn_finding = records.finding(
        "availability", 3, "P0", kind="slo_burn", fid="slo:availability:burn", value=96.0,
        baseline=None, drift=None, severity="critical",
        title="SLO availability burned its error budget at up to 96.0× on day 3 "
              "(page_fast, page_slow)",
        detail="page_fast fired from 2026-11-05 14:00 UTC to 2026-11-05 17:05 UTC.")
    p0 = Rollback("immediate_rollback", ("Availability is 98.80% on day 3, beyond the P0 "
                                         "bound < 99%",), ("p0_band",))
    built = []
    for n, values in enumerate(days, start=1):
        kw: dict[str, object] = {}
        if n == 3:
            kw = {"rollback": p0, "health": (31.0, "poor"), "episodes": 2,
                  "burn": records.slo_burn(99.9, {"5m": 98.0, "1h": 96.0, "6h": 48.0}, page),
                  "burn_finding": burn_finding}
        elif n == 5:
            kw = {"health": (83.5, "good"), "gaps": [
                records.gap("p99_latency_ms", "2026-11-07T02:00:00Z", "2026-11-07T04:00:00Z"),
                records.gap("memory_percent", "2026-11-07T10:00:00Z",
                            "2026-11-07T10:20:00Z")]}
        elif n == 6:
            kw = {"health": (72.0, "insufficient_data"), "coverage": 0.0,
                  "note": "critical KPIs without data: Availability, Error rate",
                  "burn": records.slo_burn(99.9, {"5m": None, "1h": None, "6h": None})}
        elif n in (4, 7):
            kw = {"health": (84.0, "good")}
        built.append(recorded_day(SPEC, n, values, **kw))  # type: ignore[arg-type]
    anomalies = records.anomaly_events([
        records.episode("error_rate", 3, "2026-11-05T14:02:00Z", "2026-11-05T17:04:00Z", 40.1),
        records.episode("availability", 3, "2026-11-05T14:02:00Z", "2026-11-05T17:04:00Z",
                        -30.5)])
    return SPEC, records.history(records.ga_summary(BASE), built, anomalies)


def recovered_week() -> tuple[Spec, History]:
    """See the module docstring."""
    days = series(error_rate=[0.05] * 7,
                  p99_latency_ms=[121.0, 165.0, 121.0, 120.0, 122.0, 121.0, 120.0],
                  memory_percent=[50.0, 50.0, 56.0, 56.0, 56.0, 56.0, 56.0],
                  cost_usd_per_hour=[10.0] * 7)
    built = [recorded_day(SPEC, n, v, health=(88.0, "good") if n == 2 else (97.0, "excellent"),
                          episodes=1 if n == 2 else 0) for n, v in enumerate(days, start=1)]
    anomalies = records.anomaly_events([records.episode(
        "p99_latency_ms", 2, "2026-11-04T07:07:00Z", "2026-11-04T18:59:00Z", 6.0)])
    return SPEC, records.history(records.ga_summary(BASE), built, anomalies)


def quiet_week() -> tuple[Spec, History]:
    """See the module docstring."""
    days = series(error_rate=[0.05, 0.051, 0.049, 0.05, 0.05, 0.051, 0.05],
                  p99_latency_ms=[120.0, 121.0, 119.0, 120.0, 122.0, 120.0, 121.0],
                  memory_percent=[50.0, 51.0, 50.0, 49.0, 50.0, 51.0, 50.0],
                  cost_usd_per_hour=[10.0] * 7)
    built = [recorded_day(SPEC, n, v, health=(100.0, "excellent"))
             for n, v in enumerate(days, start=1)]
    return SPEC, records.history(records.ga_summary(BASE), built)


def overspent_week() -> tuple[Spec, History]:
    """0.5 % of requests fail every day: 5× the budget's pace, 16.67 % of the 30-day budget a
    day, 116.67 % after 7 days."""
    days = series(error_rate=[0.5] * 7, p99_latency_ms=[120.0] * 7,
                  memory_percent=[50.0] * 7, cost_usd_per_hour=[10.0] * 7)
    built = [recorded_day(SPEC, n, v, health=(80.0, "good"), burn=records.slo_burn(
        99.9, {"5m": 5.5, "1h": 5.0, "6h": 5.0})) for n, v in enumerate(days, start=1)]
    return SPEC, records.history(records.ga_summary(BASE), built)


def changed_week() -> tuple[Spec, History]:
    """Quiet, but the drift thresholds changed from day 4 (notable 10 → 15 %), queue_depth
    joined the spec after day 2 was judged (a late baseline from day 0's data) and
    cpu_percent left it after day 3. Queue depth is +12 % on day 3 (low, by the old
    thresholds) and +13 % on day 5 (no severity by the new): its worst day is day 3, as its
    findings say."""
    spec = parse_spec(SPEC_TEXT.replace("slos:\n", LATE_KPI + "slos:\n"), {})
    baseline = {**BASE, "queue_depth": 10.0, "cpu_percent": 40.0}
    days = series(error_rate=[0.05] * 7, p99_latency_ms=[120.0] * 7,
                  memory_percent=[50.0] * 7, cost_usd_per_hour=[10.0] * 7,
                  queue_depth=[0.0, 0.0, 11.2, 10.5, 11.3, 10.0, 10.5])
    new = DriftThresholds(notable=15.0, medium=20.0)
    stricter = records.provenance({"drift": {"notable": 15.0, "medium": 20.0}}, "sha256:t2")
    built = []
    for n, values in enumerate(days, start=1):
        if n <= 2:  # judged before queue_depth joined the spec
            values = {k: v for k, v in values.items() if k != "queue_depth"}
        built.append(recorded_day(spec if n >= 3 else SPEC, n, values, baseline=baseline,
                                  provenance=stricter if n >= 4 else None,
                                  th=new if n >= 4 else None,
                                  extra={"cpu_percent": 41.0} if n <= 3 else None))
    ga = records.ga_summary(baseline, late={"queue_depth": "2026-11-05T12:00:00Z"})
    return spec, records.history(ga, built)


HEADINGS = ["Executive summary", "What went well", "What could be improved",
            "Unexpected drifts", "Trends (day 1–7)", "Cost analysis", "SLO compliance",
            "Anomalies", "Final verdict", "Action items", "Data coverage"]


def build(week: Callable[[], tuple[Spec, History]]) -> tuple[str, dict[str, Any]]:
    """The retrospective of a week: (Markdown, the JSON as read back)."""
    spec, history = week()
    _, doc, md = retro.build(spec, history, judge_program(spec, history))
    return md, json.loads(json.dumps(doc.to_json()))


def split(md: str) -> dict[str, str]:
    """Each ``## `` section's body (without its heading and surrounding blank lines)."""
    parts = re.split(r"^## ", md, flags=re.MULTILINE)
    return {head: body.strip("\n") for head, _, body in
            (p.partition("\n") for p in parts[1:])}


def lines(*text: str) -> str:
    """Lines of expected text."""
    return "\n".join(text)
