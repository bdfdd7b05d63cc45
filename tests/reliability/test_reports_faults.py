"""A reports directory that cannot be written: read-only, or on a full disk.

Real file systems where the machine allows it: ``tars-ci run`` runs in a private mount
namespace (``unshare --user --map-root-user --mount``) where the reports directory is a
read-only bind mount, or a tiny tmpfs that fills up mid-run (a real ENOSPC). Where user
namespaces are not available these two are skipped; the full-disk case is also run
everywhere with ``OSError(ENOSPC)`` injected at the one place files are written
(``os.fsync`` in tars_ci/reports/jsonio.py).

What the user sees: exit 4 and ``error: cannot write <file>: <reason>``. What is guaranteed:
no half-written file, every file either as it was or as a complete run writes it, and a
re-run once there is room ends with an undisturbed run's bytes.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tars_ci.cli import main
from tests.reliability.conftest import (
    DEMO_DIR,
    NOW,
    SLUG,
    diff,
    half_written,
    restore,
    tree,
)

SPEC = str(DEMO_DIR / "tars.yaml")


def namespaces_reason() -> str | None:
    """Why a private mount namespace with tmpfs cannot be made here (None when it can)."""
    if shutil.which("unshare") is None:
        return "unshare (util-linux) is not installed"
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                            "mount -t tmpfs -o size=16k tmpfs /mnt"],
                           capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return f"no user/mount namespaces here: {probe.stderr.strip()[:200]}"
    return None


NO_NAMESPACES = namespaces_reason()
needs_namespaces = pytest.mark.skipif(NO_NAMESPACES is not None, reason=str(NO_NAMESPACES))


def run_in_namespace(setup: str, reports: Path, keep: Path) -> subprocess.CompletedProcess[str]:
    """``tars-ci run`` after ``setup`` (shell, in a private mount namespace); what the reports
    directory holds afterwards is copied to ``keep`` (a tmpfs vanishes with the namespace)."""
    script = (f"set -e; {setup}; set +e; "
              f"{sys.executable} -m tars_ci run --spec {SPEC} --now {NOW} --reports {reports}; "
              f"code=$?; cp -a {reports}/. {keep}/; exit $code")
    keep.mkdir()
    return subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                           script], capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "LC_ALL": "C"})


def error_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    [line] = [ln for ln in stderr.splitlines() if ln.startswith("error:")]
    return line


def consistent(got: dict[str, bytes], before: dict[str, bytes],
               complete: dict[str, bytes]) -> list[str]:
    """Files that are neither as they were nor as a complete run writes them."""
    return [name for name, data in got.items()
            if data != before.get(name) and data != complete.get(name)]


@pytest.mark.integration
@needs_namespaces
def test_a_read_only_reports_directory_exits_4_and_changes_nothing(
        tmp_path: Path, early_history: dict[str, bytes],
        demo_history: dict[str, bytes]) -> None:
    reports = tmp_path / "reports"
    restore(reports, early_history)
    done = run_in_namespace(f"mount --bind {reports} {reports}; "
                            f"mount -o remount,bind,ro {reports}", reports, tmp_path / "after")
    assert done.returncode == 4, done.stderr
    # the first write of a run is the anomaly events
    assert error_line(done.stderr) == (f"error: cannot write {reports}/{SLUG}/anomalies/"
                                       "anomaly_events.json: Read-only file system")
    assert tree(tmp_path / "after") == early_history == tree(reports)

    # writable again: the next run completes the program
    assert main(["run", "--spec", SPEC, "--now", NOW, "--reports", str(reports), "-q"],
                {}) == 1  # days 4-7: day 5's error burst (P0, rollback)
    assert diff(demo_history, tree(reports)) == []


@pytest.mark.integration
@needs_namespaces
def test_a_disk_that_fills_up_mid_run_exits_4_and_leaves_only_complete_files(
        tmp_path: Path, early_history: dict[str, bytes],
        demo_history: dict[str, bytes]) -> None:
    reports = tmp_path / "reports"
    seed = tmp_path / "seed"
    restore(seed, early_history)
    reports.mkdir()
    # 96 KiB: days 0-3 fit (56 KiB in 4 KiB pages), days 4-7 do not
    done = run_in_namespace(f"mount -t tmpfs -o size=96k tmpfs {reports}; "
                            f"cp -a {seed}/. {reports}/", reports, tmp_path / "after")
    assert done.returncode == 4, done.stderr
    line = error_line(done.stderr)
    assert line.startswith(f"error: cannot write {reports}/{SLUG}/")
    assert line.endswith(": No space left on device")
    after = tree(tmp_path / "after")
    assert half_written(tmp_path / "after") == []
    assert consistent(after, early_history, demo_history) == []
    assert set(early_history) <= set(after)  # nothing recorded earlier is lost
    assert after != early_history  # it did get some way before the disk was full

    # room again: the next run, from what the full disk kept, completes the program
    retry = tmp_path / "retry"
    restore(retry, after)
    assert main(["run", "--spec", SPEC, "--now", NOW, "--reports", str(retry), "-q"],
                {}) == 1  # day 5's error burst
    assert diff(demo_history, tree(retry)) == []


def test_no_space_left_at_every_write_exits_4_and_leaves_only_complete_files(
        tmp_path: Path, early_history: dict[str, bytes], demo_history: dict[str, bytes],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Injected ENOSPC (portable): the disk is full from the n-th write of the run on."""
    from tars_ci.reports import jsonio

    real_fsync = os.fsync
    writes_in_a_full_run = 0
    for full_from in range(1, 14):  # a run from day 3 to day 7 writes 12 files
        reports = tmp_path / f"full-from-{full_from}"
        restore(reports, early_history)
        calls = 0

        def fsync(fd: int, full_from: int = full_from) -> None:
            nonlocal calls
            calls += 1
            if calls >= full_from:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            real_fsync(fd)

        monkeypatch.setattr(jsonio.os, "fsync", fsync)
        code = main(["run", "--spec", SPEC, "--now", NOW, "--reports", str(reports), "-q"], {})
        monkeypatch.setattr(jsonio.os, "fsync", real_fsync)
        err = capsys.readouterr().err
        got = tree(reports)
        assert half_written(reports) == []
        assert consistent(got, early_history, demo_history) == []
        if code == 1:  # every write done before the disk was full (day 5 fails the run)
            writes_in_a_full_run = full_from - 1
            assert diff(demo_history, got) == []
            break
        assert code == 4
        assert error_line(err).endswith(": No space left on device")
        assert error_line(err).startswith(f"error: cannot write {reports}/{SLUG}/")
        # the re-run fails only when it processes day 5 (the exit code covers the days a
        # run processes): when the full disk stopped the first run before day 5's summary
        day5 = f"{SLUG}/stability/day_05_summary.json"
        assert main(["run", "--spec", SPEC, "--now", NOW, "--reports", str(reports), "-q"],
                    {}) == (0 if day5 in got else 1), full_from
        assert diff(demo_history, tree(reports)) == [], full_from
    assert writes_in_a_full_run == 12  # anomalies, 4 x (health, summary), regression, retro x2
