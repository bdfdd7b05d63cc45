"""The NAB benchmarks on a NAB checkout (github.com/numenta/NAB's layout), generated here: the
README's groups are read and others ignored, errors are clear, and the scorer follows NAB's
rules on hand-computed cases. No NAB file is read."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from bench import logo, nab
from bench.measure import BenchError

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2014, 4, 1)
STANDARD = nab.Cost(1.0, 0.11, 1.0)
PROFILES = {"standard": {"CostMatrix": {"tpWeight": 1.0, "fnWeight": 1.0, "fpWeight": 0.11,
                                        "tnWeight": 1.0}},
            "reward_low_FP_rate": {"CostMatrix": {"tpWeight": 1.0, "fnWeight": 1.0,
                                                  "fpWeight": 0.22, "tnWeight": 1.0}},
            "reward_low_FN_rate": {"CostMatrix": {"tpWeight": 1.0, "fnWeight": 2.0,
                                                  "fpWeight": 0.11, "tnWeight": 1.0}}}


def stamp(i: int) -> str:
    return (START + timedelta(minutes=5 * i)).strftime("%Y-%m-%d %H:%M:%S")


def spiky(n: int, at_row: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = 50 + 5 * np.sin(2 * np.pi * np.arange(n) / 288) + rng.standard_normal(n)
    x[at_row] += 40
    return x


def checkout(root: Path, series: dict[str, np.ndarray],
             windows: dict[str, list[tuple[int, int]]]) -> Path:
    """A folder laid out like a NAB checkout: data/<group>/<file>.csv,
    labels/combined_windows.json, config/profiles.json."""
    for name, values in series.items():
        path = root / "data" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("timestamp,value\n" + "".join(
            f"{stamp(i)},{v:.3f}\n" for i, v in enumerate(values)), "utf-8")
    (root / "labels").mkdir()
    (root / "labels" / "combined_windows.json").write_text(json.dumps(
        {name: [[f"{stamp(a)}.000000", f"{stamp(b)}.000000"] for a, b in ws]
         for name, ws in windows.items()}), "utf-8")
    (root / "config").mkdir()
    (root / "config" / "profiles.json").write_text(json.dumps(PROFILES), "utf-8")
    return root


@pytest.fixture
def nab_checkout(tmp_path: Path) -> Path:
    """The README's three groups, small, plus a group a real checkout has and they do not."""
    return checkout(tmp_path / "NAB", {
        "artificialNoAnomaly/flat.csv": np.full(2016, 7.0),
        "artificialWithAnomaly/jump.csv": spiky(2016, 1500, 1),
        "realAWSCloudwatch/cpu.csv": spiky(2016, 1200, 2),
        "realTweets/other.csv": spiky(400, 300, 3),
    }, {"artificialNoAnomaly/flat.csv": [], "artificialWithAnomaly/jump.csv": [(1400, 1600)],
        "realAWSCloudwatch/cpu.csv": [(1100, 1300)], "realTweets/other.csv": [(250, 350)]})


def test_a_checkout_or_its_data_folder_gives_the_readme_groups(nab_checkout: Path) -> None:
    for given in (nab_checkout, nab_checkout / "data"):
        corpus = nab.load(given)
        assert [f.name for f in corpus.files] == [
            "artificialNoAnomaly/flat.csv", "artificialWithAnomaly/jump.csv",
            "realAWSCloudwatch/cpu.csv"]
        assert corpus.costs["reward_low_FN_rate"] == nab.Cost(1.0, 0.11, 2.0)
    assert [f.name for f in nab.load(nab_checkout, ["realTweets"]).files] == [
        "realTweets/other.csv"]
    assert nab.load(nab_checkout).files[1].windows == ((1400, 1600),)


def test_clear_errors_for_what_is_not_a_nab_checkout(nab_checkout: Path,
                                                     tmp_path: Path) -> None:
    with pytest.raises(BenchError, match="no such folder .*github.com/numenta/NAB"):
        nab.load(tmp_path / "nowhere")
    with pytest.raises(BenchError, match="no data .*is it a NAB checkout"):
        nab.load(tmp_path)
    with pytest.raises(BenchError, match="no group realKnownCause under"):
        nab.load(nab_checkout, ["realKnownCause"])
    (nab_checkout / "data" / "realAWSCloudwatch" / "cpu.csv").unlink()
    with pytest.raises(BenchError, match="data/realAWSCloudwatch/cpu.csv is labelled but "
                                         "missing"):
        nab.load(nab_checkout)
    (nab_checkout / "config" / "profiles.json").unlink()
    with pytest.raises(BenchError, match="no config/profiles.json"):
        nab.load(nab_checkout, ["realTweets"])


