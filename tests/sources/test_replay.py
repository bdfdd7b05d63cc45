import gzip
import json
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from tars_ci.errors import ReplayFormatError
from tars_ci.sources.interface import NoData, Query, Samples
from tars_ci.sources.replay import (
    RecordedSeries,
    ReplaySource,
    read_replay,
    write_replay,
)

T0 = datetime(2026, 11, 2, tzinfo=timezone.utc)


def _series(values, present=None):
    values = np.array(values, dtype=float)
    present = np.ones(len(values), bool) if present is None else np.array(present)
    return RecordedSeries(T0.timestamp(), 60.0, values, present, {"job": "x"}, "up")


@pytest.mark.parametrize("name", ["r.json", "r.json.gz"])
def test_round_trip_keeps_gaps_nan_and_infinities(tmp_path: Path, name: str):
    rec = _series([1.5, 0.0, math.nan, math.inf, -math.inf], [True, False, True, True, True])
    write_replay(tmp_path / name, {"k": rec}, recorded_from="http://p:9090")
    back = read_replay(tmp_path / name)["k"]
    assert back.present.tolist() == [True, False, True, True, True]
    assert back.values[0] == 1.5 and math.isnan(back.values[2])
    assert back.values[3] == math.inf and back.values[4] == -math.inf
    assert back.labels == {"job": "x"} and back.query == "up"


def test_gzip_output_is_byte_deterministic(tmp_path: Path):
    rec = _series([1.0, 2.0])
    write_replay(tmp_path / "a.json.gz", {"k": rec})
    write_replay(tmp_path / "b.json.gz", {"k": rec})
    assert (tmp_path / "a.json.gz").read_bytes() == (tmp_path / "b.json.gz").read_bytes()


def test_range_query_is_end_exclusive_and_drops_gaps():
    src = ReplaySource({"k": _series([1, 2, 3, 4], [True, False, True, True])})
    out = src.range_query([Query("k", "up")], T0, T0 + timedelta(minutes=3),
                          timedelta(minutes=1))["k"]
    assert isinstance(out, Samples)
    assert out.timestamps.tolist() == [T0.timestamp(), T0.timestamp() + 120]
    assert out.values.tolist() == [1.0, 3.0]


def test_unknown_series_and_empty_window_are_no_data_with_reasons():
    src = ReplaySource({"k": _series([1, 2])}, origin="demo.json")
    res = src.range_query([Query("missing", "x"), Query("k", "up")],
                          T0 + timedelta(days=1), T0 + timedelta(days=2), timedelta(minutes=1))
    assert isinstance(res["missing"], NoData) and "missing" in res["missing"].reason
    assert isinstance(res["k"], NoData) and "no samples" in res["k"].reason


def test_coarser_step_takes_aligned_points_only():
    src = ReplaySource({"k": _series(list(range(10)))})
    out = src.range_query([Query("k", "")], T0, T0 + timedelta(minutes=10),
                          timedelta(minutes=5))["k"]
    assert out.values.tolist() == [0.0, 5.0]


@pytest.mark.parametrize("content, message", [
    (b"{not json", "cannot parse"),
    (b'{"format": "other", "version": 1, "series": {}}', '"format"'),
    (b'{"format": "tars-ci-replay", "version": 2, "series": {}}', '"version"'),
    (b'{"format": "tars-ci-replay", "version": 1, "series": []}', '"series"'),
    (b'{"format": "tars-ci-replay", "version": 1, "series": {"k": {"start": 0, "step": 0,'
     b' "values": []}}}', '"step"'),
    (b'{"format": "tars-ci-replay", "version": 1, "series": {"k": {"start": 0, "step": 60,'
     b' "values": [1, "x"]}}}', "values[1]"),
    (b'{"format": "tars-ci-replay", "version": 1, "series": {"k": {"start": "a", "step": 60,'
     b' "values": []}}}', '"start"'),
])
def test_corrupt_files_are_rejected_naming_the_file(tmp_path: Path, content, message):
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    with pytest.raises(ReplayFormatError) as err:
        read_replay(path)
    assert "broken.json" in str(err.value) and message in str(err.value)


def test_truncated_gzip_and_missing_file_are_clean_errors(tmp_path: Path):
    path = tmp_path / "cut.json.gz"
    path.write_bytes(gzip.compress(json.dumps({"format": "tars-ci-replay"}).encode())[:-6])
    with pytest.raises(ReplayFormatError, match="cut.json.gz"):
        read_replay(path)
    with pytest.raises(ReplayFormatError, match="file not found"):
        read_replay(tmp_path / "nope.json")
