"""GitHub requests of ``publish`` against a repository with a long past.

    python -m bench.publishing [--other N] [--releases R] [--out bench/results_publishing.json]

One release's eight daily publish runs (days 0-7: P0/P1 issues opened, seen again,
relabelled, closed; the day-7 retrospective pull request with a reviewer) are replayed twice
against the GitHub emulator (``tests/github_emulator``, every body validated against GitHub's
schemas) and a bare git remote:

- ``empty``: a repository with nothing else in it;
- ``history``: the same repository holding ``N`` (default 1,000) **closed** tars-ci issues of
  ``R`` (default 100) other releases, each with the ``tars-ci``, priority and release labels,
  its finding marker and two comments, as an old repository has them.

Each run's GitHub requests (every method and path the emulator saw) are counted. The target
(issue 16): requests per run with the history ≤ 2× the requests of the same run without it.
Request counts do not depend on the machine; wall times (loopback, no pacing) are shown for
scale only. The figures are printed and written to ``bench/results_publishing.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple

from tars_ci.analysis.findings import Finding
from tars_ci.github import markers
from tars_ci.github.client import GitHubClient, Pacing, RetryPolicy
from tars_ci.github.lock import LockSettings
from tars_ci.github.publish import PublishOptions, publish
from tars_ci.spec.loader import parse_spec
from tests.github_emulator import GitHubEmulator
from tests.harness import records
from tests.harness.git import seed_remote
from tests.harness.records import finding

HERE = Path(__file__).resolve().parent
REPO = "acme/shop"
TOKEN = "ghp_benchtoken0000000000000000000000001"
SLUG = "checkout-api-v2-4-0"
GA = datetime(2026, 11, 2, tzinfo=timezone.utc)
TARGET = 2.0

SPEC_TEXT = """\
version: 1
release:
  name: checkout-api v2.4.0
  ga_time: "2026-11-02T00:00:00Z"
source:
  kind: replay
  path: data.replay
kpis:
  error_rate: {query: "sum(rate(errors[5m]))", unit: percent, better: lower, limit: 1.0}
  p99_latency_ms: {query: "histogram_quantile(0.99, x)", unit: ms, better: lower}
  cpu_percent: {query: "avg(cpu)", unit: percent, better: lower}
github:
  issue_priorities: [P0, P1]
  labels: [tars-ci, stabilization]
  reviewers: [release-lead]
  close_after_days: 2
"""

# what each day reports: issues opened (day 1, 2, 3), seen again, relabelled (day 4), closed
# (days 3 and 7), a new P0 (day 6); the retrospective on day 7
SCENARIO: dict[int, list[Finding]] = {
    1: [finding("cpu_percent", 1, "P1", value=80, baseline=40)],
    2: [finding("p99_latency_ms", 2, "P1", value=310, baseline=200, drift=55.0)],
    3: [finding("p99_latency_ms", 3, "P1", value=320, baseline=200, drift=60.0),
        finding("error_rate", 3, "P1", value=2.5, baseline=0.5, drift=400.0)],
    4: [finding("p99_latency_ms", 4, "P0", value=900, baseline=200, drift=350.0,
                severity="critical"),
        finding("error_rate", 4, "P1", value=2.6, baseline=0.5, drift=420.0)],
    5: [finding("p99_latency_ms", 5, "P1", value=330, baseline=200, drift=65.0),
        finding("error_rate", 5, "P1", value=2.4, baseline=0.5, drift=380.0)],
    6: [finding("error_rate", 6, "P1", value=2.2, baseline=0.5, drift=340.0),
        finding("availability", 6, "P0", kind="slo_burn", fid="slo:availability:burn",
                title="SLO availability burning", value=98.5, baseline=99.95, drift=-1.45)],
    7: [finding("error_rate", 7, "P1", value=2.1, baseline=0.5, drift=320.0),
        finding("availability", 7, "P0", kind="slo_burn", fid="slo:availability:burn",
                title="SLO availability burning", value=98.7, baseline=99.95, drift=-1.25)],
}


class RunCount(NamedTuple):
    """One publish run's GitHub traffic."""

    day: int
    requests: int
    reads: int
    writes: int
    seconds: float
    by_operation: dict[str, int]


def _seed_history(gh: GitHubEmulator, other: int, releases: int) -> None:
    """``other`` closed issues of ``releases`` other releases, as tars-ci leaves them."""
    state = gh.state
    with state.lock:
        repo = state.repos[REPO]
        for i in range(other):
            slug = f"other-service-v{i % max(1, releases)}"
            fid = f"kpi_{i % 7}:degradation"
            body = (f"{markers.finding_marker(slug, fid)}\n"
                    f"{markers.event_marker('opened', 1, 1)}\nAn old finding.")
            it = state._new_item(repo, "tars-ci-bot", f"[{slug}] P1 kpi_{i % 7} degradation",
                                 body, ["tars-ci", "priority/P1", f"release/{slug}"], [])
            for day, kind in ((2, "seen"), (3, "closed")):
                it["comments"].append({"id": state._id(), "user": "tars-ci-bot",
                                       "created_at": it["created_at"],
                                       "body": f"{markers.event_marker(kind, 1, day)}\nold"})
            it["state"], it["state_reason"] = "closed", "completed"
            it["closed_at"] = it["created_at"]


