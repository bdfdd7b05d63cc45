"""Ratio KPIs: the day's value is Σnumerator / Σdenominator, weighted by traffic."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from tars_ci.analysis.kpis import (
    kpi_queries,
    measure_ratio,
    ratio_queries,
    ratio_values,
)
from tars_ci.analysis.slo import ratio_day
from tars_ci.sources.interface import NoData, Query, QueryFailed, Samples
from tars_ci.spec.model import KpiRatio, RatioSli, Slo
from tests.analysis.core_builders import example_spec, kpi, spec

STEP = 60.0
GRID = np.arange(1440, dtype=np.float64) * STEP
ERRORS = replace(kpi("error_rate", "lower"), query="",
                 ratio=KpiRatio(slo="availability", of="bad", scale=100))
AVAILABILITY = replace(kpi("availability", "higher"), query="",
                       ratio=KpiRatio(slo="availability", of="good", scale=100))
MISSES = replace(kpi("miss_rate", "lower"), query="",
                 ratio=KpiRatio(numerator="sum(rate(miss[5m]))",
                                denominator="sum(rate(req[5m]))", scale=100))


def series(values: np.ndarray, times: np.ndarray = GRID) -> Samples:
    return Samples(times, np.asarray(values, dtype=np.float64), {})


def peak_hour_day() -> tuple[np.ndarray, np.ndarray]:
    """(good, total): 100 req/step at night, 1,000 in the 18:00–20:00 peak; 1 % errors at
    night, 3 % during the peak."""
    total = np.full(1440, 100.0)
    peak = slice(18 * 60, 20 * 60)
    total[peak] = 1000.0
    share = np.full(1440, 0.01)
    share[peak] = 0.03
    return total * (1 - share), total


def test_a_peak_hour_incident_is_weighted_by_traffic_not_averaged() -> None:
    good, total = peak_hour_day()
    m = measure_ratio(ERRORS, series(good), series(total), GRID, STEP, complement=True)
    # per-minute mean: (1320·1 + 120·3)/1440 = 1.1667 %; weighted: (1320·1 + 120·30)/(1320 + 1200)
    mean_of_ratios = float(np.mean(100 * (1 - good / total)))
    assert mean_of_ratios == pytest.approx(100 * (1320 * 0.01 + 120 * 0.03) / 1440)
    assert (m.status, m.coverage, m.samples, m.reason) == ("ok", 1.0, 1440, "")
    assert m.value == pytest.approx(100 * (1320 * 100 * 0.01 + 120 * 1000 * 0.03)
                                    / (1320 * 100 + 120 * 1000))
    assert m.value == pytest.approx(1.952, abs=1e-3) and mean_of_ratios < m.value
    # the same number as the SLO's SLI of the day
    sli = ratio_day(1, good, total)
    assert sli.sli_percent is not None
    assert 100 - sli.sli_percent == pytest.approx(m.value)
    a = measure_ratio(AVAILABILITY, series(good), series(total), GRID, STEP)
    assert a.value == pytest.approx(100 - m.value)


def test_explicit_numerator_and_denominator() -> None:
    misses, requests = np.full(1440, 5.0), np.full(1440, 50.0)
    requests[:720] = 150.0
    m = measure_ratio(MISSES, series(misses), series(requests), GRID, STEP)
    assert m.value == pytest.approx(100 * 5 * 1440 / (150 * 720 + 50 * 720))


def test_steps_missing_either_part_are_left_out_and_lower_coverage() -> None:
    good, total = peak_hour_day()
    good[:360] = np.nan  # 6 h without the numerator
    half = series(total[720:], GRID[720:])  # the denominator only from noon
    m = measure_ratio(ERRORS, series(good), half, GRID, STEP, complement=True)
    assert (m.coverage, m.samples) == (0.5, 720)
    assert m.reason == "720 of 1440 steps lack the numerator or the denominator"
    assert m.value == pytest.approx(100 * (1 - good[720:].sum() / total[720:].sum()))


def test_no_traffic_is_no_data_with_a_reason_never_zero() -> None:
    zeros = np.zeros(1440)
    m = measure_ratio(ERRORS, series(zeros), series(zeros), GRID, STEP, complement=True)
    assert (m.status, m.value) == ("no_data", None)
    assert m.reason == "no traffic: the denominator sums to 0 over the 1440 steps with data"
    m = measure_ratio(ERRORS, series(np.full(1440, np.nan)), series(np.ones(1440)), GRID, STEP)
    assert (m.status, m.reason) == ("no_data",
                                    "no data: no step has both a numerator and a denominator")


def test_a_failed_part_is_an_error_with_the_servers_message_and_no_data_says_which() -> None:
    ok = series(np.ones(1440))
    failed = QueryFailed("sum(rate(req[5m])", "bad_data: 1:17: parse error: unclosed left paren")
    m = measure_ratio(MISSES, ok, failed, GRID, STEP)
    assert (m.status, m.value) == ("error", None)
    assert m.reason == ("denominator query failed: bad_data: 1:17: parse error: unclosed left "
                        "paren (query: sum(rate(req[5m]))")
    m = measure_ratio(MISSES, NoData("no series matched"), ok, GRID, STEP)
    assert (m.status, m.reason) == ("no_data", "no data for the numerator: no series matched")


def test_an_slo_share_is_clipped_against_extrapolation_noise() -> None:
    total = np.full(1440, 100.0)
    good = total * 1.0001  # rate() extrapolation: good a hair above total
    m = measure_ratio(AVAILABILITY, series(good), series(total), GRID, STEP)
    assert m.value == 100.0
    e = measure_ratio(ERRORS, series(good), series(total), GRID, STEP, complement=True)
    assert e.value == 0.0


def test_per_step_ratio_series() -> None:
    n = np.array([1.0, 2.0, np.nan, 1.0])
    d = np.array([10.0, 0.0, 5.0, 4.0])
    out = ratio_values(MISSES, n, d)
    np.testing.assert_allclose(out, [10.0, np.nan, np.nan, 25.0])
    bad = ratio_values(ERRORS, np.array([9.0]), np.array([10.0]), complement=True)
    np.testing.assert_allclose(bad, [10.0])


def test_queries_of_ratio_kpis() -> None:
    slo = Slo("availability", 99.9, ratio=RatioSli("sum(rate(ok[5m]))", "sum(rate(all[5m]))"))
    s = replace(spec(ERRORS, AVAILABILITY, MISSES, kpi("cpu")), slos=(slo,))
    parts = ratio_queries(ERRORS, s)
    assert parts == (Query("slo:availability:good", "sum(rate(ok[5m]))"),
                     Query("slo:availability:total", "sum(rate(all[5m]))"), True)
    assert ratio_queries(AVAILABILITY, s).complement is False
    assert ratio_queries(MISSES, s) == (Query("miss_rate:numerator", "sum(rate(miss[5m]))"),
                                        Query("miss_rate:denominator", "sum(rate(req[5m]))"),
                                        False)
    assert [q.name for q in kpi_queries(s)] == [
        "slo:availability:good", "slo:availability:total", "miss_rate:numerator",
        "miss_rate:denominator", "cpu"]  # the SLO's series once, for both KPIs
    with pytest.raises(ValueError, match="not a ratio KPI"):
        ratio_queries(kpi("cpu"), s)



def test_the_example_spec_measures_availability_and_error_rate_as_ratios() -> None:
    s = example_spec()
    for name, of in (("availability", "good"), ("error_rate", "bad")):
        k = s.kpi(name)
        assert k.query == "" and k.ratio == KpiRatio(slo="availability", of=of, scale=100)
    names = [q.name for q in kpi_queries(s)]
    assert "availability" not in names and "error_rate" not in names
    assert names[:2] == ["slo:availability:good", "slo:availability:total"]
