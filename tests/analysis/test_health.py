"""health.health_score: hand-computed scores, bands, the breakdown, and monotonicity."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tars_ci.analysis.drift import Comparison, compare, status_for
from tars_ci.analysis.health import health_band, health_score, penalty_for
from tars_ci.spec.model import SEVERITIES, Band, HealthSettings, Severity
from tests.analysis.core_builders import day_comparisons, example_spec, kpi, ok

HS = HealthSettings()  # penalties .1 / .3 / .6 / 1.0, 2 points per episode capped at 10


def judged(name: str, severity: Severity | None, drift: float | None = 12.0) -> Comparison:
    """A comparison with data and the given severity."""
    return Comparison(name, status_for(severity), 1.0, 1.0, drift, drift, severity, None, 1.0,
                      "")


def nodata(name: str, status: str = "no_data") -> Comparison:
    return Comparison(name, status, None, 1.0, None, None, None, None, 0.0,  # type: ignore[arg-type]
                      "today's value missing")


KPIS = (kpi("a", weight=30, critical=True), kpi("b", weight=25), kpi("c", weight=15),
        kpi("d", weight=5), kpi("e", weight=25))  # Σ weight = 100


def test_hand_computed_score() -> None:
    comparisons = {"a": judged("a", None), "b": judged("b", "medium", 20.0),
                   "c": judged("c", "high", 35.0), "d": nodata("d"), "e": judged("e", "low")}
    h = health_score(3, KPIS, comparisons, 2, HS)
    # d has no data: its weight 5 leaves the denominator (95).
    # lost: 25·.3 + 15·.6 + 25·.1 = 7.5 + 9 + 2.5 = 19 of 95 → 80; 2 episodes · 2 → 76
    assert (h.day, h.score, h.band) == (3, 76.0, "good")
    assert (h.anomaly_episodes, h.anomaly_points_lost) == (2, 4.0)
    assert [(c.kpi, c.status, c.penalty, c.points_lost) for c in h.contributions] == [
        ("a", "pass", 0.0, 0.0), ("b", "warning", 0.3, pytest.approx(7.5 * 100 / 95)),
        ("c", "fail", 0.6, pytest.approx(9.0 * 100 / 95)), ("d", "no_data", 0.0, 0.0),
        ("e", "warning", 0.1, pytest.approx(2.5 * 100 / 95))]
    assert h.contributions[1].explanation == \
        "severity medium (drift +20.0%): 0.3 × weight 25 of 95 → 7.9 points lost"
    assert h.contributions[3].explanation == (
        "not scored (no data for the day): its weight 5 leaves the denominator, so it neither "
        "lowers nor raises the score")
    assert h.contributions[0].explanation == "no severity: 0 × weight 30 of 95 → 0.0 points lost"
    assert [(d.kpi, d.severity, d.drift_percent) for d in h.degradations] == [
        ("b", "medium", 20.0), ("c", "high", 35.0), ("e", "low", 12.0)]
    assert (h.coverage, h.data_note) == (1.0, "left out of the score for lack of data: d")


def test_unequal_weights_are_normalised() -> None:
    kpis = (kpi("x", weight=3), kpi("y", weight=1))
    h = health_score(1, kpis, {"x": judged("x", "critical"), "y": judged("y", None)}, 0, HS)
    assert h.score == 25.0  # 100 · (1 − 3·1.0 / 4)
    assert h.band == "poor"


def test_anomaly_points_are_capped() -> None:
    kpis = (kpi("x"),)
    h = health_score(1, kpis, {"x": judged("x", None)}, 7, HS)  # 7 · 2 = 14 → cap 10
    assert (h.score, h.anomaly_points_lost, h.band) == (90.0, 10.0, "excellent")


def test_score_is_clipped_at_zero() -> None:
    h = health_score(1, (kpi("x"),), {"x": judged("x", "critical")}, 3, HS)
    assert (h.score, h.band) == (0.0, "poor")


def test_missing_data_neither_lowers_nor_raises_the_score() -> None:
    kpis = (kpi("x", weight=1), kpi("y", weight=1), kpi("z", weight=2, critical=True))
    h = health_score(1, kpis, {"x": nodata("x", "error"), "z": judged("z", None)}, 0, HS)
    assert (h.score, h.band) == (100.0, "excellent")  # z (critical) fully covered
    assert [c.status for c in h.contributions] == ["error", "no_data", "pass"]
    assert h.contributions[0].explanation.startswith("not scored (the query failed)")
    assert h.contributions[1].explanation.startswith("not scored (no comparison was computed)")
    assert h.degradations == ()
    # the same day with z high: only z's weight is scored, so the score is z's alone
    worse = health_score(1, kpis, {"x": nodata("x"), "z": judged("z", "high")}, 0, HS)
    assert worse.score == 40.0
    with_x = health_score(1, kpis, {"x": judged("x", "critical"), "y": judged("y", None),
                                    "z": judged("z", "high")}, 0, HS)
    assert with_x.score == pytest.approx(100 * (1 - (1 + 2 * 0.6) / 4))


def test_no_weighted_kpi_with_data_has_no_score() -> None:
    kpis = (kpi("x", weight=1), kpi("y", weight=0))
    h = health_score(1, kpis, {"y": judged("y", None)}, 3, HS)
    assert (h.score, h.band) == (None, "insufficient_data")
    assert h.data_note == ("KPI x has data for 0.0% of the day, below the 80% needed for a "
                           "verdict; left out of the score for lack of data: x; no weighted KPI "
                           "has data: no score")


@pytest.mark.parametrize(("coverage", "band"), [(1.0, "excellent"), (0.8, "excellent"),
                                                (0.79, "insufficient_data"),
                                                (0.0, "insufficient_data")])
def test_low_critical_coverage_is_insufficient_data_not_a_band(coverage: float,
                                                               band: str) -> None:
    kpis = (kpi("crit", weight=1, critical=True), kpi("other", weight=9))
    comps = {"crit": judged("crit", None)._replace(coverage=coverage),
             "other": judged("other", None)._replace(coverage=0.1)}  # not critical: not gauged
    h = health_score(1, kpis, comps, 0, HS)
    assert (h.score, h.band, h.coverage) == (100.0, band, coverage)


def test_insufficient_data_is_never_poor_either() -> None:
    kpis = (kpi("crit", weight=1, critical=True), kpi("other", weight=1, critical=True))
    comps = {"crit": judged("crit", "critical"), "other": nodata("other")}
    h = health_score(1, kpis, comps, 5, HS)
    assert (h.score, h.band) == (0.0, "insufficient_data")
    assert h.data_note.startswith("critical KPI other has data for 0.0% of the day")
    assert health_score(1, kpis, comps, 5, HealthSettings(min_coverage=0)).band == "poor"


def test_zero_weight_kpi_costs_nothing() -> None:
    kpis = (kpi("x", weight=0), kpi("y", weight=2))
    h = health_score(1, kpis, {"x": nodata("x"), "y": judged("y", None)}, 0, HS)
    assert h.score == 100.0
    assert h.contributions[0].points_lost == 0.0


@pytest.mark.parametrize(("critical_weight", "score", "band"), [
    (1, 90.0, "excellent"), (3, 70.0, "good"), (5, 50.0, "fair"), (6, 40.0, "poor"),
])
def test_band_boundaries_belong_to_the_upper_band(critical_weight: int, score: float,
                                                   band: str) -> None:
    kpis = (kpi("x", weight=critical_weight), kpi("y", weight=10 - critical_weight))
    h = health_score(1, kpis, {"x": judged("x", "critical"), "y": judged("y", None)}, 0, HS)
    assert (h.score, h.band) == (score, band)


def test_health_band_just_below_boundaries() -> None:
    assert [health_band(s, HS) for s in (100, 89.99, 69.99, 49.99, 0)] == [
        "excellent", "good", "fair", "poor", "poor"]


def test_bands_floor_the_severity_of_a_value_inside_them() -> None:
    s = example_spec()
    comparisons = day_comparisons(s, {"availability": 98.9})  # −1.05%, beyond limit → high
    without = health_score(1, s.kpis, comparisons, 0, s.thresholds.health)
    with_bands = health_score(1, s.kpis, comparisons, 0, s.thresholds.health,
                              bands=s.priorities.bands)
    # Σ weight = 100; availability (weight 30): high 0.6 → 18 lost; P0 band critical → 30 lost
    assert without.score == pytest.approx(82.0)
    assert with_bands.score == pytest.approx(70.0)
    assert with_bands.contributions[0].explanation == (
        "severity critical (drift -1.1%) (value in band P0): 1 × weight 30 of 100 "
        "→ 30.0 points lost")


def test_example_spec_day() -> None:
    s = example_spec()
    comparisons = day_comparisons(s, {"p99_latency_ms": 165.0, "error_rate": 0.08,
                                      "cpu_percent": 52.2, "memory_percent": None})
    h = health_score(2, s.kpis, comparisons, 1, s.thresholds.health, bands=s.priorities.bands)
    # p99 high 15·.6 = 9; error_rate medium 25·.3 = 7.5; cpu medium 5·.3 = 1.5 → 18 lost;
    # memory (weight 5) has no data: 18 of 95 → 81.05; one episode: 2 → 79.05
    assert (h.score, h.band) == (pytest.approx(100 * (1 - 18 / 95) - 2), "good")


def test_invalid_input_is_refused() -> None:
    with pytest.raises(ValueError, match="weight > 0"):
        health_score(1, (kpi("x", weight=0),), {}, 0, HS)
    with pytest.raises(ValueError, match="anomaly_episodes"):
        health_score(1, (kpi("x"),), {}, -1, HS)


def test_penalty_for() -> None:
    assert [penalty_for(s, HS) for s in (None, *SEVERITIES)] == [0.0, 0.1, 0.3, 0.6, 1.0]


def test_band_uses_the_comparison_value() -> None:
    x = kpi("x", "lower")
    c = compare(x, ok(3.0), ok(3.0), example_spec().thresholds.drift)
    h = health_score(1, (x,), {"x": c}, 0, HS, bands=(Band("x", P1=2.0),))
    assert (h.score, h.contributions[0].severity) == (40.0, "high")  # 100 · (1 − 0.6)


# --------------------------------------------------------------------------- properties

LEVELS: tuple[Severity | None, ...] = (None, *SEVERITIES)
state = st.one_of(st.sampled_from(LEVELS), st.just("no_data"))
day = st.lists(st.tuples(st.floats(0, 100), state), min_size=1, max_size=8).filter(
    lambda kpis: sum(w for w, _ in kpis) > 0)
penalties = st.lists(st.floats(0, 1), min_size=4, max_size=4).map(sorted)


def build(day_kpis: list[tuple[float, object]]) -> tuple[tuple, dict[str, Comparison]]:
    kpis = tuple(kpi(f"k{i}", weight=w) for i, (w, _) in enumerate(day_kpis))
    comps = {f"k{i}": nodata(f"k{i}") if s == "no_data" else judged(f"k{i}", s)  # type: ignore[arg-type]
             for i, (_, s) in enumerate(day_kpis)}
    return kpis, comps


def worse(s: object, data: st.DataObject) -> object:
    """A strictly worse severity (no data stays no data: it is not scored at all)."""
    if s == "no_data":
        return s
    rank = LEVELS.index(s)
    return data.draw(st.sampled_from(LEVELS[rank + 1:])) if rank + 1 < len(LEVELS) else s


def score_or_none(kpis: tuple, comps: dict[str, Comparison], episodes: int,
                  hs: HealthSettings = HS) -> float | None:
    return health_score(1, kpis, comps, episodes, hs).score


@settings(max_examples=300, deadline=None)
@given(day=day, pens=penalties, episodes=st.integers(0, 20), data=st.data())
def test_a_worse_kpi_never_raises_the_score(day: list, pens: list[float], episodes: int,
                                             data: st.DataObject) -> None:
    hs = HealthSettings(penalty_low=pens[0], penalty_medium=pens[1], penalty_high=pens[2],
                        penalty_critical=pens[3])
    kpis, before = build(day)
    i = data.draw(st.integers(0, len(day) - 1))
    changed = list(day)
    changed[i] = (day[i][0], worse(day[i][1], data))
    _, after = build(changed)
    old, new = score_or_none(kpis, before, episodes, hs), score_or_none(kpis, after, episodes, hs)
    assert (old is None) == (new is None)
    assert old is None or new is None or new <= old


@settings(max_examples=200, deadline=None)
@given(day=day, data=st.data(), episodes=st.integers(0, 20))
def test_a_kpi_without_data_is_left_out_not_scored(day: list, data: st.DataObject,
                                                   episodes: int) -> None:
    """Dropping a KPI's data scores the day exactly as if the KPI were not in the spec."""
    kpis, comps = build(day)
    i = data.draw(st.integers(0, len(day) - 1))
    dropped = {**comps, f"k{i}": nodata(f"k{i}")}
    without = tuple(k for k in kpis if k.name != f"k{i}")
    rest = {k: v for k, v in comps.items() if k != f"k{i}"}
    # no KPI here is critical, so every KPI is gauged: one without data leaves no verdict
    assert health_score(1, kpis, dropped, episodes, HS).band == "insufficient_data"
    if not any(k.weight > 0 for k in without):
        assert score_or_none(kpis, dropped, episodes) is None
        return
    expected = score_or_none(without, rest, episodes)
    got = score_or_none(kpis, dropped, episodes)
    assert (got is None) == (expected is None)  # None: every weighted KPI lacks data
    assert got is None or expected is None or abs(got - expected) < 1e-6


@settings(max_examples=200, deadline=None)
@given(day=day, episodes=st.integers(0, 20), more=st.integers(1, 20))
def test_more_anomaly_episodes_never_raise_the_score(day: list, episodes: int, more: int) -> None:
    kpis, comps = build(day)
    fewer = score_or_none(kpis, comps, episodes)
    extra = score_or_none(kpis, comps, episodes + more)
    assert (fewer is None) == (extra is None)
    if fewer is not None and extra is not None:
        assert extra <= fewer
        assert 0.0 <= extra <= 100.0
