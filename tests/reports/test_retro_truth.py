"""One retrospective, one truth: every worst day, drift, length, SLI and budget that appears
in more than one place of the Markdown and the JSON is the same value.

The Markdown is parsed back (tables by their headers, sentences by pattern) and compared with
itself and with the JSON, on the committed demo and on the hand-built weeks of
tests/reports/retro_weeks.py (an incident with a burn-rate page, a recovery, spec changes).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tars_ci.reports.store import History
from tars_ci.spec.model import Spec
from tests.reports import retro_weeks

ROOT = Path(__file__).resolve().parents[2]
DRIFT = r"(?:[+-]?\d[\d,]*\.\d+%|[+-]\d(?:\.\d+)?e-\d+%|[+-]?0\.\d+%) \((?:worse|better|unchanged)\)"


def demo() -> tuple[str, dict[str, Any]]:
    out = ROOT / "reports" / "checkout-api-v2-4-0" / "output"
    return ((out / "GA_7DAY_RETROSPECTIVE.md").read_text(),
            json.loads((out / "GA_7DAY_RETROSPECTIVE.json").read_text()))


def built(week: Callable[[], tuple[Spec, History]]) -> Callable[[], tuple[str, dict[str, Any]]]:
    return lambda: retro_weeks.build(week)


CASES = {"demo": demo, "rollback": built(retro_weeks.rollback_week),
         "recovered": built(retro_weeks.recovered_week),
         "changed": built(retro_weeks.changed_week), "quiet": built(retro_weeks.quiet_week),
         "overspent": built(retro_weeks.overspent_week)}


# --------------------------------------------------------------------------- parsing


def section(md: str, heading: str) -> str:
    """The text under ``## heading`` (to the next ``## ``)."""
    m = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", md, re.MULTILINE | re.DOTALL)
    assert m, f"no section {heading!r}"
    return m.group(1)


