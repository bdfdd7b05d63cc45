"""analysis.anomaly: filters by hand, tail surprise, the detector's contract (online, NaN,
warm-up, monotone, vectorised), what it is for (seasonality, direction, one alarm per event),
episodes from hand-built scores, and a pinned NAB-style score on a labelled synthetic set."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest

from tars_ci.analysis import anomaly
from tars_ci.analysis.anomaly import Episode, Scores, detector, episodes, filters, score, stream
from tars_ci.analysis.anomaly.tails import normal_surprise, poisson_surprise
from tars_ci.spec.model import AnomalySettings

S = AnomalySettings()
HOUR = 3600.0


def noise(n: int, seed: int, sd: float = 1.0, level: float = 100.0) -> np.ndarray:
    return level + sd * np.random.default_rng(seed).standard_normal(n)


# --------------------------------------------------------------------------- filters


def test_ewma_by_hand_skips_missing_samples() -> None:
    x = np.array([[1.0, 3.0, np.nan, 5.0]])
    # weights ½, ¼, ⅛ renormalised: (2.5 + 0.75 + 0.125) / 0.875
    assert filters.ewma(x, 0.5)[0] == pytest.approx([1.0, 7 / 3, 7 / 3, 3.375 / 0.875])
    assert np.isnan(filters.ewma(np.array([[np.nan, 2.0]]), 0.5)[0, 0])


@pytest.mark.parametrize("alpha", [0.001, 0.05, 0.5, 0.97, 1.0])
def test_ewma_equals_the_step_by_step_recursion(alpha: float) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(1e6, 100.0, size=(3, 3000))
    x[1, 40:900] = np.nan
    x[2, rng.random(3000) < 0.3] = np.nan
    expected = np.full(x.shape, np.nan)
    for s in range(3):
        num = den = 0.0
        for t in range(x.shape[1]):
            if not np.isnan(x[s, t]):
                num, den = (1 - alpha) * num + alpha * x[s, t], (1 - alpha) * den + alpha
            if den > 0:
                expected[s, t] = num / den
    got = filters.ewma(x, alpha)
    assert np.allclose(got, expected, rtol=1e-12, atol=0, equal_nan=True)


def test_seasonal_ewma_reads_the_same_phase_of_earlier_periods() -> None:
    x = np.arange(1.0, 10.0)[None, :]  # periods of 3: [1 2 3] [4 5 6] [7 8 9]
    got = filters.seasonal_ewma(x, 3, 0.5)[0]
    assert np.isnan(got[:3]).all()
    assert got[3:6] == pytest.approx([1, 2, 3])
    assert got[6] == pytest.approx((0.5 * 4 + 0.25 * 1) / 0.75)


def test_small_filters_by_hand() -> None:
    v = np.array([[4.0, 0.0, 0.0, 1.0, 0.0]])
    assert filters.decaying_max(v, 0.5)[0] == pytest.approx([0, 4, 2, 1, 1])
    assert filters.trailing_sum(np.ones((1, 4)), 2)[0] == pytest.approx([1, 2, 2, 2])
    wide = filters.neighbourhood_max(np.array([[0.0, 5.0, np.nan, 0.0, 0.0, 1.0]]), 1)
    assert wide[0] == pytest.approx([5, 5, 5, 0, 1, 1])
    lagged = filters.lag(np.array([[1.0, 2.0, 3.0]]), fill=0.0)
    assert lagged[0] == pytest.approx([0, 1, 2])


@pytest.mark.parametrize("window", [1, 2, 3, 7, 40, 200])
def test_trailing_max_is_the_max_of_the_previous_window_ignoring_missing(window: int) -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 97))
    x[rng.random(x.shape) < 0.2] = np.nan
    x[2] = np.nan  # a series without a sample: NaN everywhere
    want = np.full(x.shape, np.nan)
    for i, t in itertools.product(range(3), range(97)):
        seen = x[i, max(0, t - window):t]
        if np.isfinite(seen).any():
            want[i, t] = np.nanmax(seen)
    assert np.array_equal(filters.trailing_max(x, window), want, equal_nan=True)
    assert filters.trailing_max(x[:, :0], window).shape == (3, 0)


def test_on_schedule_finds_events_that_repeat_a_gap_twice() -> None:
    hit = np.zeros((2, 60), dtype=bool)
    hit[0, [5, 20, 35, 50, 52]] = True  # every 15 steps, plus a stray one
    hit[1, [0, 6, 20, 26, 40, 46]] = True  # pairs every 20 steps
    got = filters.on_schedule(hit, lookback=4, min_gap=10)
    assert np.flatnonzero(got[0]).tolist() == [35, 50]  # 52: 2 steps is a burst, not a period
    assert np.flatnonzero(got[1]).tolist() == [40, 46]
    assert not filters.on_schedule(hit, lookback=0, min_gap=10).any()


# --------------------------------------------------------------------------- tails


@pytest.mark.parametrize("seed", range(6))
def test_on_schedule_equals_the_definition_event_by_event(seed: int) -> None:
    rng = np.random.default_rng(seed)
    hit = rng.random((3, 400)) < (0.02, 0.1, 0.4)[seed % 3]
    hit[1, 7::23] = True  # a periodic job among random events
    lookback, min_gap, tolerance = 1 + seed % 4, 5, seed % 3
    want = np.zeros(hit.shape, dtype=bool)
    for i in range(3):
        events = np.flatnonzero(hit[i]).tolist()
        for j, t in enumerate(events):
            for e in events[max(0, j - lookback):j]:  # the last `lookback` earlier events
                g = t - e
                lo, hi = t - 2 * g - tolerance, t - 2 * g + tolerance
                if g >= min_gap and t - 2 * g >= 0 and hit[i, max(0, lo):hi + 1].any():
                    want[i, t] = True
    assert np.array_equal(filters.on_schedule(hit, lookback, min_gap, tolerance), want)
    assert want.any()


def test_normal_surprise_matches_known_quantiles_and_never_saturates() -> None:
    got = normal_surprise(np.array([-1.0, 0.0, 1.6448536, 5.0, 40.0]))
    assert got[:4] == pytest.approx([-math.log10(0.8413447), math.log10(2), -math.log10(0.05),
                                     -math.log10(2.8665157e-7)], rel=1e-6)
    assert 349 < got[4] < 350 and math.isfinite(got[4])  # P ≈ 3.6e-350: still distinct


def test_poisson_surprise_is_close_to_the_exact_tail_and_zero_below_the_mean() -> None:
    def exact(k: int, lam: float) -> float:
        below = sum(math.exp(-lam) * lam ** i / math.factorial(i) for i in range(k))
        return -math.log10(1 - below)

    cases = [(1, 0.1), (2, 0.1), (3, 1.0), (5, 1.0), (10, 2.0), (30, 10.0)]
    got = poisson_surprise(np.array([k for k, _ in cases], float),
                           np.array([lam for _, lam in cases]))
    for (k, lam), g in zip(cases, got):
        assert g == pytest.approx(exact(k, lam), rel=0.1), (k, lam)
    assert poisson_surprise(np.array([1.0, 2.0]), np.array([1.0, 3.0])).tolist() == [0, 0]


# --------------------------------------------------------------------------- the contract


def corpus() -> np.ndarray:
    """Four day-seasonal, spiky, gappy series at 5-minute steps."""
    t = np.arange(4 * 288)
    daily = 10 * np.sin(2 * np.pi * t / 288)
    x = np.vstack([noise(len(t), 1) + daily, noise(len(t), 2, 3.0), noise(len(t), 3) * 0 + 7,
                   noise(len(t), 4) + daily])
    x[1, 700] += 40
    x[3, 500:530] = np.nan
    x[0, ::97] = np.nan
    return x


def test_scores_are_in_unit_interval_and_missing_points_score_zero() -> None:
    x = corpus()
    s = score(x, S, 300)
    assert s.score.shape == s.z.shape == x.shape
    assert ((s.score >= 0) & (s.score < 1)).all()
    assert (s.score[np.isnan(x)] == 0).all() and np.isnan(s.z[np.isnan(x)]).all()
    assert np.isfinite(s.z[~np.isnan(x)]).all()


def test_online_a_prefix_scores_as_the_prefix_of_the_scores() -> None:
    x = corpus()
    full = score(x, S, 300)
    for cut in (1, 2, 60, 61, 286, 287, 288, 289, 290, 577, 701, x.shape[1] - 1):
        part = score(x[:, :cut], S, 300)
        assert np.allclose(part.score, full.score[:, :cut], rtol=1e-9, atol=1e-12), cut
        assert np.allclose(part.z, full.z[:, :cut], rtol=1e-9, atol=1e-9, equal_nan=True), cut


def test_vectorised_equals_one_series_at_a_time_and_blocks_do_not_matter(monkeypatch) -> None:
    x = corpus()
    together = score(x, S, 300)
    for i in range(x.shape[0]):
        alone = score(x[i:i + 1], S, 300)
        assert np.allclose(alone.score[0], together.score[i], rtol=1e-9, atol=1e-12)
    monkeypatch.setattr(detector, "BLOCK_CELLS", 1)  # one series per block
    assert np.allclose(score(x, S, 300).score, together.score, rtol=1e-9, atol=1e-12)


def test_missing_samples_leave_the_baselines_untouched() -> None:
    plain = dataclasses.replace(S, season_hours=0, count_windows=(), refractory=0.0)
    x = noise(600, 5)
    x[400] += 30
    gappy = np.concatenate([x[:300], np.full(50, np.nan), x[300:]])
    a, b = score(x[None], plain).score[0], score(gappy[None], plain).score[0]
    assert (b[300:350] == 0).all()
    assert b[350:] == pytest.approx(a[300:], rel=1e-9, abs=1e-12)


def test_warm_up_points_score_zero_whatever_they_are() -> None:
    x = noise(400, 6)
    x[30] += 1000
    x[300] += 1000
    s = score(x[None], S).score[0]
    assert S.warmup == 60 and s[:60].max() == 0
    assert s[300] > S.threshold


def test_score_rises_strictly_with_the_deviation_and_never_reaches_one() -> None:
    x = noise(500, 7)
    expected = anomaly.fit(x[None], S).expected[0, -1]  # the last point's own baseline
    last = []
    for dev in [0.5, 1, 2, 3, 5, 8, 20, 1e3, 1e6, 1e9]:
        x[-1] = expected - dev
        last.append(score(x[None], S).score[0, -1])
    assert all(a < b for a, b in itertools.pairwise(last)), last
    assert last[-1] < 1.0


def test_scale_free_and_safe_with_extreme_magnitudes() -> None:
    x = noise(800, 16, level=0.0)[None]
    x[0, 600] += 9
    base = anomaly.fit(x, S)
    for factor in (2.0 ** 900, 3.7, 1e-290):
        scaled = anomaly.fit(x * factor, S)
        assert np.allclose(scaled.score, base.score, rtol=1e-9, atol=1e-12), factor
        assert np.allclose(scaled.expected, base.expected * factor, rtol=1e-9, equal_nan=True)
    assert base.score[0, 600] > S.threshold


def test_period_steps() -> None:
    assert anomaly.period_steps(S, 60) == 1440
    assert anomaly.period_steps(S, 300.0) == 288
    assert anomaly.period_steps(dataclasses.replace(S, season_hours=0), 60) == 0
    assert anomaly.period_steps(S, 0) == 0
    assert anomaly.period_steps(S, 86400) == 0  # one point per period: nothing seasonal


def test_bad_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="2-D"):
        score(np.zeros(5), S)


# --------------------------------------------------------------------------- what it is for


def square_days(days: int, seed: int) -> np.ndarray:
    """Hourly data: 20 from 00:00 to 08:00, 80 from 08:00 to 18:00, then 20 — with noise."""
    hours = np.arange(days * 24) % 24
    return np.where((hours >= 8) & (hours < 18), 80.0, 20.0) + noise(days * 24, seed, 0.5, 0)


def test_a_daily_pattern_stops_alarming_and_a_missed_peak_alarms() -> None:
    x = square_days(10, 8)
    x[7 * 24 + 8: 7 * 24 + 18] = 20.0  # day 7: the daily peak does not happen
    s = score(x[None], dataclasses.replace(S, warmup=0), HOUR).score[0]
    flagged = np.flatnonzero(s >= S.threshold)
    assert flagged.min() < 3 * 24  # the pattern is new at first …
    assert not (s[3 * 24:7 * 24] >= S.threshold).any()  # … then expected every day
    assert 7 * 24 + 8 <= flagged[flagged >= 7 * 24].min() <= 7 * 24 + 9  # the missed peak


def test_one_days_spike_is_not_a_pattern_whose_absence_alarms_the_next_day() -> None:
    x = noise(4 * 288, 15)
    x[150] += 40  # day 0 only
    s = score(x[None], S, 300).score[0]
    assert s[150] >= S.threshold
    assert (s[151:] < S.threshold).all()  # no "missed spike" at 438 or 726


def test_a_drop_in_a_series_that_often_spikes_up_is_more_surprising_than_a_spike() -> None:
    # one baseline and no refractory (the last up-spike is never far): the tails alone decide
    plain = dataclasses.replace(S, season_hours=0, refractory=0.0)
    x = noise(3000, 9)
    x[np.random.default_rng(10).random(3000) < 0.02] += 12  # frequent upward spikes
    up, down = x.copy(), x.copy()
    up[2500] += 12
    down[2500] -= 12
    s_up = score(up[None], plain).score[0, 2500]
    s_down = score(down[None], plain).score[0, 2500]
    assert s_down > S.threshold > s_up


def saturating(n: int = 2016) -> np.ndarray:
    """A 5-minute series whose irregular bursts hit its ceiling (55), and once goes beyond."""
    x = noise(n, 35, 1.0, 40.0)
    bursts = np.cumsum(np.random.default_rng(34).integers(80, 260, size=20))
    x[bursts[bursts < n]] = 55.0
    x[1700] = 70.0
    return x


def test_a_first_excursion_beyond_the_recent_range_outranks_recurring_spikes() -> None:
    x = saturating()
    bursts = np.flatnonzero(x == 55.0)
    s = score(x[None], S, 300).score[0]
    later = bursts[1:]  # the window (a week) holds an earlier burst
    assert s[1700] > S.threshold and s[1700] > s[later].max() + 0.1
    assert anomaly.novelty_steps(S, 300) == 2016  # 168 hours of 5-minute steps
    # without the novelty test the excursion is no more surprising than the bursts
    off = score(x[None], dataclasses.replace(S, novelty_hours=0), 300).score[0]
    assert off[1700] < off[later].max()
    # the first burst is novel too: nothing like it before
    assert s[bursts[0]] > off[bursts[0]]


def test_a_level_shift_alarms_once_not_for_every_shifted_point() -> None:
    x = noise(1500, 11)
    x[1000:] += 15
    s = score(x[None], S).score[0]
    assert np.flatnonzero(s[1000:] >= S.threshold).tolist() == [0]
    off = score(x[None], dataclasses.replace(S, refractory=0.0)).score[0]
    assert (off[1000:] >= S.threshold).sum() > 5  # without the refractory: a run of alarms


def test_a_periodic_job_stops_alarming_and_an_off_schedule_spike_still_does() -> None:
    x = noise(3000, 14)
    x[np.arange(200, 3000, 150)] += 30  # a job every 150 steps
    x[2480] += 30  # and once off schedule
    s = score(x[None], dataclasses.replace(S, season_hours=0)).score[0]
    flagged = np.flatnonzero(s >= S.threshold).tolist()
    assert flagged[:2] == [200, 350] and 2480 in flagged
    assert not set(flagged) & set(range(500, 3000, 150))  # on schedule from the third run


# --------------------------------------------------------------------------- episodes


def hand_fit(values: list[float], score_row: list[float], expected: float = 0.0,
             scale: float = 1.0) -> anomaly.Fit:
    """A fit with a flat baseline ``expected`` ± ``scale`` and the given scores."""
    x = np.array([values])
    return anomaly.Fit(np.array([score_row]), (x - expected) / scale, np.full(x.shape, expected),
                       np.full(x.shape, scale))


def test_an_episode_lasts_until_the_series_is_back_in_its_pre_episode_band() -> None:
    ts = 1_800_000_000 + 60.0 * np.arange(16)
    values = [0, 0, 0, 9, 8, 2, 7, 0.5, 0, 0, 0, 0, 0, 0, 4, 0]
    flags = [0.0] * 16
    flags[3] = 0.9
    s = dataclasses.replace(S, merge_gap=2)
    [e] = episodes(["p99"], ts, np.array([values]), hand_fit(values, flags), s)
    # band 0 ± 3: out at 3, 4, (2 is back in) 6; back in for 3 steps from 7 on; 14 is no alarm
    assert (e.start, e.end, e.points) == (ts[3], ts[6], 3)
    assert (e.band_low, e.band_high, e.onset_z, e.recovered) == (-3.0, 3.0, 9.0, True)
    assert (e.peak_time, e.peak_value, e.peak_z, e.peak_score, e.direction) == (
        ts[3], 9.0, 9.0, 0.9, "up")


def test_adjacent_alarms_merge_and_episodes_need_min_points() -> None:
    ts = 60.0 * np.arange(30)
    values = [0.0] * 30
    flags = [0.0] * 30
    for i in (2, 5, 12):  # alarms on points inside the band: one-point episodes
        flags[i] = 0.7
    s = dataclasses.replace(S, merge_gap=3)
    fitted = hand_fit(values, flags)
    spans = [(e.start, e.end, e.points) for e in episodes(["k"], ts, np.zeros((1, 30)), fitted, s)]
    assert spans == [(120.0, 300.0, 2), (720.0, 720.0, 1)]  # 5 is 3 steps after 2: merged
    strict = dataclasses.replace(s, min_points=2)
    assert [e.points for e in episodes(["k"], ts, np.zeros((1, 30)), fitted, strict)] == [2]


def test_a_burst_is_one_episode_as_long_as_the_burst() -> None:
    # three hours of 8× errors on one-minute data: the detector's own baselines adapt within
    # the hour, but the episode lasts until the series is back in its pre-burst band
    t = np.arange(3 * 1440)
    rng = np.random.default_rng(30)
    x = 1 + 0.1 * rng.standard_normal(t.size) + 0.3 * np.sin(2 * np.pi * t / 1440)
    x[3480:3660] += 8 * (1 + 0.3 * rng.standard_normal(180))
    ts = 1_800_000_000 + 60.0 * t
    found = episodes(["errors"], ts, x[None], anomaly.fit(x[None], S, 60), S, 60)
    [e] = [e for e in found if e.start >= ts[2 * 1440]]  # day 2: the seasonal baseline is on
    assert (e.start, e.end, e.points, e.direction, e.recovered) == (
        ts[3480], ts[3659], 180, "up", True)
    assert e.band_low < 1.0 < e.band_high


def test_a_level_shift_that_stays_is_a_new_normal_after_max_episode_hours() -> None:
    x = noise(3000, 31)
    x[1000:] += 20
    ts = 60.0 * np.arange(3000)
    s = dataclasses.replace(S, max_episode_hours=5)
    [e] = episodes(["cpu"], ts, x[None], anomaly.fit(x[None], s), s)
    assert e.start == ts[1000] and e.end == ts[1299] and not e.recovered


def test_episodes_sorted_by_start_then_kpi_with_direction_and_expected() -> None:
    x = np.vstack([noise(800, 12), noise(800, 13)])
    x[0, 600] -= 30
    x[1, 600] += 30
    x[1, 300] += 30
    flags, z = np.zeros(x.shape), np.zeros(x.shape)
    for row, t, sign in ((0, 600, -1), (1, 600, 1), (1, 300, 1)):
        flags[row, t], z[row, t] = 0.8, 25.0 * sign
    ts = 1_800_000_000 + 60.0 * np.arange(800)
    found = episodes(["b_kpi", "a_kpi"], ts, x, Scores(flags, z), S)
    assert [(e.kpi, e.peak_time, e.direction, e.points) for e in found] == [
        ("a_kpi", ts[300], "up", 1), ("a_kpi", ts[600], "up", 1), ("b_kpi", ts[600], "down", 1)]
    assert all(isinstance(e, Episode) for e in found)
    # expected: the level baseline there, an EWMA of N(100, 1) noise
    assert found[2].expected == pytest.approx(anomaly.fit(x, S).expected[0, 600])
    assert found[2].expected == pytest.approx(100.0, abs=0.6)
    assert found[2].peak_value == pytest.approx(x[0, 600])


def test_no_flags_no_episodes_and_shapes_must_agree() -> None:
    quiet = Scores(np.zeros((1, 3)), np.full((1, 3), 9.0))
    assert episodes(["a"], np.arange(3.0), np.zeros((1, 3)), quiet, S) == []
    with pytest.raises(ValueError, match="shapes disagree"):
        episodes(["a", "b"], np.arange(3.0), np.zeros((1, 3)), quiet, S)


# --------------------------------------------------------------------------- NAB-style score


def nab_score(scores: list[np.ndarray], windows: list[list[tuple[int, int]]],
              fp: float = 0.11) -> float:
    """The NAB standard profile (as in bench/nab.py): probation, sigmoid-weighted
    earliest detection per window, weighted false positives, best single threshold."""
    def sigmoid(v: float) -> float:
        return -1.0 if v > 3 else 2 / (1 + math.exp(5 * v)) - 1

    rows = []
    for k, (s, wins) in enumerate(zip(scores, windows)):
        n = len(s)
        label: list[tuple[int, int] | None] = [None] * n
        value = [0.0] * n
        for j, (lo, hi) in enumerate(wins):
            for i in range(lo, hi + 1):
                label[i] = (k, j)
                value[i] = sigmoid(-(hi - i + 1) / (hi - lo + 1)) / sigmoid(-1)
        prev = None
        for i in range(n):
            if label[i] is None:
                value[i] = -fp if prev is None else fp * sigmoid((i - prev[1]) / (prev[1] - prev[0]))
            prev = next(((lo, hi) for lo, hi in reversed(wins) if hi <= i), None)
        rows += [(s[i], label[i], value[i]) for i in range(min(int(0.15 * n), 750), n)]
    rows.sort(key=lambda r: -r[0])
    n_windows = sum(len(w) for w in windows)
    best = {r[1]: -1.0 for r in rows if r[1] is not None}
    total = top = float(sum(best.values()))
    i = 0
    while i < len(rows):
        level = rows[i][0]
        while i < len(rows) and rows[i][0] == level:
            _, lab, val = rows[i]
            if lab is None:
                total += val
            elif val > best[lab]:
                total, best[lab] = total + val - best[lab], val
            i += 1
        top = max(top, total)
    return 100 * (top + n_windows) / (2 * n_windows)


def labelled_set() -> tuple[np.ndarray, list[list[tuple[int, int]]]]:
    """Eight 5-minute series of one week with NAB-style windows (10% of the length, centred
    on each labelled anomaly)."""
    n, half = 2016, 100
    t = np.arange(n)
    daily = np.where((t % 288 >= 96) & (t % 288 < 216), 60.0, 20.0)
    spiky = noise(n, 20, 1.0, 30.0)
    spiky[np.random.default_rng(21).random(n) < 0.03] += 10
    series = [
        (noise(n, 22), [1500]),  # a spike
        (daily + noise(n, 23, 1.0, 0.0), [5 * 288 + 96]),  # a missed daily plateau
        (noise(n, 24, 2.0, 50.0), [1400]),  # a level shift
        (spiky, [1600]),  # a drop in a series that spikes up
        (noise(n, 25) + 5 * np.sin(2 * np.pi * t / 288), []),  # nothing
        (noise(n, 26), [1200]),  # a burst of high variance
        (noise(n, 27, 0.5, 10.0), []),  # nothing
        (saturating(n), [1700]),  # bursts to a ceiling, then once beyond it
    ]
    x = np.vstack([s for s, _ in series])
    x[0, 1500] += 12
    x[1, 5 * 288 + 96: 5 * 288 + 216] = 20 + noise(120, 28, 1.0, 0.0)
    x[2, 1400:] += 12
    x[3, 1600] -= 12
    x[5, 1200:1300] += noise(100, 29, 6.0, 0.0)
    windows = [[(c - half, c + half) for c in centres] for _, centres in series]
    return x, windows


def test_nab_style_score_on_a_labelled_synthetic_set_is_pinned() -> None:
    x, windows = labelled_set()
    s = score(x, S, 300).score
    got = nab_score(list(s), windows)
    assert got == pytest.approx(PINNED_NAB, abs=0.01), got
    # at the default threshold: every anomaly found, the quiet series stay quiet
    probation = int(0.15 * x.shape[1])
    for row, wins in zip(s, windows):
        flagged = {int(i) for i in np.flatnonzero(row >= S.threshold) if i >= probation}
        assert all(flagged & set(range(lo, hi + 1)) for lo, hi in wins)
        if not wins:
            assert not flagged


#: Measured when the defaults were tuned; a change here is a change in detection quality.
#: (With the novelty test. Without it — novelty_hours 0, the detector before it — the same
#: eight series score 89.00, and the first seven 92.34.)
PINNED_NAB = 93.77


# --------------------------------------------------------------------------- gaps, streaming


def test_through_a_gap_the_level_follows_the_daily_pattern() -> None:
    t = np.arange(5 * 288)
    x = 50 + 20 * np.sin(2 * np.pi * t / 288) + noise(t.size, 32, 0.5, 0.0)
    gap = slice(3 * 288 + 40, 3 * 288 + 40 + 72)  # six hours missing on day 3
    x[gap] = np.nan
    after = gap.stop
    s = score(x[None], S, 300).score[0]
    assert s[after:after + 24].max() < S.threshold  # no alarm for coming back
    x[after + 30] += 10  # while a real spike just after the gap still alarms
    assert score(x[None], S, 300).score[0, after + 30] >= S.threshold


def test_the_grid_follows_timestamps_through_jitter_duplicates_and_long_gaps() -> None:
    grid = stream.Grid(60.0, period=10)
    got = grid.slots(np.array([0.0, 60, 100, 100, 240, 250]))
    assert got.tolist() == [0, 1, 2, 3, 4, 5]  # close rows take the next free slot
    # 999 missing steps keep their phase (mod 10) but shrink to 2 periods + the remainder
    later = grid.slots(np.array([300 + 60 * 1000.0]))  # raw slot 1,005
    assert later.tolist() == [5 + 20 + 9 + 1]
    assert (later[0] - 5) % 10 == (1005 - 5) % 10


@pytest.mark.parametrize("history", [None, 4000])
def test_streamed_chunks_score_like_the_whole_series(history: int | None, monkeypatch) -> None:
    t = np.arange(12_000)
    x = 100 + 10 * np.sin(2 * np.pi * t / 288) + noise(t.size, 33)
    x[[3000, 7000, 10_000]] += 30
    x[5000:5100] = np.nan
    ts = 300.0 * t
    whole = score(x[None], S, 300).score[0]
    if history is not None:  # history shorter than the file: scores agree closely, not exactly
        monkeypatch.setattr(stream, "MIN_HISTORY", history)
    scorer = stream.StreamScorer(S, 300.0, lambda g: score(g, S, 300).score)
    got = np.concatenate([scorer.push(ts[i:i + 1500], x[i:i + 1500]) for i in range(0, t.size, 1500)])
    if history is None:
        assert np.array_equal(got, whole)
    else:
        assert np.abs(got - whole).max() < 1e-3
        assert np.array_equal(got >= S.threshold, whole >= S.threshold)
