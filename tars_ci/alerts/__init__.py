"""Prometheus rules from the spec: the daily check's rules, live (``tars-ci rules``).

The spec's compiled rules (:mod:`tars_ci.analysis.rules`) render as one rule group
(:mod:`~tars_ci.alerts.render`), written as YAML with comments (:mod:`~tars_ci.alerts.yamltext`),
with a promtool unit-test file generated from the same records and judged by the daily
check's own evaluation (:mod:`~tars_ci.alerts.unittests`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import PurePosixPath

from tars_ci.alerts.render import Target
from tars_ci.analysis.rules import compile_rules
from tars_ci.spec.model import Spec

__all__ = ["Target", "rules_path", "target"]


def rules_path(spec: Spec) -> PurePosixPath:
    """The rules file, relative to the spec's directory."""
    return PurePosixPath(spec.rules.file or f"{spec.release.release_slug}.rules.yml")


def target(spec: Spec, spec_path: str, baselines: Mapping[str, float | None] | None,
           reports_dir: str) -> Target:
    """What to render for ``spec``: ``baselines`` are the recorded GA values by KPI (None:
    day 0 is not recorded), ``reports_dir`` the reports folder as the repository names it."""
    slug = spec.release.release_slug
    root = PurePosixPath(reports_dir) / slug
    interval = spec.rules.interval or spec.source.step
    return Target(compile_rules(spec, baselines), spec.rules, interval
                  if interval > timedelta(0) else timedelta(seconds=60),
                  slug, spec.release.name, spec.release.ga_time, spec.release.days, spec_path,
                  str(root / "stability"), str(root / "ga_kpis" / "ga_kpi_summary.json"),
                  baselines is not None)
