"""Cost analysis: GA day vs the program's average day; numbers worked out by hand."""

from __future__ import annotations

import pytest

from tars_ci.analysis.cost import change_percent, cost_report
from tars_ci.reports.jsonio import dumps
from tars_ci.spec.model import Kpi

COMPUTE = Kpi("cost_compute_usd_per_hour", "q", unit="usd_per_hour", better="lower", title="Compute cost",
              cost=True)
STORAGE = Kpi("cost_storage_usd_per_hour", "q", unit="usd_per_hour", better="lower", title="Storage cost",
              cost=True)
NETWORK = Kpi("cost_network_usd_per_hour", "q", unit="usd_per_hour", better="lower", cost=True)
LATENCY = Kpi("p95_latency_ms", "q", unit="ms", better="lower")
KPIS = (LATENCY, COMPUTE, STORAGE, NETWORK)

# GA day: 10 + 1.5 + 1 = 12.5 $/h. Days 1..7: compute 10.5, 11, 11.5, 11.5, 12, 12, 12
# (mean 80.5 / 7 = 11.5) plus 2.5 → totals 13, 13.5, 14, 14, 14.5, 14.5, 14.5 $/h.
RATES: dict[str, dict[int, float | None]] = {
    "cost_compute_usd_per_hour": {0: 10.0, 1: 10.5, 2: 11.0, 3: 11.5, 4: 11.5, 5: 12.0,
                                  6: 12.0, 7: 12.0},
    "cost_storage_usd_per_hour": {d: 1.5 for d in range(8)},
    "cost_network_usd_per_hour": {d: 1.0 for d in range(8)},
    "p95_latency_ms": {d: 150.0 for d in range(8)},  # not a cost: ignored
}


def test_ga_day_300_against_an_average_day_336() -> None:
    # 12.5 $/h · 24 = 300 $/day; average 14.0 $/h · 24 = 336 $/day: +12.0 %;
    # monthly 336 · 30 = 10,080 against 300 · 30 = 9,000.
    report = cost_report(KPIS, RATES, 7)
    assert report.ga_day_total == pytest.approx(300.0)
    assert report.average_daily == pytest.approx(336.0)
    assert report.change_percent == pytest.approx(12.0)
    assert report.monthly_projection == pytest.approx(10080.0)
    assert report.ga_monthly == pytest.approx(9000.0)
    assert report.days_with_data == 7
    assert report.notes == ()
    # 13 · 24 = 312, 13.5 · 24 = 324, 14 · 24 = 336, 14.5 · 24 = 348 (exact in binary)
    assert report.daily_totals == (
        (1, 312.0), (2, 324.0), (3, 336.0), (4, 336.0), (5, 348.0), (6, 348.0), (7, 348.0))


def test_breakdown_per_component_adds_up() -> None:
    # Compute: 240 → 11.5 · 24 = 276 $/day (+15 %); storage 36 → 36; network 24 → 24.
    report = cost_report(KPIS, RATES, 7)
    assert [c.kpi for c in report.breakdown] == [COMPUTE.name, STORAGE.name, NETWORK.name]
    compute, storage, network = report.breakdown
    assert (compute.kpi, compute.title) == (COMPUTE.name, "Compute cost")
    assert (compute.ga_day, compute.average, compute.change_percent) == (
        pytest.approx(240.0), pytest.approx(276.0), pytest.approx(15.0))
    assert (storage.ga_day, storage.average, storage.change_percent) == (
        pytest.approx(36.0), pytest.approx(36.0), pytest.approx(0.0))
    assert network.title == NETWORK.name  # no title: the name
    assert sum(c.average or 0 for c in report.breakdown) == pytest.approx(336.0)


