"""`tars-ci anomaly-score`: mirrored outputs, the pipeline's scores, thresholds, missing
values, timestamp formats, and exit 2 naming the file and line for bad input."""

from __future__ import annotations

import csv
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest

from tars_ci.analysis.anomaly import score
from tars_ci.cli import main
from tars_ci.spec.model import AnomalySettings

HEADER = ["timestamp", "value", "anomaly_score", "anomaly"]


def series(n: int, seed: int, spike: int | None = None) -> list[float]:
    x = 50 + np.random.default_rng(seed).standard_normal(n)
    if spike is not None:
        x[spike] += 25
    return [round(float(v), 3) for v in x]


def write_csv(path: Path, values: list, stamps: list[str] | None = None,
              header: str = "timestamp,value") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    stamps = stamps or [f"2024-01-{1 + i // 288:02d} {i % 288 // 12:02d}:{i % 12 * 5:02d}:00"
                        for i in range(len(values))]
    path.write_text(header + "\n" + "".join(f"{t},{v}\n" for t, v in zip(stamps, values)))
    return path


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows == [] or list(rows[0]) == HEADER
    return rows


def test_a_folder_is_walked_and_mirrored_with_the_pipelines_scores(tmp_path: Path, capsys):
    data = tmp_path / "data"
    a = write_csv(data / "group" / "a.csv", series(900, 1, spike=700))
    write_csv(data / "b.csv", series(600, 2))
    out = tmp_path / "out"
    assert main(["anomaly-score", "--out-dir", str(out), str(data)]) == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.csv")) == [
        "b.csv", "group/a.csv"]
    rows = read(out / "group" / "a.csv")
    source = list(csv.DictReader(a.read_text().splitlines()))
    assert [(r["timestamp"], r["value"]) for r in rows] == [
        (r["timestamp"], r["value"]) for r in source]  # passed through as written
    got = np.array([float(r["anomaly_score"]) for r in rows])
    want = score(np.array([[float(r["value"]) for r in source]]), AnomalySettings(), 300.0)
    assert got == pytest.approx(want.score[0], abs=1e-9)
    assert [r["anomaly"] for r in rows] == ["1" if s >= 0.5 else "0" for s in got]
    assert got[700] >= 0.5 and rows[700]["anomaly"] == "1"
    assert "scored 2 file(s), 1500 points" in capsys.readouterr().out


def test_files_go_to_the_out_dir_by_name_and_threshold_only_moves_the_flags(tmp_path: Path):
    src = write_csv(tmp_path / "in" / "cpu.csv", series(900, 3, spike=700))
    low, high = tmp_path / "low", tmp_path / "high"
    assert main(["anomaly-score", "--out-dir", str(low), "--threshold", "0.01", str(src)]) == 0
    assert main(["anomaly-score", "--out-dir", str(high), "--threshold", "0.99", str(src)]) == 0
    lo, hi = read(low / "cpu.csv"), read(high / "cpu.csv")
    assert [r["anomaly_score"] for r in lo] == [r["anomaly_score"] for r in hi]
    assert sum(r["anomaly"] == "1" for r in lo) > sum(r["anomaly"] == "1" for r in hi) == 0


def test_missing_values_score_zero_and_keep_their_rows(tmp_path: Path):
    values: list = series(700, 4)
    values[400] = ""
    values[401] = "nan"
    values[402] = "NULL"
    src = write_csv(tmp_path / "gaps.csv", values)
    assert main(["anomaly-score", "--out-dir", str(tmp_path / "out"), str(src)]) == 0
    rows = read(tmp_path / "out" / "gaps.csv")
    assert len(rows) == 700
    assert [(r["value"], r["anomaly_score"], r["anomaly"]) for r in rows[400:403]] == [
        ("", "0.0000000000", "0"), ("nan", "0.0000000000", "0"), ("NULL", "0.0000000000", "0")]


def test_timestamp_formats_agree(tmp_path: Path):
    values = series(800, 5, spike=600)
    epoch = 1_700_000_000
    formats = {
        "plain": None,
        "zulu": [f"{np.datetime64(epoch + 300 * i, 's')}Z" for i in range(800)],
        "offset": [f"{np.datetime64(epoch + 300 * i + 3600, 's')}+01:00" for i in range(800)],
        "unix": [str(epoch + 300 * i) for i in range(800)],
    }
    scores = {}
    for name, stamps in formats.items():
        src = write_csv(tmp_path / "in" / f"{name}.csv", values, stamps)
        assert main(["anomaly-score", "--out-dir", str(tmp_path / name), str(src)]) == 0
        scores[name] = [r["anomaly_score"] for r in read(tmp_path / name / f"{name}.csv")]
    assert scores["plain"] == scores["zulu"] == scores["offset"] == scores["unix"]