def table(text: str, first: str) -> list[dict[str, str]]:
    """The rows of the table whose header starts with ``| first |``, as dicts."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first} |"))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(dict(zip(header, (c.strip() for c in line.strip("|").split(" | ")),
                             strict=True)))
    return rows


def minutes(start: str, end: str) -> float:
    def t(s: str) -> datetime:
        return datetime.fromisoformat(s.replace("Z", "+00:00"))
    return (t(end) - t(start)).total_seconds() / 60


def length(m: float) -> str:
    whole = round(m)
    return f"{whole} min" if whole < 60 else f"{whole // 60}h {whole % 60:02d}m"


# --------------------------------------------------------------------------- the checks


@pytest.fixture(params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    return CASES[request.param]()


def test_each_kpis_worst_day_and_drift_are_one_pair_everywhere(
        case: tuple[str, dict[str, Any]]) -> None:
    md, doc = case
    trends = {t["title"]: t for t in doc["trends"]}
    rows = {r["Metric"]: r for r in table(section(md, "Trends (day 1–7)"), "Metric")}
    assert set(rows) == set(trends)
    seen: dict[str, set[tuple[str, int | None]]] = {}
    for title, t in trends.items():
        row = rows[title]
        day = None if row["Worst day"] == "—" else int(row["Worst day"])
        assert (day, row["Worst drift"]) == (t["worst_day"], t["worst"]), title
        assert row["Last day"] == t["last"], title
        if day is not None:
            seen[title] = {(row["Worst drift"], day)}
    # unexpected drifts: the same worst and last day
    if doc["unexpected_drifts"]:
        for d in table(section(md, "Unexpected drifts"), "Metric"):
            w = re.fullmatch(rf"({DRIFT}) on day (\d+)", d["Worst"])
            assert w, d
            seen[d["Metric"]].add((w.group(1), int(w.group(2))))
            assert d["Last day"] == rows[d["Metric"]]["Last day"]
    # what went well: "(worst X on day D)"
    for m in re.finditer(rf"^- \*\*(.+?)\*\*: .*?\(worst ({DRIFT}) on day (\d+)\)",
                         section(md, "What went well"), re.MULTILINE):
        seen[m.group(1)].add((m.group(2), int(m.group(3))))
    # every incident title, wherever it is shown: each degradation label is its KPI's worst
    titles = [i["title"] for i in doc["what_could_be_improved"]]
    improve = [r["Incident"] for r in table(section(md, "What could be improved"), "Incident")
               ] if titles else []
    assert improve == titles
    items = re.findall(r"^- \[ \] (.+?) \((?:low|medium|high|critical)[;)]",
                       section(md, "Action items"), re.MULTILINE)
    assert sorted(items) == sorted(titles)
    for rec in re.findall(r"— for: (.+)$", section(md, _top(md)), re.MULTILINE):
        drift = re.fullmatch(rf"(.+) worst ({DRIFT}) on day (\d+)", rec)
        if drift:
            seen[drift.group(1)].add((drift.group(2), int(drift.group(3))))
        else:
            assert rec in titles or rec == doc["final_headline"], rec
    urgent = re.search(r"Most urgent: (.+?) \(P\d, \w+\)\.", section(md, "Executive summary"))
    if titles:
        assert urgent and urgent.group(1) == titles[0]
    for item in doc["what_could_be_improved"]:
        day = item["day"]
        for title in trends:
            for m in re.finditer(rf"(?:^|, | and ){re.escape(title)} ({DRIFT})", item["title"]):
                seen[title].add((m.group(1), day))
            for m in re.finditer(rf"{re.escape(title)} \S+ \S+ vs \S+ \S+ at GA: ({DRIFT})|"
                                 rf"{re.escape(title)} \S+ vs \S+ at GA: ({DRIFT})",
                                 item["impact"]):
                seen[title].add((m.group(1) or m.group(2), day))
    for title, pairs in seen.items():
        assert len(pairs) == 1, f"{title}: {sorted(pairs)}"


def _top(md: str) -> str:
    return next(h for h in re.findall(r"^## (Top .*)$", md, re.MULTILINE))


def test_lengths_are_the_times_they_sit_beside(case: tuple[str, dict[str, Any]]) -> None:
    md, doc = case
    anomalies = section(md, "Anomalies")
    if doc["anomalies"]["top"]:
        for row, e in zip(table(anomalies, "Metric"), doc["anomalies"]["top"], strict=True):
            assert row["Length"] == length(minutes(row["Start"], row["End"])) == e["duration"]
            assert e["minutes"] == pytest.approx(minutes(e["start"], e["end"]))
    for s in doc["slos"]:
        if s["burn_alerts"]:
            sub = section(md, "SLO compliance").split(f"### {s['name']} ", 1)[1]
            for row, a in zip(table(sub, "Alert"), s["burn_alerts"], strict=True):
                start, end = row["Firing (UTC)"].split(" – ")
                assert row["Length"] == length(minutes(start, end)) == a["duration"]
    coverage = section(md, "Data coverage")
    for row in table(coverage, "Day") if doc["coverage"]["gap_rows"] else []:
        assert row["Length"] == length(minutes(row["From (UTC)"], row["To (UTC)"]))
    for g in doc["coverage"]["gaps"]:
        assert g["minutes"] == pytest.approx(minutes(g["start"], g["end"]))


def test_slis_budgets_health_and_the_verdict_read_the_same_everywhere(
        case: tuple[str, dict[str, Any]]) -> None:
    md, doc = case
    summary = section(md, "Executive summary")
    slo_text = section(md, "SLO compliance")
    wins = section(md, "What went well")
    for s in doc["slos"]:
        said = re.search(rf"SLO {s['name']} [\w ]+(?: \(missing data\))?: SLI (\S+) vs \S+, "
                         rf"(?:(\S+) of the error budget left|its error budget overspent by "
                         rf"(\S+))\.", summary)
        assert said, s["name"]
        sub = slo_text.split(f"### {s['name']} ", 1)[1]
        assert f"- SLI over days 1–7: {said.group(1)} —" in sub
        assert (f", {said.group(2)} left" if said.group(2) else
                f": overspent by {said.group(3)}") in sub
        met = re.search(rf"\*\*{s['name']} SLO met\*\*: SLI (\S+) .* achievement (\S+) "
                        rf"\(the error budget left\)", wins)
        assert (met is not None) == bool(s["compliant"])
        if met:
            assert met.group(1) == said.group(1) and met.group(2) == said.group(2)
    for w in doc["what_went_well"]:
        assert w["achievement_percent"] is None or 0 <= w["achievement_percent"] <= 100
    rows = table(summary, "Day")
    scored = [(float(r["Health"]), int(r["Day"]), r["Band"]) for r in rows
              if r["Health"] != "n/a"]
    low = re.search(r"lowest (\S+) on day (\d+), (\w+)\)", summary)
    assert low and (float(low.group(1)), int(low.group(2)), low.group(3)) == min(
        scored, key=lambda x: (x[0], x[1]))
    mean = re.search(r"Health averaged (\S+) over (\d+) scored days?", summary)
    assert mean and int(mean.group(2)) == len(scored)
    assert float(mean.group(1)) == pytest.approx(sum(x[0] for x in scored) / len(scored),
                                                 abs=0.05)
    for r in rows:  # an insufficient_data day never shows a score
        assert (r["Health"] == "n/a") == r["Band"].startswith("insufficient data")
    verdict = re.search(r"Final verdict: \*\*(.+?)\*\* — (.+?)\. ", summary)
    final = section(md, "Final verdict")
    assert verdict and final.startswith(f"\n**{verdict.group(1)}**: {verdict.group(2)}.\n")
    assert doc["final_recommendation"]["decision"].replace("_", " ") == verdict.group(1)
    # the JSON keeps the verdict's own headline; the Markdown drops a repeated "rollback: "
    assert doc["final_recommendation"]["headline"].endswith(doc["final_headline"])
    assert doc["final_headline"] == verdict.group(2)
