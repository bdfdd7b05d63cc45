"""``tars-ci openslo import | export``: output, notes, writing into a spec, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tars_ci.cli import main
from tests.openslo.test_import import DOCS, SMALL_SPEC


def test_import_prints_the_spec_sections_and_notes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openslo", "import", str(DOCS / "kinds.yaml")], env={}) == 0
    out, err = capsys.readouterr()
    assert out.startswith("# Imported by `tars-ci openslo import`: add these to the spec's")
    assert yaml.safe_load(out) == {"slos": {"web_up": {"objective": 99.0, "ratio": {
        "good": 'sum(up{job="web"})', "total": 'count(up{job="web"})'}}}}
    notes = err.splitlines()
    assert len(notes) == 6
    assert all(n.startswith(f"note: {DOCS / 'kinds.yaml'}: document ") for n in notes)


def test_import_reads_several_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (DOCS / "roundtrip.yaml").read_text(encoding="utf-8")
    first, rest = text.split("\n---\n", 1)
    sli, slos = rest.split("\n---\n", 1)
    (tmp_path / "sources.yaml").write_text(first + "\n---\n" + sli, encoding="utf-8")
    (tmp_path / "slos.yaml").write_text(slos, encoding="utf-8")
    assert main(["openslo", "import", str(tmp_path / "sources.yaml"),
                 str(tmp_path / "slos.yaml")], env={}) == 0
    data = yaml.safe_load(capsys.readouterr().out)
    assert list(data["slos"]) == ["web_availability", "checkout_errors", "main_page",
                                  "search_latency", "api_minutes"]


def test_documents_that_do_not_map_are_exit_2(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: s}\nspec:\n"
                   "  indicatorRef: x\n  budgetingMethod: Occurrences\n"
                   "  timeWindow: [{duration: 1Q, isRolling: true}]\n"
                   "  objectives: [{target: 0.9}]\n", encoding="utf-8")
    assert main(["openslo", "import", str(bad)], env={}) == 2
    err = capsys.readouterr().err
    assert err == (f"error: {bad}: document 0 (SLO s): spec.timeWindow[0].duration: '1Q': "
                   f"months, quarters and years have no fixed length; tars-ci's rolling window "
                   f"needs minutes, hours, days or weeks (e.g. 30d)\n")


@pytest.mark.parametrize(("argv", "message"), [
    (["openslo", "import", "missing.yaml"], "error: missing.yaml: cannot read:"),
    (["openslo", "import", "x.yaml", "--write"], "error: --write needs --spec FILE"),
    (["openslo"], ""),
])
def test_usage_errors_are_exit_2(argv: list[str], message: str,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv, env={}) == 2
    assert message in capsys.readouterr().err


def test_writing_a_name_the_spec_has_is_refused(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "tars.yaml"
    spec.write_text(SMALL_SPEC, encoding="utf-8")
    doc = tmp_path / "up.yaml"
    doc.write_text("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: up-slo}\nspec:\n"
                   "  indicator:\n    metadata: {name: up}\n    spec:\n      thresholdMetric:\n"
                   "        metricSource: {type: Prometheus, spec: {query: 'max(up)'}}\n"
                   "  budgetingMethod: Occurrences\n"
                   "  objectives: [{target: 0.9, op: gte, value: 1}]\n", encoding="utf-8")
    assert main(["openslo", "import", str(doc), "--spec", str(spec), "--write"], env={}) == 2
    assert "kpis.up is in the spec already" in capsys.readouterr().err
    assert spec.read_text(encoding="utf-8") == SMALL_SPEC


def test_a_merge_the_spec_loader_refuses_is_not_written(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "tars.yaml"
    spec.write_text(SMALL_SPEC.replace("source: {kind: replay, path: x.json}",
                                       "source: {kind: replay, path: x.json, step: 5m}"),
                    encoding="utf-8")
    before = spec.read_text(encoding="utf-8")
    doc = tmp_path / "slo.yaml"
    doc.write_text("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: Big-Name}\nspec:\n"
                   "  indicator:\n    metadata: {name: i}\n    spec:\n      thresholdMetric:\n"
                   "        metricSource: {type: Prometheus, spec: {query: 'max(up)'}}\n"
                   "  budgetingMethod: Timeslices\n"
                   "  objectives: [{target: 0.9, op: gte, value: 1, timeSliceWindow: 1m}]\n",
                   encoding="utf-8")
    assert main(["openslo", "import", str(doc), "--spec", str(spec), "--write"], env={}) == 2
    assert ("spec.objectives[0].timeSliceWindow: 1m does not map: tars-ci judges a time slice "
            "per step, and the spec's source.step is 5m") in capsys.readouterr().err
    assert spec.read_text(encoding="utf-8") == before


def test_export_of_a_spec_needs_no_secrets(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "tars.yaml"
    spec.write_text(SMALL_SPEC.replace("source: {kind: replay, path: x.json}",
                                       "source: {kind: prometheus, url: '${PROM_URL}'}")
                    + "slos:\n  up:\n    objective: 99\n    threshold: {kpi: up, min: 1}\n",
                    encoding="utf-8")
    assert main(["openslo", "export", "--spec", str(spec)], env={}) == 0
    docs = list(yaml.safe_load_all(capsys.readouterr().out))
    assert docs[1]["spec"]["objectives"] == [{"target": 0.99, "op": "gte", "value": 1.0}]
    assert "PROM_URL" not in str(docs) and "unset.invalid" not in str(docs)