def test_spec_settings_are_used(tmp_path: Path):
    spec = tmp_path / "tars.yaml"
    text = (files("tars_ci.demo") / "tars.yaml").read_text()
    spec.write_text(text.replace("anomaly: {z: 3.0}", "anomaly: {z: 3.0, threshold: 0.999}"))
    src = write_csv(tmp_path / "cpu.csv", series(900, 6, spike=700))
    assert main(["anomaly-score", "--spec", str(spec), "--out-dir", str(tmp_path / "o"),
                 str(src)]) == 0
    assert all(r["anomaly"] == "0" for r in read(tmp_path / "o" / "cpu.csv"))


@pytest.mark.parametrize(("content", "where", "message"), [
    ("timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:05:00,abc\n", ":3:",
     "value 'abc' is not a number"),
    ("timestamp,value\n2024-01-01 00:00:00,1\n\n2024-01-01 00:10:00,inf\n", ":4:",
     "not a finite number"),
    ("timestamp,value\nyesterday,1\n", ":2:", "timestamp 'yesterday' is neither ISO 8601"),
    ("time,metric\n2024-01-01 00:00:00,1\n", ":1:", "header must name the columns"),
    ("timestamp,value\n2024-01-01 00:00:00\n", ":2:", "expected at least 2 columns"),
    ("", ":1:", "empty file"),
])
def test_bad_csv_exits_2_naming_file_and_line_and_writes_nothing(
        tmp_path: Path, capsys, content: str, where: str, message: str):
    good = write_csv(tmp_path / "in" / "a_good.csv", series(100, 7))
    bad = tmp_path / "in" / "z_bad.csv"
    bad.write_text(content)
    assert main(["anomaly-score", "--out-dir", str(tmp_path / "out"), str(good.parent)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}{where}" in err and message in err
    assert not (tmp_path / "out").exists()


def test_usage_errors_exit_2(tmp_path: Path, capsys):
    src = write_csv(tmp_path / "in" / "a.csv", series(50, 8))
    (tmp_path / "latin1.csv").write_bytes(b"timestamp,value\n\xff,1\n")
    (tmp_path / "empty").mkdir()
    cases = [
        ([str(tmp_path / "nope.csv")], "no such file or folder"),
        ([str(tmp_path / "empty")], "no *.csv files"),
        ([str(tmp_path / "latin1.csv")], "not UTF-8"),
        (["--threshold", "1.5", str(src)], "--threshold must be between 0 and 1"),
        (["--out-dir", str(src.parent), str(src.parent)], "would overwrite the input"),
    ]
    for args, message in cases:
        assert main(["anomaly-score", "--out-dir", str(tmp_path / "out"), *args]) == 2, args
        assert message in capsys.readouterr().err, args
    clash = write_csv(tmp_path / "other" / "a.csv", series(50, 9))
    assert main(["anomaly-score", "--out-dir", str(tmp_path / "o"), str(src), str(clash)]) == 2
    assert "would both be written to" in capsys.readouterr().err


def stamps_5min(n: int, start: int = 1_700_000_000) -> list[str]:
    return [str(start + 300 * i) for i in range(n)]


def scores_of(path: Path) -> list[float]:
    return [float(r["anomaly_score"]) for r in read(path)]


def test_unsorted_timestamps_exit_2_naming_the_row_or_are_sorted_with_a_warning(
        tmp_path: Path, capsys):
    values = series(900, 10, spike=700)
    stamps = stamps_5min(900)
    stamps[400], stamps[401] = stamps[401], stamps[400]
    src = write_csv(tmp_path / "in.csv", values, stamps)
    assert main(["anomaly-score", "--out-dir", str(tmp_path / "out"), str(src)]) == 2
    assert (f"{src}:403: timestamp '{stamps[401]}' is earlier than the row above"
            in capsys.readouterr().err)
    assert not (tmp_path / "out").exists()
    assert main(["anomaly-score", "--sort", "--out-dir", str(tmp_path / "out"), str(src)]) == 0
    assert "1 row(s) out of time order and 0 repeated" in capsys.readouterr().err
    rows = read(tmp_path / "out" / "in.csv")
    assert [r["timestamp"] for r in rows] == sorted(stamps)  # written in time order
    ordered = write_csv(tmp_path / "sorted" / "in.csv", [values[i] for i in
                        sorted(range(900), key=lambda i: stamps[i])], sorted(stamps))
    assert main(["anomaly-score", "--out-dir", str(tmp_path / "o2"), str(ordered)]) == 0
    assert scores_of(tmp_path / "out" / "in.csv") == scores_of(tmp_path / "o2" / "in.csv")


def test_a_repeated_timestamp_exits_2_or_both_rows_are_scored_with_sort(tmp_path: Path, capsys):
    values = series(900, 11)
    stamps = stamps_5min(900)
    stamps[500] = stamps[499]
    src = write_csv(tmp_path / "dup.csv", values, stamps)
    assert main(["anomaly-score", "--out-dir", str(tmp_path / "out"), str(src)]) == 2
    assert f"{src}:502: timestamp '{stamps[500]}' repeats the timestamp of the row above" in (
        capsys.readouterr().err)
    assert main(["anomaly-score", "--sort", "--out-dir", str(tmp_path / "out"), str(src)]) == 0
    rows = read(tmp_path / "out" / "dup.csv")
    assert [(r["timestamp"], r["value"]) for r in rows] == [
        (t, str(v)) for t, v in zip(stamps, values)]  # every row, in file order


def test_epoch_milliseconds_are_read_as_milliseconds(tmp_path: Path):
    values = series(900, 12, spike=700)
    seconds = stamps_5min(900)
    millis = [f"{int(t) * 1000}" for t in seconds]
    for name, stamps in (("s", seconds), ("ms", millis)):
        src = write_csv(tmp_path / "in" / f"{name}.csv", values, stamps)
        assert main(["anomaly-score", "--out-dir", str(tmp_path / name), str(src)]) == 0
    got = scores_of(tmp_path / "ms" / "ms.csv")
    assert got == scores_of(tmp_path / "s" / "s.csv")
    assert got[700] >= 0.5  # read as seconds, the 300,000 s step would leave no daily period
    micros = write_csv(tmp_path / "in" / "us.csv", values, [f"{int(t) * 10**6}" for t in seconds])
    assert main(["anomaly-score", "--out-dir", str(tmp_path / "us"), str(micros)]) == 0
    assert scores_of(tmp_path / "us" / "us.csv") == got


def test_a_six_hour_gap_keeps_the_daily_phase_and_raises_no_alarm(tmp_path: Path):
    n = 5 * 288
    t = np.arange(n)
    rng = np.random.default_rng(13)
    x = np.round(50 + 20 * np.sin(2 * np.pi * t / 288) + 0.5 * rng.standard_normal(n), 3)
    keep = (t < 3 * 288 + 40) | (t >= 3 * 288 + 112)  # 72 rows (six hours) missing on day 3
    stamps = [str(1_700_000_000 + 300 * int(i)) for i in t[keep]]
    src = write_csv(tmp_path / "gap.csv", x[keep].tolist(), stamps)
    assert main(["anomaly-score", "--out-dir", str(tmp_path / "out"), str(src)]) == 0
    rows = read(tmp_path / "out" / "gap.csv")
    first_after = int(np.flatnonzero(t[keep] >= 3 * 288 + 112)[0])
    assert rows[first_after]["timestamp"] == str(1_700_000_000 + 300 * (3 * 288 + 112))
    assert all(r["anomaly"] == "0" for r in rows[first_after:first_after + 24])
    # the same rows scored by row count (the gap closed up) put every later day off phase
    squeezed = score(np.array([x[keep]]), AnomalySettings(), 300.0).score[0]
    grid = np.where(keep, x, np.nan)
    on_grid = score(grid[None], AnomalySettings(), 300.0).score[0][keep]
    assert scores_of(tmp_path / "out" / "gap.csv") == pytest.approx(on_grid.tolist(), abs=1e-9)
    assert (squeezed >= 0.5).sum() > (on_grid >= 0.5).sum()


def test_a_long_file_streams_in_chunks_with_the_same_scores(tmp_path: Path, monkeypatch):
    from tars_ci.cli import anomaly_csv

    values = series(5000, 14, spike=4000)
    src = write_csv(tmp_path / "long.csv", values, stamps_5min(5000))
    assert main(["anomaly-score", "--out-dir", str(tmp_path / "whole"), str(src)]) == 0
    monkeypatch.setattr(anomaly_csv, "CHUNK_BYTES", 4096)  # about 200 rows a chunk
    assert main(["anomaly-score", "--out-dir", str(tmp_path / "chunks"), str(src)]) == 0
    assert (tmp_path / "whole" / "long.csv").read_bytes() == (
        tmp_path / "chunks" / "long.csv").read_bytes()