def _write_day(clone: Path, day: int) -> None:
    reports = clone / "reports"
    if day == 0:
        records.write_ga(reports)
        return
    records.write_day(reports, day, SCENARIO[day])
    if day == 7:
        records.write_retro(reports)


def program(other: int, releases: int) -> list[RunCount]:
    """The eight daily runs against a repository holding ``other`` old issues."""
    spec = parse_spec(SPEC_TEXT, {}, "tars.yaml")
    options = PublishOptions(push_backoff=0.01, locking=LockSettings(wait=30.0, poll=0.05),
                             sleep=lambda s: time.sleep(min(s, 0.05)))
    with tempfile.TemporaryDirectory(prefix="tars-bench-publish-") as tmp:
        base = Path(tmp)

        def prepare(tree: Path) -> None:
            (tree / "config").mkdir()
            (tree / "config" / "tars.yaml").write_text(SPEC_TEXT, encoding="utf-8")

        remote, _ = seed_remote(base, prepare, bare="remote.git", message="spec")
        clone = base / "work"
        subprocess.run(["git", "clone", "-q", str(remote), str(clone)], check=True,
                       capture_output=True)
        with GitHubEmulator() as gh:
            gh.add_repo(REPO, git_dir=str(remote))
            gh.state.tokens[TOKEN] = "tars-ci-bot"
            _seed_history(gh, other, releases)
            out = []
            for day in range(8):
                _write_day(clone, day)
                client = GitHubClient(TOKEN, REPO, api_url=gh.url,
                                      policy=RetryPolicy(backoff=0.05),
                                      pacing=Pacing(0.0, 0.0, 60), sleep=lambda s: None)
                before = len(gh.requests)
                started = time.perf_counter()
                result = publish(spec, clone, clone / "reports" / SLUG, [day], github=client,
                                 options=options,
                                 clock=lambda d=day: GA + timedelta(days=d + 1, hours=1))
                seconds = time.perf_counter() - started
                if not result.ok:
                    raise RuntimeError(f"day {day}: publish failed: {result.errors}")
                seen = gh.requests[before:]
                ops = Counter(f"{r.method} {r.op_id}" for r in seen)
                writes = sum(1 for r in seen if r.method != "GET")
                out.append(RunCount(day, len(seen), len(seen) - writes, writes, seconds,
                                    dict(sorted(ops.items()))))
            if gh.schema_problems or gh.unimplemented:
                raise RuntimeError(f"emulator: {gh.schema_problems[:3]} {gh.unimplemented[:3]}")
    return out


def measure(other: int = 1_000, releases: int = 100) -> dict[str, Any]:
    """Both programs and their per-run ratios."""
    empty = program(0, releases)
    history = program(other, releases)
    runs = []
    for a, b in zip(empty, history):
        runs.append({"day": a.day, "empty": a._asdict(), "history": b._asdict(),
                     "ratio": b.requests / a.requests if a.requests else None})
    worst = max(r["ratio"] for r in runs if r["ratio"] is not None)
    return {"other_issues": other, "other_releases": releases, "runs": runs,
            "total_empty": sum(r.requests for r in empty),
            "total_history": sum(r.requests for r in history),
            "worst_ratio": worst, "target": TARGET, "met": worst <= TARGET}


def table(result: dict[str, Any]) -> str:
    """The Markdown table of a result."""
    lines = [f"Requests per publish run: an empty repository vs one holding "
             f"{result['other_issues']:,} closed tars-ci issues of "
             f"{result['other_releases']} other releases.", "",
             "| Day | Requests (empty) | Requests (history) | × | Writes | Time (history) |",
             "|---:|---:|---:|---:|---:|---:|"]
    for r in result["runs"]:
        e, h = r["empty"], r["history"]
        lines.append(f"| {r['day']} | {e['requests']} | {h['requests']} | "
                     f"{r['ratio']:.2f}× | {h['writes']} | {h['seconds'] * 1000:.0f} ms |")
    lines += ["", f"Total: {result['total_empty']} vs {result['total_history']} requests; "
                  f"worst run {result['worst_ratio']:.2f}× (target ≤ {TARGET:g}×: "
                  f"{'met' if result['met'] else 'NOT met'})."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run, print, write the JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.publishing")
    parser.add_argument("--other", type=int, default=1_000)
    parser.add_argument("--releases", type=int, default=100)
    parser.add_argument("--out", type=Path, default=HERE / "results_publishing.json")
    args = parser.parse_args(argv)
    result = measure(args.other, args.releases)
    result["date"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    result["command"] = "python -m bench.publishing" + "".join(
        f" {a}" for a in (argv if argv is not None else sys.argv[1:]))
    print(table(result))
    args.out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
