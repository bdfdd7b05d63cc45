"""Derived figures, targets and the Markdown table of a benchmark run.

:func:`write` completes the results document (ratios, targets met or missed) and writes it
as ``results.json`` (sorted keys, 6 significant digits: :mod:`tars_ci.reports.jsonio`) and
``RESULTS.md`` (the table the README shows). Ratios are stated so that the target reads
directly: speed-ups (peer time / tars-ci time, more is better) and multiples (tars-ci /
reference, less is better).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from tars_ci.reports.jsonio import write_json, write_text

PIPELINE, PANDAS, FLOOR = "tars-ci", "pandas", "floor"
TARS_FETCH, LOWER, PEER = "tars-ci", "lower bound (httpx, JSON only)", "prometheus-api-client"


class Target(NamedTuple):
    """One target of the issue, judged on this run."""

    name: str
    target: str
    measured: str
    met: bool


def derive(results: dict[str, Any]) -> None:
    """Add the ratios to the analysis and collection rows (in place)."""
    rows = results["analysis"]
    for row in rows:
        row["seconds"] = min(row["wall_seconds"])
        row["points_per_second"] = row["points"] / row["seconds"]
        row["rss_ratio"] = row["peak_rss"] / row["raw_bytes"]
        row["extra_rss_ratio"] = (row["peak_rss"] - row["data_rss"]) / row["raw_bytes"]
    for row in rows:
        same = {r["method"]: r["seconds"] for r in rows if r["series"] == row["series"]}
        row["speedup_vs_pandas"] = same[PANDAS] / row["seconds"]
        row["multiple_of_floor"] = row["seconds"] / same[FLOOR]
    for row in results["collection"]:
        same = {r["method"]: r["seconds"] for r in results["collection"]
                if r["spec"] == row["spec"]}
        row["multiple_of_lower_bound"] = row["seconds"] / same[LOWER]
        row["speedup_vs_prometheus_api_client"] = same[PEER] / row["seconds"]
    if results.get("releases"):
        derive_releases(results["releases"])


def derive_releases(fleet: dict[str, Any]) -> None:
    """Benchmark 6's ratios (in place)."""
    lower = next(r["seconds"] for r in fleet["collection"] if r["method"] == LOWER)
    for row in fleet["collection"]:
        row["multiple_of_lower_bound"] = row["seconds"] / lower
    for row in fleet["end_to_end"]:
        row["multiple_of_bound"] = row["seconds"] / row["bound"]


def targets(results: dict[str, Any]) -> list[Target]:
    """The issue's targets, judged at the largest measured size."""
    rows = results["analysis"]
    top = max(r["series"] for r in rows)
    at = {r["method"]: r for r in rows if r["series"] == top}
    row = at[PIPELINE]
    out = [
        Target(f"Analysis, {top:,} series: speed-up vs pandas", "≥ 3×",
               f"{row['speedup_vs_pandas']:.2f}×", row["speedup_vs_pandas"] >= 3),
        Target(f"Analysis, {top:,} series: time vs one-pass floor", "≤ 4×",
               f"{row['multiple_of_floor']:,.0f}×", row["multiple_of_floor"] <= 4),
        Target(f"Analysis, {top:,} series: peak RSS vs raw data", "≤ 2×",
               f"{row['rss_ratio']:.2f}×", row["rss_ratio"] <= 2),
    ]
    for spec in dict.fromkeys(r["spec"] for r in results["collection"]):
        fetch = next(r for r in results["collection"]
                     if r["spec"] == spec and r["method"] == TARS_FETCH)
        label = f"Collection, {spec} ({fetch['kpis']} KPIs)"
        out.append(Target(f"{label}: time vs lower bound", "≤ 1.15×",
                          f"{fetch['multiple_of_lower_bound']:.2f}×",
                          fetch["multiple_of_lower_bound"] <= 1.15))
        out.append(Target(f"{label}: speed-up vs prometheus-api-client", "≥ 3×",
                          f"{fetch['speedup_vs_prometheus_api_client']:.2f}×",
                          fetch["speedup_vs_prometheus_api_client"] >= 3))
    big = max(results["end_to_end"], key=lambda r: r["kpis"])
    out.append(Target(f"End to end, {big['kpis']:,} KPIs", "< 60 s",
                      f"{big['seconds']:.1f} s", big["seconds"] < 60))
    start = results["startup"]
    out.append(Target("CLI start-up vs bare Python", "≤ 3×", f"{start['ratio']:.2f}×",
                      start["ratio"] <= 3))
    scorer = results["scorer"]
    out.append(Target("Anomaly scorer, one core", "≥ 200,000 points/s",
                      f"{scorer['points_per_second']:,.0f} points/s",
                      scorer["points_per_second"] >= 200_000))
    return out


