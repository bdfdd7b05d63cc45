"""Write a scenario's samples as OpenMetrics text, ready for ``promtool tsdb
create-blocks-from openmetrics``.

promtool (2.x) re-reads its whole input once per 2-hour block, so an 8-day file would be read
~100 times; the writer therefore emits one file per 2-hour block (aligned like promtool's
blocks), which turns the backfill from quadratic into linear. Within a file, each metric
family appears once with its ``# TYPE``; each series lists its samples in time order;
histogram samples are grouped into MetricPoints (buckets in ``le`` order, ``_count``,
``_sum``) as the format requires; every file ends with ``# EOF``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from tars_ci.scenario.samples import SampleSet, Series

BLOCK_SECONDS = 7200  # promtool's block range
HELP = {
    "http_requests": "HTTP requests by status code.",
    "http_request_duration_seconds": "HTTP request latency.",
    "service_cpu_utilization_ratio": "CPU utilisation of the instance (0-1).",
    "service_memory_utilization_ratio": "Memory utilisation of the instance (0-1).",
    "service_cost_usd_per_hour": "Cost rate of a component in USD per hour.",
    "up": "1 if the target was scraped successfully.",
}


def write_openmetrics(samples: SampleSet, out_dir: Path) -> list[Path]:
    """Write one ``block-<start>.om`` file per 2-hour block into ``out_dir``; returns them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    times = samples.times
    block = (times // BLOCK_SECONDS).astype(np.int64)
    files = []
    for b in np.unique(block):
        sel = np.flatnonzero(block == b)
        path = out_dir / f"block-{int(b) * BLOCK_SECONDS}.om"
        path.write_text("".join(_document(samples, slice(int(sel[0]), int(sel[-1]) + 1))),
                        encoding="utf-8")
        files.append(path)
    return files


def _document(samples: SampleSet, window: slice) -> Iterator[str]:
    families: dict[str, list[Series]] = defaultdict(list)
    for s in samples.series:
        families[s.family].append(s)
    times = [str(int(t)) for t in samples.times[window]]
    for family, members in families.items():
        kind = members[0].kind
        yield f"# TYPE {family} {kind}\n"
        if family in HELP:
            yield f"# HELP {family} {HELP[family]}\n"
        if kind == "histogram":
            yield from _histogram(members, window, times)
        else:
            for s in members:
                yield from _lines(s, window, times)
    yield "# EOF\n"


def _lines(series: Series, window: slice, times: list[str]) -> Iterator[str]:
    head = series.name + _labels(series.labels)
    values = series.values[window]
    for t, v in zip(times, values.tolist()):
        if not math.isnan(v):
            yield f"{head} {_number(v)} {t}\n"


def _histogram(members: list[Series], window: slice, times: list[str]) -> Iterator[str]:
    """MetricPoints of each histogram: all buckets, then _count and _sum, per timestamp."""
    groups: dict[tuple[tuple[str, str], ...], list[Series]] = defaultdict(list)
    for s in members:
        groups[tuple(kv for kv in s.labels if kv[0] != "le")].append(s)
    for series in groups.values():
        buckets = sorted((s for s in series if s.name.endswith("_bucket")),
                         key=lambda s: float(dict(s.labels)["le"]))
        rest = [s for s in series if not s.name.endswith("_bucket")]
        rest.sort(key=lambda s: s.name)  # _count before _sum
        ordered = buckets + rest
        heads = [s.name + _labels(s.labels) for s in ordered]
        matrix = np.vstack([s.values[window] for s in ordered]).T.tolist()
        for t, row in zip(times, matrix):
            if any(math.isnan(v) for v in row):
                continue
            for head, v in zip(heads, row):
                yield f"{head} {_number(v)} {t}\n"


def _labels(labels: tuple[tuple[str, str], ...]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{v}"' for k, v in labels) + "}"


def _number(v: float) -> str:
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    if v == int(v) and abs(v) < 2**53:
        return str(int(v))
    return repr(v)
