import json
import math
import os
from pathlib import Path

import pytest

from tars_ci.errors import ReportError
from tars_ci.reports.jsonio import (
    SCHEMA_VERSION,
    dumps,
    read_json,
    write_json,
    write_text,
)


def test_dumps_is_canonical_sorted_rounded_and_newline_terminated():
    text = dumps({"b": 0.1 + 0.2, "a": [1, 2.0, -0.0, 1 / 3], "c": (1, 2)})
    assert text == ('{\n  "a": [\n    1,\n    2.0,\n    0.0,\n    0.333333\n  ],\n'
                    '  "b": 0.3,\n  "c": [\n    1,\n    2\n  ]\n}\n')


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_refused_not_written(bad):
    with pytest.raises(ValueError, match="non-finite"):
        dumps({"value": bad})


def test_write_json_adds_schema_version_and_reports_change(tmp_path: Path):
    target = tmp_path / "deep" / "x.json"
    assert write_json(target, {"k": 1}) is True
    assert json.loads(target.read_text()) == {"k": 1, "schema_version": SCHEMA_VERSION}
    mtime = target.stat().st_mtime_ns
    assert write_json(target, {"k": 1}) is False  # identical bytes: untouched
    assert target.stat().st_mtime_ns == mtime
    assert write_json(target, {"k": 2}) is True
    assert read_json(target)["k"] == 2


def test_failed_write_leaves_old_file_and_no_temporary(tmp_path: Path, monkeypatch):
    target = tmp_path / "x.json"
    write_text(target, "old\n")

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(ReportError, match="No space left on device"):
        write_text(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_unwritable_directory_is_a_report_error(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ReportError, match="cannot write"):
        write_text(blocker / "x.json", "{}\n")


def test_read_json_names_the_corrupt_file(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ReportError, match="bad.json"):
        read_json(bad)


def test_new_files_follow_the_umask_and_rewrites_keep_the_mode(tmp_path: Path):
    old = os.umask(0o022)
    try:
        target = tmp_path / "x.json"
        write_text(target, "a\n")
        assert target.stat().st_mode & 0o777 == 0o644
        target.chmod(0o640)
        write_text(target, "b\n")
        assert target.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)
