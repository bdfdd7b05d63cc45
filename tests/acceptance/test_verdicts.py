"""Issue 13's acceptance: verdicts an SRE can act on, from ``tars-ci run`` against the real
Prometheus (the harness backfills each scenario of tars_ci/scenario/catalog.py once per
session) with the example spec config/tars.yaml.

- ``error_burst`` (8 % errors on day 5, 13:00–16:00, against the 99.9 % availability SLO):
  the fast page fires at about 80×, the day has a P0 ``slo_burn`` finding, the job exits 1,
  the retrospective shows the burn per window; the error rate is traffic-weighted; the burst is
  one 3-hour anomaly episode; the week ends ``recovered``.
- ``latency_step`` (p99 +75 ms from day 3 on, never fixed): a rollback-class verdict, and the
  day-7 job is red.
- ``latency_recovery`` (the same step on days 2–3 only): ``recovered`` from day 4, the day-7
  job is green.
- ``noise`` (day-to-day wobble only): no P0/P1 finding, health ≥ 90 every day, ``monitor``,
  exit 0.
- the bundled ``demo``: the retrospective's SLO section carries each day's burn per window.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from tars_ci.analysis.verdict import ROLLBACK_CLASS
from tars_ci.scenario.catalog import GA, LATENCY_STEP, error_burst
from tars_ci.scenario.samples import generate
from tars_ci.scenario.tsdb import PrometheusServer
from tests.acceptance.conftest import Run, after_day, tars_run, tree

pytestmark = pytest.mark.integration

WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]  # the default alerts' windows, shortest first
BUDGET = 1 - 99.9 / 100  # the availability SLO's error budget (share of requests)
BURST_DAY = 5
DAY = 86400.0


def at(text: str) -> float:
    """Unix seconds of a report timestamp."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()


def day_clock(day: int, hours: float) -> float:
    """Unix seconds of ``hours`` after the start of program day ``day``."""
    return GA.timestamp() + day * DAY + hours * 3600


