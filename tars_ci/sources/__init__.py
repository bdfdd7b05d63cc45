"""Metrics sources: one interface (:mod:`.interface`), one implementation per file."""

from __future__ import annotations

from pathlib import Path

from tars_ci.sources.interface import (
    NoData,
    Query,
    QueryFailed,
    QueryResult,
    Samples,
    Source,
)
from tars_ci.spec.model import SourceSpec

__all__ = ["NoData", "Query", "QueryFailed", "QueryResult", "Samples", "Source", "open_source"]


def open_source(settings: SourceSpec, spec_dir: Path) -> Source:
    """The source the spec asks for; replay paths are relative to the spec's directory."""
    if settings.kind == "replay":
        from tars_ci.sources.replay import ReplaySource

        return ReplaySource.from_file(spec_dir / settings.path)
    from tars_ci.sources.prometheus import PrometheusSource

    return PrometheusSource(settings)
