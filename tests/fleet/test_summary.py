"""The fleet summary: rows read through each release's history store, and their rendering
(exact expected output)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tars_ci.cli import main
from tars_ci.cli.workflow import load_for_workflow
from tars_ci.fleet import load_fleet
from tars_ci.fleet.summary import (
    Links,
    ReleaseRow,
    fleet_rows,
    render_markdown,
    render_text,
)
from tars_ci.spec.loader import parse_timestamp
from tests.fleet.conftest import DAY_3, DOWN_SOURCE, NOW, add, demo_spec


def row(name: str, **changes: object) -> ReleaseRow:
    base = ReleaseRow(
        name=name, slug=name.replace(" ", "-").replace(".", "-"), spec=f"config/releases/{name}.yaml",
        days=7, latest_day=3, behind=(), health_score=96.25, health_band="excellent",
        decision="monitor", verdict=None, headline="", p0=0, p1=0, result="passing",
        reasons=(), reports=f"reports/{name}", retro=None, base_branch="main",
        retro_branch=f"tars-ci/retro-{name}")
    return base._replace(**changes)  # type: ignore[arg-type]


def test_rows_come_from_the_histories(fleet_dir: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    add(fleet_dir, "a.yaml", demo_spec("alpha v1"))
    add(fleet_dir, "b.yaml", demo_spec("bravo v1"))
    add(fleet_dir, "c.yaml", demo_spec("charlie v1", source=DOWN_SOURCE))
    add(fleet_dir, "d.yaml", demo_spec("delta v1"))
    add(fleet_dir, "e.yaml", "version: 1\n")
    reports = tmp_path / "reports"
    for spec, now in (("a", NOW), ("b", DAY_3), ("d", DAY_3)):
        main(["run", "--spec", f"config/releases/{spec}.yaml", "--now", now, "--reports",
              str(reports), "-q"], {})
    day_2 = reports / "delta-v1" / "stability" / "day_02_summary.json"
    day_2.write_text(day_2.read_text("utf-8").replace('"health_score": 88.8',
                                                      '"health_score": "high"'), "utf-8")
    capsys.readouterr()
    fleet = load_fleet(["config/releases"], lambda p: load_for_workflow(p, {})[0])
    rows = {r.slug: r for r in fleet_rows(fleet, reports, parse_timestamp(NOW), tmp_path)}
    order = [r.slug for r in fleet_rows(fleet, reports, parse_timestamp(NOW), tmp_path)]
    assert order == ["delta-v1", "e", "bravo-v1", "charlie-v1", "alpha-v1"]

    alpha = rows["alpha-v1"]  # the whole program recorded
    assert (alpha.latest_day, alpha.behind, alpha.health_score, alpha.health_band) == (
        7, (), 96.95, "excellent")
    assert (alpha.decision, alpha.verdict, alpha.result, alpha.p0, alpha.p1) == (
        "monitor", "recovered", "passing", 0, 0)
    assert alpha.headline == "rollback recommended on day 5; recovered from day 6"
    assert alpha.reports == "reports/alpha-v1"
    assert alpha.retro == "reports/alpha-v1/output/GA_7DAY_RETROSPECTIVE.md"

    bravo = rows["bravo-v1"]  # recorded through day 3, days 4-7 due since
    assert (bravo.latest_day, bravo.behind, bravo.result, bravo.verdict) == (
        3, (4, 5, 6, 7), "passing", None)

    charlie = rows["charlie-v1"]  # its source was never reachable: nothing recorded
    assert (charlie.latest_day, charlie.behind, charlie.result) == (
        None, (0, 1, 2, 3, 4, 5, 6, 7), "waiting")

    delta = rows["delta-v1"]  # a corrupt recorded day: an error naming file and field
    assert delta.result == "error"
    assert delta.reasons[0].startswith(f"{day_2}: .health_score: expected")

    spec_error = rows["e"]  # a spec that does not load
    assert spec_error.result == "error" and "missing required key 'release'" in \
        spec_error.reasons[0]


def test_the_markdown_exactly() -> None:
    rows = [
        row("api v1", result="failing", p1=1, health_score=88.8, health_band="good",
            reasons=("day 2: P1 p99 latency +37.6%", "day 2: P1 other")),
        row("web v2", behind=(4, 5)),
        row("db v3", latest_day=7, verdict="rollback", headline="rollback recommended on day 7",
            decision="rollback", retro="reports/db v3/output/GA_7DAY_RETROSPECTIVE.md"),
        row("new v4", latest_day=None, health_score=None, health_band=None, decision=None,
            result="waiting"),
        row("bad <b>@x</b>", result="error", reports=None, latest_day=None, health_score=None,
            health_band=None, decision=None, reasons=("spec.yaml:3: release: missing",)),
    ]
    text = render_markdown("tars-ci fleet · config/releases", rows,
                           Links("https://github.example/acme/shop"))
    assert text == """\
## tars-ci fleet · config/releases

