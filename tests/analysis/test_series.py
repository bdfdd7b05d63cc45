import numpy as np

from tars_ci.analysis.series import align, clip, stack, window_slice
from tars_ci.sources.interface import NoData, QueryFailed, Samples


def test_align_places_jittered_samples_in_their_slots_and_nan_elsewhere():
    grid = np.array([0.0, 60.0, 120.0, 180.0])
    s = Samples(np.array([1.0, 118.0, 500.0]), np.array([5.0, 7.0, 9.0]), {})
    out = align(s, grid, 60.0)
    assert out[0] == 5.0 and out[2] == 7.0
    assert np.isnan(out[1]) and np.isnan(out[3])  # 500 s is outside the grid


def test_align_of_no_data_or_failure_is_all_nan():
    grid = np.arange(3) * 60.0
    assert np.isnan(align(NoData("x"), grid, 60.0)).all()
    assert np.isnan(align(QueryFailed("q", "m"), grid, 60.0)).all()


def test_stack_orders_rows_by_name_and_fills_missing_names():
    grid = np.arange(2) * 60.0
    rows = stack({"b": Samples(np.array([0.0]), np.array([2.0]), {})}, ["a", "b"], grid, 60.0)
    assert rows.shape == (2, 2) and np.isnan(rows[0]).all() and rows[1, 0] == 2.0


def test_clip_is_end_exclusive_and_keeps_nan_samples():
    s = Samples(np.array([0.0, 60.0, 120.0]), np.array([1.0, np.nan, 3.0]), {"a": "b"})
    out = clip(s, 0.0, 120.0)
    assert isinstance(out, Samples) and out.timestamps.tolist() == [0.0, 60.0]
    assert np.isnan(out.values[1]) and out.labels == {"a": "b"}
    assert isinstance(clip(s, 200.0, 300.0), NoData)
    failed = QueryFailed("q", "boom")
    assert clip(failed, 0, 1) is failed


def test_window_slice_is_end_exclusive():
    grid = np.arange(10) * 60.0
    assert window_slice(grid, 120.0, 300.0) == slice(2, 5)
