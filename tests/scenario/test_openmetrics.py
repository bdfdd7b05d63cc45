"""OpenMetrics output: exact text, one file per 2-hour block, and promtool accepts it."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tars_ci.scenario.openmetrics import write_openmetrics
from tars_ci.scenario.samples import SampleSet, Series
from tests.harness.fixtures import require_prometheus

NAN = math.nan
T0 = 1793577600.0 - 120  # two scrapes before a 2-hour block boundary (the GA time)
JOB = (("job", "api"),)


def tiny() -> SampleSet:
    return SampleSet(T0, 60.0, (
        Series("http_requests", "counter", "http_requests_total", (("code", "200"),) + JOB,
               np.array([10.0, NAN, 25.0])),
        Series("lat", "histogram", "lat_bucket", JOB + (("le", "0.1"),), np.array([1.0, 2, 3])),
        Series("lat", "histogram", "lat_bucket", JOB + (("le", "+Inf"),), np.array([2.0, 4, 6])),
        Series("lat", "histogram", "lat_count", JOB, np.array([2.0, 4, 6])),
        Series("lat", "histogram", "lat_sum", JOB, np.array([0.25, 0.5, NAN])),
        Series("cost", "gauge", "cost", JOB, np.array([1.5, 2.0, 0.1 + 0.2])),
    ))


def test_exact_text_split_at_the_block_boundary(tmp_path: Path) -> None:
    files = write_openmetrics(tiny(), tmp_path)
    assert [f.name for f in files] == ["block-1793570400.om", "block-1793577600.om"]
    assert files[0].read_text() == (
        "# TYPE http_requests counter\n"
        "# HELP http_requests HTTP requests by status code.\n"
        'http_requests_total{code="200",job="api"} 10 1793577480\n'
        "# TYPE lat histogram\n"
        'lat_bucket{job="api",le="0.1"} 1 1793577480\n'
        'lat_bucket{job="api",le="+Inf"} 2 1793577480\n'
        'lat_count{job="api"} 2 1793577480\n'
        'lat_sum{job="api"} 0.25 1793577480\n'
        'lat_bucket{job="api",le="0.1"} 2 1793577540\n'
        'lat_bucket{job="api",le="+Inf"} 4 1793577540\n'
        'lat_count{job="api"} 4 1793577540\n'
        'lat_sum{job="api"} 0.5 1793577540\n'
        "# TYPE cost gauge\n"
        'cost{job="api"} 1.5 1793577480\n'
        'cost{job="api"} 2 1793577540\n'
        "# EOF\n")
    # a histogram point without its _sum is left out whole; a missing counter sample too
    assert files[1].read_text() == (
        "# TYPE http_requests counter\n"
        "# HELP http_requests HTTP requests by status code.\n"
        'http_requests_total{code="200",job="api"} 25 1793577600\n'
        "# TYPE lat histogram\n"
        "# TYPE cost gauge\n"
        'cost{job="api"} 0.30000000000000004 1793577600\n'
        "# EOF\n")


@pytest.mark.integration
def test_promtool_accepts_the_files(tmp_path: Path) -> None:
    require_prometheus()
    files = write_openmetrics(tiny(), tmp_path / "om")
    for f in files:
        done = subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", str(f),
                               str(tmp_path / "tsdb")], capture_output=True, text=True,
                              check=False)
        assert done.returncode == 0, done.stderr
    assert len([p for p in (tmp_path / "tsdb").iterdir() if p.is_dir()]) == 2
