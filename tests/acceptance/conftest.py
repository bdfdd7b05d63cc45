"""Fixtures of the acceptance tests: real Prometheus servers over the verdict scenarios, and
``tars-ci run`` driven against them the way a scheduled job runs it."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from contextlib import redirect_stdout
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple

from tars_ci.cli import main
from tars_ci.scenario.catalog import GA
from tests.harness.fixtures import (  # noqa: F401
    demo_prometheus,
    error_burst_prometheus,
    latency_recovery_prometheus,
    latency_step_prometheus,
    noise_prometheus,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_SPEC = ROOT / "config" / "tars.yaml"
SLUG = "checkout-api-v2-4-0"
NOW = "2026-11-10T01:00:00Z"  # day 7 closed and settled: the whole program is due


def after_day(day: int) -> str:
    """``--now`` of the scheduled run that processes ``day`` (closed and settled)."""
    return (GA + timedelta(days=day + 1, hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Run(NamedTuple):
    """One ``tars-ci run``: its exit code, what it printed, and the history it wrote."""

    code: int
    out: str
    reports: Path
    slug: str = SLUG

    def load(self, relative: str) -> Any:
        return json.loads((self.reports / self.slug / relative).read_text("utf-8"))

    def day(self, n: int) -> dict[str, Any]:
        return self.load(f"stability/day_{n:02d}_summary.json")

    def days(self) -> dict[int, dict[str, Any]]:
        return {n: self.day(n) for n in range(1, 8)}

    def retro(self) -> dict[str, Any]:
        return self.load("output/GA_7DAY_RETROSPECTIVE.json")

    def markdown(self) -> str:
        return (self.reports / self.slug / "output" / "GA_7DAY_RETROSPECTIVE.md").read_text(
            "utf-8")


def tars_run(url: str, reports: Path, spec: Path = EXAMPLE_SPEC, now: str = NOW,
             env: Mapping[str, str] | None = None) -> Run:
    """``tars-ci run`` in-process against the Prometheus at ``url`` (``env`` added to the
    environment it sees)."""
    printed = io.StringIO()
    with redirect_stdout(printed):
        code = main(["run", "--spec", str(spec), "--now", now, "--reports", str(reports), "-q"],
                    {"PROMETHEUS_URL": url, **(env or {})})
    return Run(code, printed.getvalue(), reports)


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative name → bytes)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def spec_with(tmp_path: Path, kpis: str = "", slos: str = "") -> Path:
    """The example spec with extra KPI and SLO blocks (YAML, indented two spaces)."""
    text = EXAMPLE_SPEC.read_text("utf-8")
    for block, before in ((kpis, "\nslos:\n"), (slos, "\nthresholds:\n")):
        if block:
            assert text.count(before) == 1
            text = text.replace(before, "\n" + block.rstrip("\n") + "\n" + before)
    path = tmp_path / "tars.yaml"
    path.write_text(text, "utf-8")
    return path
