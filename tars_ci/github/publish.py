"""``publish`` moved to :mod:`tars_ci.publishers.runner`; these names stay importable."""

from __future__ import annotations

from tars_ci.publishers.history import pathspecs as _pathspecs
from tars_ci.publishers.interface import PublishOptions
from tars_ci.publishers.runner import PublishResult, publish, utc_now

__all__ = ["PublishOptions", "PublishResult", "_pathspecs", "publish", "utc_now"]