def test_the_fold_command_runs_on_a_checkout(nab_checkout: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "logo.json"
    assert logo.main(["--nab-dir", str(nab_checkout), "--out", str(out)]) == 0
    result = json.loads(out.read_text("utf-8"))
    assert [f["held_out"] for f in result["folds"]] == list(nab.GROUPS)
    # both obvious spikes are found, early in their windows
    assert result["all_files"]["standard"]["detected"] == 2
    assert result["all_files"]["standard"]["score"] > 80
    assert "| standard |" in capsys.readouterr().out
    assert logo.main(["--nab-dir", str(tmp_path / "nowhere"), "--out", str(out)]) == 2
    assert "error: --nab-dir" in capsys.readouterr().err


def test_the_throughput_benchmark_refuses_a_folder_that_is_not_nab(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "bench/bench_anomaly.py", "--nab-dir",
                           str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 2
    assert "is it a NAB checkout?" in done.stderr


# --------------------------------------------------------------------------- NAB's rules


def one_file(n: int, *windows: tuple[int, int], name: str = "g/f.csv") -> nab.NabFile:
    return nab.NabFile(name, "g", 300.0 * np.arange(n), np.zeros(n), windows)


def at(n: int, *rows: int) -> np.ndarray:
    scores = np.zeros(n)
    scores[list(rows)] = 1.0
    return scores


def sigma(x: float) -> float:
    """NAB's scaled sigmoid, written out independently of the module."""
    return 2 / (1 + math.exp(5 * x)) - 1


def test_the_earliest_detection_in_a_window_earns_its_sigmoid_weight() -> None:
    f = one_file(100, (50, 59))  # probation: the first 15 rows
    got = nab.nab_score([f], [at(100, 55)], STANDARD)
    # the window's 6th row of 10 earns σ(-(59-55+1)/10) / σ(-1)
    assert got.score == pytest.approx(100 * (sigma(-0.5) / sigma(-1) + 1) / 2)
    assert got.threshold == 1.0 and got.detected == 1
    # its first row earns the whole A_TP; a second detection in the window adds nothing
    assert nab.nab_score([f], [at(100, 50, 57)], STANDARD).score == pytest.approx(100)


def test_false_positives_missed_windows_and_probation() -> None:
    f = one_file(100, (50, 59))
    # before any window a false positive costs A_FP = 0.11
    assert nab.nab_score([f], [at(100, 20, 50)], STANDARD).score == pytest.approx(94.5)
    # right after a window it costs A_FP · σ(distance / (width - 1)), i.e. less
    after = nab.nab_score([f], [at(100, 50, 61)], STANDARD)
    assert after.score == pytest.approx(100 * (1 + 0.11 * sigma(2 / 9) + 1) / 2)
    # detections in probation are not scored; detecting nothing scores 0
    assert nab.nab_score([f], [at(100, 3)], STANDARD).score == pytest.approx(0)
    assert nab.nab_score([f], [np.zeros(100)], STANDARD).score == pytest.approx(0)
    # one window of two found: a miss costs A_FN (2 in reward_low_FN_rate)
    two = one_file(200, (50, 59), (150, 159))
    assert nab.nab_score([two], [at(200, 50)], STANDARD).score == pytest.approx(50)
    assert nab.nab_score([two], [at(200, 150)], nab.Cost(1.0, 0.11, 2.0)).score == \
        pytest.approx(100 * (1 - 2 + 4) / 6)


def test_one_threshold_is_chosen_for_the_whole_corpus() -> None:
    a, b = one_file(100, (50, 59)), one_file(100, (50, 59), name="g/b.csv")
    # b's window is found at 0.6 only below 20 false alarms at 0.7: the best threshold stays
    # above them and gives b's window up
    scores_b = np.zeros(100)
    scores_b[52], scores_b[20:40] = 0.6, 0.7
    got = nab.nab_score([a, b], [at(100, 50), scores_b], STANDARD)
    assert got.threshold == 1.0 and got.score == pytest.approx(50)
    assert (got.detected, got.false_positives) == (1, 0)