def urgent(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """The day's P0/P1 findings as (id, priority)."""
    return [(f["id"], f["priority"]) for f in summary["findings"]
            if f["priority"] in ("P0", "P1")]


def alerts(summary: dict[str, Any], slo: str = "availability") -> dict[str, dict[str, Any]]:
    """The burn-rate alerts that fired on the day, by alert name."""
    return {a["alert"]: a for a in summary["slo_burn"][slo]["alerts"]}


def peaks(summary: dict[str, Any], slo: str = "availability") -> dict[str, float]:
    """The day's peak burn rate per window."""
    return {p["window"]: p["peak_burn"] for p in summary["slo_burn"][slo]["peaks"]}


# --------------------------------------------------------------------------- error_burst


@pytest.fixture(scope="module")
def burst(error_burst_prometheus: PrometheusServer,
          tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The whole program of the error_burst scenario in one catch-up run."""
    return tars_run(error_burst_prometheus.url, tmp_path_factory.mktemp("burst"))


def test_burst_day_has_a_p0_slo_burn_finding_and_the_job_exits_1(burst: Run) -> None:
    assert burst.code == 1
    day5 = burst.day(BURST_DAY)
    burn = [f for f in day5["findings"] if f["kind"] == "slo_burn"]
    assert [(f["id"], f["priority"], f["kpi"]) for f in burn] == \
        [("slo:availability:burn", "P0", "availability")]
    assert "day 5: P0 SLO availability burned its error budget" in burst.out
    fired = alerts(day5)
    # every default alert fired: the fast page (P0), the slow page (P1) and both tickets
    assert {name: a["priority"] for name, a in fired.items()} == {
        "page_fast": "P0", "page_slow": "P1", "ticket_fast": "P2", "ticket_slow": "P3"}
    fast = fired["page_fast"]
    # 8 % errors against a 0.1 % budget burn at 80×: the 1-hour window sees it whole
    assert fast["peak_burn"] == pytest.approx(0.08 / BUDGET, rel=0.05)
    assert fast["peak_burn"] == peaks(day5)["1h"]
    # 14.4× over both 1 h and 5 m: fires once a sixth of the last hour was 8 % errors, and
    # stops within minutes of the burst's end (the short window)
    assert day_clock(5, 13) < at(fast["start"]) <= day_clock(5, 13.5)
    assert day_clock(5, 16) <= at(fast["end"]) <= day_clock(5, 16 + 10 / 60)
    assert not fast["open_at_start"] and not fast["open_at_end"]
    # the fast page spent a large share of the 30-day budget, never more than the whole day
    day_budget = day5["slo"]["availability"]["budget_consumed_percent"]
    assert 30 < fast["budget_consumed_percent"] < day_budget
    # the 1-day window's peak at the day's last step is the day's SLO burn rate
    assert peaks(day5)["1d"] == pytest.approx(day5["slo"]["availability"]["burn_rate"],
                                              rel=1e-5)
    assert day_budget == pytest.approx(day5["slo"]["availability"]["burn_rate"] / 30 * 100,
                                       rel=1e-5)


def test_only_the_burst_day_pages(burst: Run) -> None:
    for n, summary in burst.days().items():
        if n == BURST_DAY:
            continue
        assert alerts(summary) == {} and alerts(summary, "latency_p99") == {}, n
        assert not [f for f in summary["findings"] if f["kind"] == "slo_burn"], n
        assert urgent(summary) == [], n
    # the day after: the 1-day and 3-day windows still hold the burst, but their short
    # windows (2 h, 6 h) are clean, so no ticket fires — the multi-window rule at work
    day6 = peaks(burst.day(6))
    assert day6["1d"] > 3.0 and day6["3d"] > 1.0
    assert day6["2h"] < 1.0 and day6["6h"] < 1.0


def test_burst_retrospective_shows_the_burn_per_window(burst: Run) -> None:
    retro = burst.retro()
    slo = next(s for s in retro["slos"] if s["name"] == "availability")
    assert slo["burn_windows"] == WINDOWS
    days = burst.days()
    assert slo["burn_by_day"] == [{"day": n, "peaks": peaks(days[n])} for n in range(1, 8)]
    # each alert as the day recorded it, with its length (end − start) beside it
    assert [{k: v for k, v in a.items() if k not in ("minutes", "duration")}
            for a in slo["burn_alerts"]] == [
        {"day": BURST_DAY, **a} for a in days[BURST_DAY]["slo_burn"]["availability"]["alerts"]]
    for a in slo["burn_alerts"]:
        span = (datetime.fromisoformat(a["end"].replace("Z", "+00:00"))
                - datetime.fromisoformat(a["start"].replace("Z", "+00:00")))
        assert a["minutes"] == pytest.approx(span.total_seconds() / 60), a
    md = burst.markdown()
    assert md.count("Peak burn rate by window") == 2  # availability and latency_p99
    header = "| Day | " + " | ".join(WINDOWS) + " |"
    assert md.count(header) == 2
    day5 = peaks(days[BURST_DAY])
    row = [line for line in md.splitlines() if line.startswith("| 5 | ")
           and all(f"{day5[w]:,.2f}" in line for w in WINDOWS)]
    assert len(row) == 1, "no row of the burn table shows day 5's peaks"
    for a in slo["burn_alerts"]:
        assert [line for line in md.splitlines() if line.startswith(f"| {a['alert']} | ")
                and f"| {a['priority']} |" in line and f"{a['peak_burn']:,.1f}×" in line
                and f"{a['budget_consumed_percent']:.1f}%" in line], a["alert"]


def test_burst_error_rate_is_traffic_weighted(burst: Run,
                                              error_burst_prometheus: PrometheusServer) -> None:
    """The issue's peak-hour incident: Σbad / Σtotal, not the mean of per-minute ratios."""
    lo = day_clock(BURST_DAY, 0)
    with httpx.Client(timeout=60) as client:
        def series(expr: str) -> np.ndarray:
            answer = client.get(f"{error_burst_prometheus.url}/api/v1/query_range", params={
                "query": expr, "start": lo, "end": lo + DAY - 60, "step": 60}).json()
            (result,) = answer["data"]["result"]
            return np.array([float(v) for _, v in result["values"]])

        good = series('sum(rate(http_requests_total{job="checkout-api",code!~"5.."}[5m]))')
        total = series('sum(rate(http_requests_total{job="checkout-api"}[5m]))')
    assert good.size == total.size == 1440
    weighted = 100 * float(np.sum(total - good) / np.sum(total))
    mean_of_ratios = 100 * float(np.mean((total - good) / total))
    day5 = burst.day(BURST_DAY)["metrics_comparison"]
    assert day5["error_rate"]["value"] == pytest.approx(weighted, rel=1e-5)
    assert day5["availability"]["value"] == pytest.approx(100 - weighted, rel=1e-6)
    assert burst.day(BURST_DAY)["slo"]["availability"]["sli_percent"] == \
        pytest.approx(100 - weighted, rel=1e-6)
    # the burst sits on the traffic peak: the mean of ratios under-reads it by a third
    assert weighted == pytest.approx(1.418, abs=0.01)
    assert mean_of_ratios == pytest.approx(1.016, abs=0.01)
    # and the ground truth: the scenario's own counters, 5xx over all requests of the day
    samples = generate(error_burst())
    grid = samples.times
    bad = every = 0.0
    for s in samples.select("http_requests_total"):
        increments = np.diff(s.values)
        inside = (grid[1:] > lo) & (grid[1:] <= lo + DAY)
        n = float(np.nansum(increments[inside]))
        every += n
        bad += n if dict(s.labels)["code"].startswith("5") else 0.0
    assert day5["error_rate"]["value"] == pytest.approx(100 * bad / every, rel=0.002)


def test_burst_is_one_anomaly_episode_of_about_3_hours(burst: Run) -> None:
    episodes = burst.load("anomalies/anomaly_events.json")["episodes"]
    for kpi, direction in (("error_rate", "up"), ("availability", "down")):
        mine = [e for e in episodes if e["kpi"] == kpi and e["day"] == BURST_DAY]
        assert len(mine) == 1, (kpi, mine)
        (e,) = mine
        assert e["direction"] == direction
        start, end = at(e["start"]), at(e["end"])
        assert abs(start - day_clock(5, 13)) <= 15 * 60, e
        assert abs(end - day_clock(5, 16)) <= 15 * 60, e
        assert 2.75 * 3600 <= end - start <= 3.25 * 3600, e


def test_burst_week_ends_recovered(burst: Run) -> None:
    final = burst.retro()["final_recommendation"]
    assert final["decision"] == "recovered"
    assert "day 5" in final["headline"] and "recovered from day 6" in final["headline"]
    assert [c.split(":")[0] for c in final["changes"]] == ["Day 5", "Day 6"]
    assert "monitor → immediate rollback" in final["changes"][0]
    assert "immediate rollback → monitor" in final["changes"][1]
    # what cleared, in each KPI's bad direction (availability fell: "-1.4% (worse)", never
    # "+1.4%") and the SLO by its alerts, not by the drift of the KPI that shares its name
    word = r"\((?:worse|better|unchanged)\)"
    assert re.search(rf"availability \S+% {word} on day 6, was -1\.4% \(worse\)",
                     final["changes"][1]), final["changes"][1]
    assert re.search(rf"error_rate \S+% {word} on day 6, was \+\S+% \(worse\)",
                     final["changes"][1]), final["changes"][1]
    peak = max(a["peak_burn"] for a in burst.day(BURST_DAY)["slo_burn"]["availability"]["alerts"])
    assert f"SLO availability: no burn-rate alert on day 6, was up to {peak:.1f}×" in \
        final["changes"][1]
    assert [r for r in final["reasons"] if r.startswith("SLO availability burned")
            and r.endswith("(P0) cleared; no burn-rate alert on day 7")]
    rollback = burst.day(BURST_DAY)["rollback_recommendation"]
    assert rollback["decision"] == "immediate_rollback" and "p0_band" in rollback["rules"]


def test_daily_runs_fail_on_the_burst_day_only(error_burst_prometheus: PrometheusServer,
                                               burst: Run, tmp_path: Path) -> None:
    """Days 0–4 caught up, then the scheduled runs of days 5, 6 and 7, one day each, as
    GitHub Actions jobs: exit code, step outputs, job summary and annotations agree."""
    reports, github = tmp_path / "reports", tmp_path / "github"
    github.mkdir()
    runs, outputs, summaries = [], [], []
    for d in (4, 5, 6, 7):
        summary, output = github / f"summary-{d}.md", github / f"output-{d}.txt"
        runs.append(tars_run(error_burst_prometheus.url, reports, now=after_day(d), env={
            "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_OUTPUT": str(output)}))
        outputs.append(dict(line.split("=", 1) for line in output.read_text("utf-8").splitlines()
                            if "=" in line and "<<" not in line))
        summaries.append(summary.read_text("utf-8"))
    assert [r.code for r in runs] == [0, 1, 0, 0]
    assert [o["result"] for o in outputs] == ["passing", "failing", "passing", "passing"]
    assert [o["failing_days"] for o in outputs] == ["[]", "[5]", "[]", "[]"]
    assert (outputs[1]["max_priority"], outputs[1]["rollback"]) == ("P0", "immediate_rollback")
    assert ["**Result: failing**" in s for s in summaries] == [False, True, False, False]
    errors = [[line for line in r.out.splitlines() if line.startswith("::error")] for r in runs]
    assert [bool(e) for e in errors] == [False, True, False, False]
    assert any("SLO availability burned its error budget" in line for line in errors[1])
    assert "day 5: immediate rollback recommended" in runs[1].out
    # day by day or caught up, the history is the same, byte for byte
    assert runs[-1].retro()["final_recommendation"] == burst.retro()["final_recommendation"]
    assert tree(reports) == tree(burst.reports)


# --------------------------------------------------------------------------- latency steps


def two_runs(server: PrometheusServer, reports: Path) -> tuple[Run, Run]:
    """Days 0–6 caught up, then the scheduled run that processes day 7 alone."""
    return (tars_run(server.url, reports, now=after_day(6)),
            tars_run(server.url, reports, now=after_day(7)))


def test_a_step_regression_that_persists_ends_in_rollback(
        latency_step_prometheus: PrometheusServer, tmp_path: Path) -> None:
    early, last = two_runs(latency_step_prometheus, tmp_path)
    assert (early.code, last.code) == (1, 1)  # day 7's own job is red too
    assert "day 7: rollback recommended" in last.out
    days = last.days()
    p99_drift = LATENCY_STEP["p99_ms"] / 120.0 * 100  # +62.5 %
    for n, summary in days.items():
        decision = summary["rollback_recommendation"]["decision"]
        p99 = summary["metrics_comparison"]["p99_latency_ms"]
        if n < 3:
            assert (decision, urgent(summary)) == ("monitor", []), n
        elif n == 3:  # the step lands at 10:00: 14 of 24 hours
            assert ("p99_latency_ms:degradation", "P1") in urgent(summary)
            assert p99["drift_percent"] == pytest.approx(p99_drift * 14 / 24, abs=1.5)
        else:
            assert decision in ROLLBACK_CLASS and "slo_drift" in \
                summary["rollback_recommendation"]["rules"], n
            assert ("p99_latency_ms:degradation", "P1") in urgent(summary), n
            assert p99["drift_percent"] == pytest.approx(p99_drift, abs=1.5), n
    final = last.retro()["final_recommendation"]
    assert final["decision"] in ROLLBACK_CLASS
    assert final["decision"] == "rollback"  # no P0 anywhere: a rollback, not an immediate one
    assert "still on day 7" in final["headline"]
    assert any("p99 latency" in r and "still present on day 7" in r for r in final["reasons"])


def test_a_step_regression_that_recovers_ends_recovered(
        latency_recovery_prometheus: PrometheusServer, tmp_path: Path) -> None:
    early, last = two_runs(latency_recovery_prometheus, tmp_path)
    assert (early.code, last.code) == (1, 0)  # days 2–3 failed their jobs; day 7's is green
    days = last.days()
    assert [n for n, s in days.items()
            if s["rollback_recommendation"]["decision"] in ROLLBACK_CLASS] == [2, 3]
    assert [n for n, s in days.items() if urgent(s)] == [2, 3]
    for n in (4, 5, 6, 7):
        assert days[n]["health_score"] >= 90, n
    final = last.retro()["final_recommendation"]
    assert final["decision"] == "recovered"
    assert final["headline"] == "rollback recommended on days 2–3; recovered from day 4"
    assert [c.split(":")[0] for c in final["changes"]] == ["Day 2", "Day 4"]


# --------------------------------------------------------------------------- noise


def test_noise_only_is_monitor_and_green(noise_prometheus: PrometheusServer,
                                         tmp_path: Path) -> None:
    run = tars_run(noise_prometheus.url, tmp_path)
    assert run.code == 0, run.out
    assert "failing" not in run.out
    for n, summary in run.days().items():
        assert urgent(summary) == [], n
        assert summary["health_score"] >= 90 and summary["health_band"] == "excellent", n
        assert summary["rollback_recommendation"]["decision"] == "monitor", n
        assert alerts(summary) == {} and alerts(summary, "latency_p99") == {}, n
    final = run.retro()["final_recommendation"]
    assert (final["decision"], final["changes"]) == ("monitor", [])
    assert final["headline"].startswith("monitor")


# --------------------------------------------------------------------------- the demo


def test_demo_retrospective_shows_each_days_burn_per_window(
        demo_prometheus: PrometheusServer, tmp_path: Path) -> None:
    """The demo's day-4 incident (error rate ≈ 0.14 % for 8 hours) burns at under 2×: no
    alert fires; its day-5 burst (8 % errors for 3 hours) pages. The SLO section shows every
    day's peak per window and the alerts that fired."""
    run = tars_run(demo_prometheus.url, tmp_path)
    assert run.code == 1  # P1 on day 2, P0 and a rollback on day 5
    days = run.days()
    slo = next(s for s in run.retro()["slos"] if s["name"] == "availability")
    assert slo["burn_windows"] == WINDOWS
    assert slo["burn_by_day"] == [{"day": n, "peaks": peaks(days[n])} for n in range(1, 8)]
    fired = {(a["day"], a["alert"], a["priority"]) for a in slo["burn_alerts"]}
    assert fired == {(5, "page_fast", "P0"), (5, "page_slow", "P1"), (5, "ticket_fast", "P2"),
                     (5, "ticket_slow", "P3")}
    burn = [f for f in days[5]["findings"] if f["kind"] == "slo_burn"]
    assert [(f["id"], f["priority"]) for f in burn] == [("slo:availability:burn", "P0")]
    day4 = peaks(days[4])
    assert max(day4.values()) == day4["5m"] and 1.0 < day4["5m"] < 14.4
    md = run.markdown()
    assert md.count("Peak burn rate by window") == 2
    assert [line for line in md.splitlines() if line.startswith("| 4 | ")
            and all(f"{day4[w]:,.2f}" in line for w in WINDOWS)]
