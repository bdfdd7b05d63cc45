"""JSON Schemas of the report files, generated from :mod:`tars_ci.reports.records`.

One schema per file kind, written under ``config/schemas/`` (a test fails while the
committed files are stale)::

    python -m tars_ci.reports.schemas --write config/schemas
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tars_ci.reports import ledger, periodic, records
from tars_ci.reports.codec import json_schema
from tars_ci.reports.jsonio import dumps, write_text

SCHEMA_DIR = Path("config/schemas")
DRAFT = "https://json-schema.org/draft/2020-12/schema"

# file name → (record, where the file lives under reports/<release-slug>/)
FILES: dict[str, tuple[type, str]] = {
    "ga_kpi_summary": (records.GaSummary, "ga_kpis/ga_kpi_summary.json"),
    "day_summary": (records.DaySummary, "stability/day_NN_summary.json"),
    "health_report": (records.HealthReport, "health/day_NN_HEALTH.json"),
    "anomaly_events": (records.AnomalyEvents, "anomalies/anomaly_events.json"),
    "regression_summary": (records.RegressionSummary, "regression/regression_summary.json"),
    "retrospective": (records.Retrospective, "output/GA_<N>DAY_RETROSPECTIVE.json"),
    "notifications_sent": (ledger.NotificationLedger,
                           "notifications/notifications_sent.json"),
    "periodic_report": (periodic.PeriodicReport, "periodic/<period>_<end>.json"),
}


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema of report file kind ``name``."""
    cls, where = FILES[name]
    defs: dict[str, Any] = {}
    root = json_schema(cls, defs)
    body = dict(defs.pop(cls.__name__))
    props = dict(body["properties"])
    if cls is records.Retrospective:  # its other sections sit at the top level, untyped
        props.pop("sections")
        body["required"] = [r for r in body["required"] if r != "sections"]
        body["additionalProperties"] = True
    props["schema_version"] = {"const": records.SCHEMA_VERSION}
    body["properties"] = props
    body["required"] = ["schema_version", *body["required"]]
    assert root == {"$ref": f"#/$defs/{cls.__name__}"}
    return {"$schema": DRAFT, "$id": f"https://tars-ci.dev/schemas/{name}.schema.json",
            "title": f"tars-ci {where}", **body, "$defs": dict(sorted(defs.items()))}


def write_all(directory: Path) -> list[Path]:
    """Write every schema into ``directory``; the files that changed."""
    changed = []
    for name in FILES:
        path = directory / f"{name}.schema.json"
        if write_text(path, dumps(schema(name))):
            changed.append(path)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tars_ci.reports.schemas --write DIR``."""
    parser = argparse.ArgumentParser(prog="python -m tars_ci.reports.schemas")
    parser.add_argument("--write", metavar="DIR", default=str(SCHEMA_DIR),
                        help=f"directory to write (default {SCHEMA_DIR})")
    args = parser.parse_args(argv)
    for path in write_all(Path(args.write)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
