"""The program's run in four steps, one module each.

- :mod:`.fetch` — the spec's series from the source, on the program's grid (ProgramData);
- :mod:`.judge` — one day judged from the data and the recorded history (pure);
- :mod:`.program` — the whole program judged from its history (pure);
- :mod:`.run` — which days are due, and persisting them through the history store.
"""

from tars_ci.pipeline.fetch import (
    ProgramData,
    detect_anomalies,
    fetch,
    measure_day,
    queries,
    slo_day,
)
from tars_ci.pipeline.run import (
    DayOutcome,
    RunOptions,
    RunResult,
    finish_program,
    run_program,
    store_for,
)

__all__ = ["DayOutcome", "ProgramData", "RunOptions", "RunResult", "detect_anomalies", "fetch",
           "finish_program", "measure_day", "queries", "run_program",
           "slo_day", "store_for"]
