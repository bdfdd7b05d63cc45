"""Canary stage gates: one rollout stage judged against Prometheus (``tars-ci gate``).

- :mod:`.statistics` — Mann–Whitney U (exact or normal with tie and continuity correction),
  the detrended, bounded serial correction, Hodges–Lehmann shift, the effect floor; numpy;
- :mod:`.drift` — the window and recent-part drift checks of canary against stable;
- :mod:`.criteria` — threshold and drift rows over the window and its recent part, with the
  coverage rule (pass/fail/no_data/error);
- :mod:`.evidence` — the stage's traffic row (``min_requests`` from the traffic counters);
- :mod:`.units` — bytes with their unit spelled out, counts as whole numbers;
- :mod:`.verdict` — promote / hold / rollback with reasons, the JSON document, the table;
- :mod:`.evaluate` — the stage's queries for both tracks, and the whole evaluation.
"""

from tars_ci.gates.evaluate import evaluate_stage, run_gate, stage_queries
from tars_ci.gates.verdict import Verdict, document, exit_code, table

__all__ = ["Verdict", "document", "evaluate_stage", "exit_code", "run_gate", "stage_queries",
           "table"]
