"""The plan records moved to :mod:`tars_ci.publishers.plan`; these names stay importable."""

from __future__ import annotations

from tars_ci.publishers.plan import Area, Plan, Status, Step, merge, render_json, render_text

__all__ = ["Area", "Plan", "Status", "Step", "merge", "render_json", "render_text"]
