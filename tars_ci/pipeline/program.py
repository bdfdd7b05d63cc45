"""Step 3 of a run: judge the whole program from its recorded history (pure).

Once the last day is recorded, the history becomes the regression analysis and the
retrospective (:mod:`tars_ci.reports.retro` builds and renders them).
"""

from __future__ import annotations

from tars_ci.reports import retro
from tars_ci.reports.records import RegressionSummary, Retrospective
from tars_ci.reports.store import History
from tars_ci.spec.model import Spec


def judge_program(spec: Spec, history: History) -> tuple[RegressionSummary, Retrospective, str]:
    """(regression analysis, retrospective, its Markdown) of ``history``."""
    return retro.build(spec, history)