def markdown(results: dict[str, Any]) -> str:
    """The Markdown tables of a completed results document."""
    m = results["machine"]
    load = ", ".join(f"{x:g}" for x in m["load_average_at_start"])
    v = m["versions"]
    lines = [
        "# tars-ci benchmarks",
        "",
        f"Run {results['date']} with `{results['command']}` in "
        f"{results['total_seconds'] / 60:.1f} min on {m['cpu']}, {m['cores']} cores, "
        f"{m['memory_gib']:g} GiB RAM (load average at start {load}); {m['os']}; "
        f"Python {m['python']}, numpy {v['numpy']}, pandas {v['pandas']}, httpx {v['httpx']}, "
        f"prometheus-api-client {v['prometheus-api-client']}; {m['prometheus']}.",
        "",
        "## Targets",
        "",
        *table(["Target", "Goal", "Measured", "Met"],
               [[t.name, t.target, t.measured, "✓" if t.met else "✗"]
                for t in targets(results)], "lllc"),
        "",
        "## 1. Analysis — day 7: daily values, drift, anomaly scoring + episodes, trend",
        "",
        "S series × 11,520 points (8 days at 1 min): level, daily cycle, noise and drift; "
        "an incident in 5 % of the series and a scrape gap in another 5 % "
        "(`bench/data.py`). `tars-ci` is the pipeline's own calls (anomaly episodes in row "
        "blocks on every core); `pandas` the same computation written with pandas (`bench/pandas_reference.py`, checked equal "
        "by the tests); `floor` one numpy pass. Wall time, best of N, each size and method "
        "in its own process. Speed-up = pandas time / time; × floor = time / one numpy "
        "pass; peak RSS / raw = process peak RSS / the float64 matrix.",
        "",
        *table(["Series (raw)", "Method", "Time", "Points/s", "vs pandas", "× floor",
                "Peak RSS", "RSS / raw", "N"],
               [[f"{r['series']:,} ({mib(r['raw_bytes'])})", r["method"],
                 secs(r["seconds"]), rate(r["points_per_second"]),
                 f"{r['speedup_vs_pandas']:,.2f}×", f"{r['multiple_of_floor']:,.0f}×",
                 mib(r["peak_rss"]), f"{r['rss_ratio']:.2f}×", str(r["repeat"])]
                for r in results["analysis"]], "llrrrrrrr"),
        "",
        "## 2. Collection — K KPIs × 8 days at 60 s from the real Prometheus",
        "",
        "Two requests per KPI (11,520 points; Prometheus answers at most 11,000 per "
        "request); tars-ci and the lower bound keep 4 in flight, prometheus-api-client "
        "sends one after another. "
        f"Wall time, best of N after {results['collection_warmup']} untimed round(s), the "
        f"methods taking turns to go first (Prometheus backfill and start: "
        f"{results['setup_seconds']:.0f} s, not included).",
        "",
        *table(["Spec (KPIs)", "Method", "Samples", "Time", "× lower bound",
                "vs prometheus-api-client", "N"],
               [[f"{r['spec']} ({r['kpis']})", r["method"], f"{r['samples']:,}",
                 secs(r["seconds"]), f"{r['multiple_of_lower_bound']:.2f}×",
                 f"{r['speedup_vs_prometheus_api_client']:.2f}×", str(r["repeat"])]
                for r in results["collection"]], "llrrrrr"),
        "",
        "## 3. End to end — `tars-ci run` over all 8 days against the real Prometheus",
        "",
        *table(["Spec", "KPIs", "Wall time", "Peak RSS", "N"],
               [[r["spec"], f"{r['kpis']:,}", secs(r["seconds"]), mib(r["peak_rss"]),
                 str(r["repeat"])] for r in results["end_to_end"]], "lrrrr"),
        "",
        "## 4. CLI start-up (median of N)",
        "",
        *table(["Command", "Median", "N"],
               [["`tars-ci --help`", secs(results["startup"]["tars_ci_seconds"]),
                 str(results["startup"]["repeat"])],
                ["`python -c pass`", secs(results["startup"]["python_seconds"]),
                 str(results["startup"]["repeat"])]], "lrr"),
        "",
        "## 5. Anomaly scorer on one core (best CPU time of N)",
        "",
        *table(["Points", "CPU time", "Points/s/core", "N"],
               [[f"{results['scorer']['points']:,}", secs(results["scorer"]["cpu_seconds"]),
                 f"{results['scorer']['points_per_second']:,.0f}",
                 str(results["scorer"]["repeat"])]], "rrrr"),
        *fleet_tables(results.get("releases")),
    ]
    return "\n".join(lines) + "\n"