5 releases: 1 error, 1 failing, 1 behind, 2 passing, 1 waiting for day 1.

The newest recorded day of each release: its health, rollback decision, the program verdict \
once the last day is recorded, its P0/P1 findings and its result (failing: a finding at the \
spec's fail level or a rollback recommendation, as the release's job exits 1).

| Release | Day | Health | Decision | Verdict | P0 | P1 | Result | Reports |
|---|---:|---:|---|---|---:|---:|---|---|
| api v1 (`api-v1`) | 3/7 | 88.8 (good) | monitor | — | 0 | 1 | **failing** | \
[history](https://github.example/acme/shop/tree/main/reports/api%20v1) |
| web v2 (`web-v2`) | 3/7 | 96.2 (excellent) | monitor | — | 0 | 0 | passing · behind (days 4, 5) | \
[history](https://github.example/acme/shop/tree/main/reports/web%20v2) |
| db v3 (`db-v3`) | 7/7 | 96.2 (excellent) | rollback | rollback | 0 | 0 | passing | \
[history](https://github.example/acme/shop/tree/main/reports/db%20v3) · \
[retrospective](https://github.example/acme/shop/blob/tars-ci%2Fretro-db%20v3/reports/db%20v3/output/GA_7DAY_RETROSPECTIVE.md) |
| new v4 (`new-v4`) | — | — | — | — | 0 | 0 | waiting | \
[history](https://github.example/acme/shop/tree/main/reports/new%20v4) |
| bad &lt;b&gt;@\u200bx&lt;/b&gt; (`bad-<b>@x</b>`) | — | — | — | — | 0 | 0 | **error** | — |

### Needs a look

- **api v1** (`config/releases/api v1.yaml`) is failing: day 2: P1 p99 latency +37.6% (and 1 more)
- **web v2** (`config/releases/web v2.yaml`) is behind: days 4, 5 closed and settled but not \
recorded (its job failed or did not run)
- **db v3** (`config/releases/db v3.yaml`): program complete, rollback recommended on day 7
- **bad &lt;b&gt;@\u200bx&lt;/b&gt;** (`config/releases/bad <b>@x</b>.yaml`): spec.yaml:3: \
release: missing
"""


def test_rows_that_do_not_fit_are_counted() -> None:
    rows = [row(f"release-{i:03d} v1") for i in range(400)]
    text = render_markdown("fleet", rows, None, limit=20_000)
    assert len(text) <= 20_000
    shown = sum(line.startswith("| release-") for line in text.splitlines())
    assert 0 < shown < 400
    assert text.endswith(f"… and {400 - shown} more release(s): the job summary of the "
                         f"fleet workflow lists every one.\n")


def test_the_text_table() -> None:
    text = render_text([row("api v1", result="failing", p1=1),
                        row("bad", result="error", reasons=("spec.yaml: broken",),
                            latest_day=None, health_score=None)])
    assert text.splitlines() == [
        "release       day  health  decision            verdict             P0 P1  result",
        "api v1        3/7    96.2  monitor             —                    0  1  failing",
        "bad             —       —  monitor             —                    0  0  error: "
        "spec.yaml: broken",
        "2 releases: 1 error, 1 failing"]


def test_the_fleet_command_and_its_exit_codes(fleet_dir: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    add(fleet_dir, "a.yaml", demo_spec("alpha v1"))
    add(fleet_dir, "b.yaml", demo_spec("bravo v1"))
    reports = tmp_path / "reports"
    main(["run", "--spec", "config/releases", "--now", DAY_3, "--reports", str(reports), "-q"],
         {})
    capsys.readouterr()
    args = ["fleet", "--spec", "config/releases", "--now", DAY_3, "--reports", str(reports)]
    assert main(args, {}) == 0
    assert capsys.readouterr().out.endswith("2 releases: 2 passing\n")

    summary = reports / "bravo-v1" / "stability" / "day_03_summary.json"
    summary.write_text("{", "utf-8")
    assert main(args, {}) == 4  # a history cannot be read: still every release shown
    out = capsys.readouterr().out
    assert "alpha v1" in out and f"error: cannot read {summary}" in out
    add(fleet_dir, "c.yaml", "version: 1\n")
    assert main(args, {}) == 4  # the largest of 2 (c.yaml) and 4 (bravo)
    assert "c.yaml" in capsys.readouterr().out
    summary.unlink()
    (reports / "bravo-v1" / "health" / "day_03_HEALTH.json").unlink()
    assert main(args, {}) == 2
    # no token: publishing is a usage error, a dry run shows the plan
    assert main([*args[:3], "--now", DAY_3, "--reports", str(reports), "--publish"], {}) == 2
    assert main([*args[:3], "--now", DAY_3, "--reports", str(reports), "--publish",
                 "--dry-run"], {}) == 2  # c.yaml still cannot be used
    out = capsys.readouterr().out
    assert "fleet issue: planned open_issue fleet config/releases" in out
