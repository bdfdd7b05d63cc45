"""Canary stage gates: one rollout stage judged against Prometheus (``tars-ci gate``).

- :mod:`.statistics` — Mann–Whitney U (exact or normal with tie and continuity correction),
  Hodges–Lehmann shift, the effect-size floor; pure numpy;
- :mod:`.criteria` — threshold and canary-vs-stable drift rows (pass/fail/no_data/error);
- :mod:`.verdict` — promote / hold / rollback with reasons, the JSON document, the table;
- :mod:`.evaluate` — the stage's queries for both tracks, and the whole evaluation.
"""

from tars_ci.gates.evaluate import evaluate_stage, run_gate, stage_queries
from tars_ci.gates.verdict import Verdict, document, exit_code, table

__all__ = ["Verdict", "document", "evaluate_stage", "exit_code", "run_gate", "stage_queries",
           "table"]