def fleet_tables(fleet: dict[str, Any] | None) -> list[str]:
    """Benchmark 6's tables (none when it did not run)."""
    if not fleet:
        return []
    n = fleet["releases"]
    per = fleet["collection"][0]["requests"] // n // 2
    return [
        "",
        f"## 6. A fleet of {n} releases — the example spec under {n} names, one Prometheus",
        "",
        f"Collection: every release's {per} queries × 8 days at 60 s (2 requests each); best "
        f"of N, the methods taking turns to go first. End to end: `tars-ci run` over all 8 "
        f"days without publishing, each a fresh process, once.",
        "",
        *table(["Collection", "Requests", "Samples", "Time", "× lower bound", "N"],
               [[r["method"], f"{r['requests']:,}", f"{r['samples']:,}", secs(r["seconds"]),
                 f"{r['multiple_of_lower_bound']:.2f}×", str(r["repeat"])]
                for r in fleet["collection"]], "lrrrrr"),
        "",
        *table(["End to end", "Releases", "Wall time", "Compared with", "Its time", "Ratio"],
               [[r["what"], str(r["releases"]), secs(r["seconds"]), r["bound_name"],
                 secs(r["bound"]), f"{r['multiple_of_bound']:.2f}×"]
                for r in fleet["end_to_end"]], "lrrlrr"),
    ]


def write(results: dict[str, Any], out_dir: Path) -> str:
    """Complete ``results`` and write ``results.json`` and ``RESULTS.md``; the Markdown."""
    derive(results)
    results["targets"] = [t._asdict() for t in targets(results)]
    text = markdown(results)
    write_json(out_dir / "results.json", results)
    write_text(out_dir / "RESULTS.md", text)
    return text


def table(head: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> list[str]:
    """A Markdown table; ``align`` has one of l, r, c per column."""
    marks = {"l": "---", "r": "---:", "c": ":---:"}
    return ["| " + " | ".join(head) + " |",
            "|" + "|".join(marks[a] for a in align) + "|",
            *("| " + " | ".join(row) + " |" for row in rows)]


def secs(seconds: float) -> str:
    """``95.3 s``; ``412 ms`` below a second; ``87 µs`` below a millisecond."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    return f"{seconds * 1000:.3g} ms" if seconds < 1 else f"{seconds:,.1f} s"


def mib(size: float) -> str:
    """Bytes in MiB (KiB below 1 MiB, GiB from 10 GiB)."""
    if size < 2**20:
        return f"{size / 2**10:,.0f} KiB"
    return f"{size / 2**30:.1f} GiB" if size >= 10 * 2**30 else f"{size / 2**20:,.0f} MiB"


def rate(per_second: float) -> str:
    """Points per second: ``1.21 M``, ``385 k``, ``500``."""
    if per_second >= 1e6:
        return f"{per_second / 1e6:,.2f} M"
    return f"{per_second / 1e3:,.0f} k" if per_second >= 1e3 else f"{per_second:,.0f}"
