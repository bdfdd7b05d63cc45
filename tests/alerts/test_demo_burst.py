"""The demo's day-5 incident through the committed rules file and the real promtool.

Day 5 of the demo has a 3-hour burst of 8 % errors (13:00-16:00 UTC). The committed day-5
summary records when the daily check's burn-rate evaluation had each page alert firing; here
the demo's own recorded SLI series for that day are the promtool input, and the committed
``TarsCiSloBurn`` alerts must fire at exactly those minutes and at no other: the live alert
and the CI verdict agree on a real incident, onset and reset included.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from tars_ci.sources.replay import read_replay
from tars_ci.spec.values import format_duration
from tests.alerts.helpers import ROOT, promtool

CONFIG = ROOT / "config"
RULES = "checkout-api-v2-4-0.rules.yml"
DAY5 = ROOT / "reports" / "checkout-api-v2-4-0" / "stability" / "day_05_summary.json"
REPLAY = ROOT / "tars_ci" / "demo" / "demo_replay.json.gz"
PAGES = ("page_fast", "page_slow")
STEP = timedelta(minutes=1)
# The minutes checked: an hour before the burst to an hour after it ended.
FIRST, LAST = timedelta(hours=12), timedelta(hours=17, minutes=30)


def _stamp(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _day5() -> tuple[float, dict[str, tuple[float, float]]]:
    """Day 5's start and each page alert's firing episode [start, end) from the summary."""
    summary = json.loads(DAY5.read_text(encoding="utf-8"))
    start = _stamp(summary["window"]["start"])
    episodes = {a["alert"]: (_stamp(a["start"]), _stamp(a["end"]))
                for a in summary["slo_burn"]["availability"]["alerts"] if a["alert"] in PAGES}
    return start, episodes


def _values(values: np.ndarray) -> str:
    return " ".join(repr(float(v)) for v in values)


def _suite(day_start: float, episodes: dict[str, tuple[float, float]]) -> dict[str, Any]:
    series = read_replay(REPLAY)
    good, total = series["slo:availability:good"], series["slo:availability:total"]
    assert good.step == total.step == STEP.total_seconds() and good.start == total.start
    first = round((day_start - good.start) / good.step)
    n = round(LAST / STEP) + 1
    ok = good.present[first:first + n] & total.present[first:first + n]
    assert ok.all(), "the demo's day-5 SLI series has gaps"
    bad = total.values[first:first + n] - good.values[first:first + n]
    labels = '{release="checkout-api-v2-4-0",slo="availability"}'
    tests = []
    at = FIRST
    while at <= LAST:
        t = day_start + at.total_seconds()
        firing = sorted(a for a, (s, e) in episodes.items() if s <= t < e)
        tests.append({
            "expr": f'count by (burn_alert) (ALERTS{{alertname="TarsCiSloBurn",'
                    f'alertstate="firing",slo="availability",burn_alert=~"{"|".join(PAGES)}"}})',
            "eval_time": format_duration(at),
            "exp_samples": [{"labels": f'{{burn_alert="{a}"}}', "value": 1} for a in firing]})
        at += STEP
    return {"rule_files": [RULES], "evaluation_interval": "1m", "tests": [{
        "name": "the demo's day-5 burst: page alerts fire when the daily check's do",
        "interval": "1m",
        "input_series": [
            {"series": f"slo:sli_bad:rate{labels}", "values": _values(bad)},
            {"series": f"slo:sli_total:rate{labels}",
             "values": _values(total.values[first:first + n])}],
        "promql_expr_test": tests}]}


def test_the_day5_burst_fires_the_page_alerts_when_the_daily_check_does(tmp_path: Path) -> None:
    day_start, episodes = _day5()
    # The story the summary tells: the fast page opens minutes into the burst (13:00) and
    # clears minutes after it ends (16:00); the slow page likewise, through its 30m window.
    assert set(episodes) == set(PAGES)
    fast, slow = episodes["page_fast"], episodes["page_slow"]
    assert day_start + 13 * 3600 < fast[0] < slow[0] < day_start + 13.5 * 3600
    assert day_start + 16 * 3600 < fast[1] < slow[1] < day_start + 16.75 * 3600
    (tmp_path / RULES).write_bytes((CONFIG / RULES).read_bytes())
    (tmp_path / "burst.test.yml").write_text(
        yaml.safe_dump(_suite(day_start, episodes), sort_keys=False), encoding="utf-8")
    tested = promtool("test", "rules", "burst.test.yml", cwd=tmp_path)
    assert tested.returncode == 0, tested.stdout[-6000:] + tested.stderr[-6000:]
    assert "SUCCESS" in tested.stdout


def test_the_burst_check_fails_when_the_page_factor_is_wrong(tmp_path: Path) -> None:
    """The comparison above can fail: the fast page at 20× instead of 14.4× opens later."""
    day_start, episodes = _day5()
    text = (CONFIG / RULES).read_text(encoding="utf-8")
    fast = ('slo:sli_error:ratio_rate1h{release="checkout-api-v2-4-0",slo="availability"} '
            '/ 0.001 > 14.4')
    assert text.count(fast) == 1
    (tmp_path / RULES).write_text(text.replace(fast, fast.replace("14.4", "20")),
                                  encoding="utf-8")
    (tmp_path / "burst.test.yml").write_text(
        yaml.safe_dump(_suite(day_start, episodes), sort_keys=False), encoding="utf-8")
    tested = promtool("test", "rules", "burst.test.yml", cwd=tmp_path)
    assert tested.returncode != 0
    assert 'burn_alert="page_fast"' in tested.stdout + tested.stderr
