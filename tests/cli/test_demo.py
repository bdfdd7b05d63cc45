"""`tars-ci demo`: the whole program on the bundled data (issue 2 acceptance)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tars_ci.cli import main
from tars_ci.reports.records import SCHEMA_VERSION

RELEASE = "checkout-api-v2-4-0"
EXPECTED_FILES = {
    "ga_kpis/ga_kpi_summary.json",
    *(f"stability/day_{d:02d}_summary.json" for d in range(1, 8)),
    *(f"health/day_{d:02d}_HEALTH.json" for d in range(1, 8)),
    "anomalies/anomaly_events.json",
    "regression/regression_summary.json",
    "output/GA_7DAY_RETROSPECTIVE.md",
    "output/GA_7DAY_RETROSPECTIVE.json",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out), "-q"]) == 0
    return out / RELEASE


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_demo_writes_the_whole_tree_in_the_runbook_layout(demo: Path):
    assert set(files(demo)) == EXPECTED_FILES


def test_two_demo_runs_are_byte_identical(demo: Path, tmp_path: Path):
    assert main(["demo", "--out", str(tmp_path), "-q"]) == 0
    assert files(tmp_path / RELEASE) == files(demo)


def test_every_json_is_canonical_and_versioned(demo: Path):
    for name, data in files(demo).items():
        if name.endswith(".json"):
            text = data.decode()
            doc = json.loads(text)
            assert doc["schema_version"] == SCHEMA_VERSION, name
            assert text == json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def test_retrospective_tells_the_seeds_story(demo: Path):
    retro = json.loads((demo / "output/GA_7DAY_RETROSPECTIVE.json").read_text())
    improve = {i["kpis"][0]: i for i in retro["what_could_be_improved"]}
    # day 5's 3-hour error burst: availability in its P0 band, the error rate and the SLO's
    # fast-page burn alert are one incident
    burst = improve["availability"]
    assert (burst["severity"], burst["priority"], burst["day"]) == ("critical", "P0", 5)
    assert burst["kpis"] == ["availability", "error_rate"]
    assert "slo:availability:burn" in burst["ids"]
    assert (improve["p99_latency_ms"]["severity"], improve["p99_latency_ms"]["day"]) == ("high", 2)
    assert "cpu_percent" in {d["kpi"] for d in retro["unexpected_drifts"]}
    wins = {w["title"]: w for w in retro["what_went_well"]}
    # the burst spent more than half of the availability SLO's budget: not a win any more
    slo = {s["name"]: s for s in retro["slos"]}
    assert slo["availability"]["compliant"] is False
    assert slo["availability"]["budget_remaining_percent"] == pytest.approx(41.6, abs=0.1)
    assert "availability SLO met" not in wins
    assert wins["latency_p99 SLO met"]["achievement_percent"] == 100.0  # never above 100 %
    fired = [a for a in slo["availability"]["burn_alerts"] if a["day"] == 5]
    assert {a["alert"] for a in fired} == {"page_fast", "page_slow", "ticket_fast",
                                           "ticket_slow"}
    assert retro["cost"]["average_daily"] == pytest.approx(336, abs=3)
    assert retro["cost"]["change_percent"] == pytest.approx(12, abs=1)
    assert set(retro["action_items"]) == {"P0", "P1", "P2", "P3"}
    assert [i["kpi"] for i in retro["action_items"]["P0"]] == ["availability"]
    assert [i["kpi"] for i in retro["action_items"]["P1"]] == ["p99_latency_ms"]
    # rollback on day 5, back to monitor from day 6: the week is "recovered", not "monitor"
    final = retro["final_recommendation"]
    assert final["decision"] == "recovered"
    assert final["headline"] == "rollback recommended on day 5; recovered from day 6"


def test_retrospective_markdown_sections_and_checklists(demo: Path):
    md = (demo / "output/GA_7DAY_RETROSPECTIVE.md").read_text()
    for heading in ("## Executive summary", "## What went well", "## What could be improved",
                    "## Unexpected drifts", "## Cost analysis", "## SLO compliance",
                    "Peak burn rate by window", "## Top", "## Action items", "### P0",
                    "### P1", "### P2", "### P3"):
        assert heading in md, heading
    assert re.search(r"^\| p99 latency \+37\.1% \(worse\) on day 2 \| high \| P1 \| 2 \|", md,
                     re.MULTILINE)
    assert re.search(r"^\| Availability -1\.4% \(worse\), SLO availability burn up to 80\.\d× "
                     r"and Error rate \+26\d\d\.\d% \(worse\) on day 5 \| critical \| P0 \| 5 \|",
                     md, re.MULTILINE)
    assert re.search(r"^\| page_fast \| P0 \| 5 \| 2026-11-07T13:", md, re.MULTILINE)
    assert re.search(r"^- \[ \] p99 latency \+3\d\.\d% \(worse\) on day 2", md, re.MULTILINE)
    assert "```mermaid\nxychart-beta" in md
    assert re.search(r"Cost averaged \$33[5-7]\.\d\d/day, \+12\.0% vs the GA day", md)


def test_demo_runs_from_any_directory_as_an_installed_command(tmp_path: Path):
    proc = subprocess.run([sys.executable, "-m", "tars_ci", "demo", "--out", "out"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert re.search(r"^\s+2\s+\d+\.\d\s+\w+\s+monitor\s+0\s+1\s", proc.stdout, re.MULTILINE)
    assert (tmp_path / "out" / RELEASE / "output" / "GA_7DAY_RETROSPECTIVE.md").is_file()


def test_a_closed_pipe_is_not_a_traceback(tmp_path: Path):
    proc = subprocess.run(f"'{sys.executable}' -m tars_ci demo --out out -q | head -1",
                          shell=True, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.stdout.startswith("tars-ci demo:") and "Traceback" not in proc.stderr
