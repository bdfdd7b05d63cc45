"""The periodic report file: exact Markdown, its JSON Schema, a lossless round trip, and a
corrupt file named with its field and the command that rewrites it."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone
from importlib.resources import as_file, files
from pathlib import Path

import jsonschema
import pytest

from tars_ci.cli import main
from tars_ci.errors import ReportError
from tars_ci.pipeline.periodic import period_window, run_report
from tars_ci.reports import schemas
from tars_ci.reports.periodic_md import render
from tars_ci.reports.records import ReleaseBlock
from tars_ci.reports.store import HistoryStore
from tars_ci.sources import open_source
from tars_ci.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]
RELEASE = "checkout-api-v2-4-0"
EXPECTED = Path(__file__).parent / "expected" / "periodic_24h_20261108T0000Z.md"
END = datetime(2026, 11, 8, tzinfo=timezone.utc)  # day 5, the burst, closes


@pytest.fixture
def written(tmp_path: Path) -> Path:
    """The 24-hour report of day 5 written next to a copy of the demo's history."""
    shutil.copytree(ROOT / "reports" / RELEASE, tmp_path / RELEASE)
    with as_file(files("tars_ci.demo") / "tars.yaml") as path:
        spec = load_spec(path, {})
        source = open_source(spec.source, Path(path).parent)
    result = run_report(spec, source, tmp_path, period_window(spec, timedelta(hours=24), END),
                        now=END + timedelta(hours=1))
    assert [p.name for p in result.written] == ["24h_20261108T0000Z.json",
                                                "24h_20261108T0000Z.md"]
    return result.json_path


def test_markdown_of_day_5_is_exactly_the_expected_text(written: Path) -> None:
    """Exact output. After an intended change, regenerate it with
    `tars-ci report --spec tars_ci/demo/tars.yaml --period 24h --end 2026-11-08T00:00:00Z
    --reports DIR` on a copy of reports/ and copy DIR/…/periodic/24h_20261108T0000Z.md here."""
    assert written.with_suffix(".md").read_text() == EXPECTED.read_text()


def test_the_recorded_json_renders_the_same_markdown_and_round_trips(written: Path,
                                                                     tmp_path: Path) -> None:
    store = HistoryStore(tmp_path, ReleaseBlock("checkout-api v2.4.0", RELEASE,
                                                "2026-11-02T00:00:00Z", 7))
    report = store.read_periodic("24h", "20261108T0000Z")
    assert report is not None
    assert render(report) == written.with_suffix(".md").read_text()
    copy = HistoryStore(tmp_path / "copy", store.release)
    copy.write_periodic(report, "20261108T0000Z", render(report))
    again = copy.paths.periodic("24h", "20261108T0000Z")
    assert again.read_bytes() == written.read_bytes()


def test_the_file_validates_against_its_committed_schema(written: Path) -> None:
    committed = json.loads((ROOT / "config" / "schemas" / "periodic_report.schema.json")
                           .read_text())
    assert committed == schemas.schema("periodic_report")
    jsonschema.Draft202012Validator(committed).validate(json.loads(written.read_text()))


def test_a_corrupt_field_names_the_file_the_path_and_the_repair(written: Path,
                                                                tmp_path: Path,
                                                                capsys) -> None:
    data = json.loads(written.read_text())
    data["slo"]["availability"]["burn"]["alerts"][0]["priority"] = "P7"
    written.write_text(json.dumps(data))
    store = HistoryStore(tmp_path, ReleaseBlock("checkout-api v2.4.0", RELEASE,
                                                "2026-11-02T00:00:00Z", 7))
    with pytest.raises(ReportError) as info:
        store.read_periodic("24h", "20261108T0000Z")
    assert str(info.value) == (
        f"{written}: .slo.availability.burn.alerts[0].priority: expected one of 'P0', 'P1', "
        "'P2', 'P3', got string 'P7'; `tars-ci report --force` with the same --period and "
        "--end rewrites it from the source")
    demo = files("tars_ci.demo")
    for name in ("tars.yaml", "demo_replay.json.gz"):
        shutil.copyfile(str(demo / name), tmp_path / name)
    args = ["report", "--spec", str(tmp_path / "tars.yaml"), "--reports", str(tmp_path),
            "--period", "24h", "--end", "2026-11-08T00:00:00Z", "--now",
            "2026-11-10T00:00:00Z", "-q"]
    assert main(args) == 4
    assert ".alerts[0].priority" in capsys.readouterr().err


def test_strings_from_the_spec_cannot_inject_markdown(tmp_path: Path) -> None:
    text = (ROOT / "tars_ci" / "demo" / "tars.yaml").read_text()
    text = text.replace("title: Memory utilisation", "title: \"@team <img src=x> [x](http://e)\"")
    shutil.copyfile(ROOT / "tars_ci" / "demo" / "demo_replay.json.gz",
                    tmp_path / "demo_replay.json.gz")
    (tmp_path / "tars.yaml").write_text(text)
    spec = load_spec(tmp_path / "tars.yaml", {})
    shutil.copytree(ROOT / "reports" / RELEASE, tmp_path / "reports" / RELEASE)
    result = run_report(spec, open_source(spec.source, tmp_path), tmp_path / "reports",
                        period_window(spec, timedelta(hours=24), END),
                        now=END + timedelta(hours=1))
    md = result.markdown_path.read_text()
    assert "<img" not in md and "](http:" not in md and "@team" not in md
    assert "&lt;img src=x&gt;" in md