def test_a_missing_component_makes_the_day_unknown_not_smaller() -> None:
    # Storage has no data on day 3: day 3's total is None (not 11.5 + 1 = 12.5 $/h).
    # The other six days: 312 + 324 + 336 + 348 · 3 = 2016 → 2016 / 6 = 336 $/day.
    rates = {k: dict(v) for k, v in RATES.items()}
    rates["cost_storage_usd_per_hour"][3] = None
    report = cost_report(KPIS, rates, 7)
    assert dict(report.daily_totals)[3] is None
    assert report.days_with_data == 6
    assert report.average_daily == pytest.approx(336.0)
    # Compute over the same six days: (10.5 + 11 + 11.5 + 12 · 3) · 24 / 6 = 276.
    assert report.breakdown[0].average == pytest.approx(276.0)
    note = ("day 3: no data for Storage cost (cost_storage_usd_per_hour); the day's total is "
            "unknown and left out of the average")
    assert report.notes == (note,)


def test_missing_ga_day_leaves_the_change_unknown() -> None:
    rates = {k: {d: r for d, r in v.items() if d != 0} for k, v in RATES.items()}
    report = cost_report(KPIS, rates, 7)
    assert report.ga_day_total is None and report.ga_monthly is None
    assert report.change_percent is None
    assert report.average_daily == pytest.approx(336.0)
    assert all(c.change_percent is None for c in report.breakdown)
    assert len(report.notes) == 1 and report.notes[0].startswith("GA day: no data for")


def test_non_finite_rate_is_no_data() -> None:
    rates = {k: dict(v) for k, v in RATES.items()}
    rates["cost_network_usd_per_hour"][7] = float("nan")
    report = cost_report(KPIS, rates, 7)
    assert dict(report.daily_totals)[7] is None
    assert report.days_with_data == 6


def test_no_complete_day() -> None:
    report = cost_report(KPIS, {"cost_compute_usd_per_hour": {0: 10.0, 1: 11.0}}, 2)
    assert report.daily_totals == ((1, None), (2, None))
    assert report.average_daily is None and report.monthly_projection is None
    assert report.days_with_data == 0
    assert report.notes[-1] == "no complete day among days 1..2: no average or projection"


def test_one_day_program() -> None:
    report = cost_report([COMPUTE], {COMPUTE.name: {0: 10.0, 1: 12.5}}, 1)
    assert report.daily_totals == ((1, 300.0),)
    assert report.change_percent == pytest.approx(25.0)  # 240 → 300


def test_no_cost_kpis() -> None:
    report = cost_report([LATENCY], RATES, 3)
    assert report.breakdown == () and report.ga_day_total is None
    assert report.daily_totals == ((1, None), (2, None), (3, None))
    assert report.notes == ("no cost KPIs (cost: true) in the spec",)


def test_zero_ga_cost() -> None:
    report = cost_report([COMPUTE], {COMPUTE.name: {0: 0.0, 1: 1.0}}, 1)
    assert report.ga_day_total == 0.0 and report.change_percent is None
    assert "GA-day cost is 0" in report.notes[-1]
    free = cost_report([COMPUTE], {COMPUTE.name: {0: 0.0, 1: 0.0}}, 1)
    assert free.change_percent == 0.0 and free.notes == ()


def test_a_cost_kpi_not_reduced_by_mean_is_flagged() -> None:
    peak = Kpi("cost_peak", "q", unit="usd_per_hour", better="lower", cost=True, aggregate="p95")
    report = cost_report([peak], {"cost_peak": {0: 1.0, 1: 1.0}}, 1)
    assert "reduces its day by p95, not mean" in report.notes[0]


def test_days_must_be_positive() -> None:
    with pytest.raises(ValueError):
        cost_report(KPIS, RATES, 0)


def test_change_percent() -> None:
    assert change_percent(336.0, 300.0) == pytest.approx(12.0)
    assert change_percent(-2.0, -4.0) == pytest.approx(50.0)  # relative to |base|
    assert change_percent(0.0, 0.0) == 0.0
    assert change_percent(5.0, 0.0) is None
    assert change_percent(None, 1.0) is None and change_percent(1.0, None) is None


def test_report_is_json_writable() -> None:
    text = dumps(cost_report(KPIS, {COMPUTE.name: {0: 10.0}}, 2))
    assert "NaN" not in text and '"average_daily": null' in text
