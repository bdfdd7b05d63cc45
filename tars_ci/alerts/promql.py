"""The PromQL of the generated rules: selectors, numbers, the series each rule reads.

Recorded series (all labelled ``release``, and ``kpi`` or ``slo``)::

    tars_ci:kpi:value               a KPI's value at each evaluation (non-finite dropped)
    tars_ci:kpi:numerator|denominator   a ratio KPI's parts (numerator already `total − good`
                                    for an ``of: bad`` ratio)
    tars_ci:kpi:value_<w>           the KPI's aggregate over the trailing drift window
    slo:sli_bad:rate, slo:sli_total:rate   an SLO's bad and total weight at each evaluation
    slo:sli_error:ratio_rate<w>     Σbad / Σtotal over the trailing window w
    slo:objective:ratio, slo:error_budget:ratio   the SLO's objective and budget, for dashboards
"""

from __future__ import annotations

import json
import math
from datetime import timedelta

from tars_ci.spec.model import Aggregate
from tars_ci.spec.values import format_duration

KPI_VALUE = "tars_ci:kpi:value"
KPI_NUMERATOR = "tars_ci:kpi:numerator"
KPI_DENOMINATOR = "tars_ci:kpi:denominator"
SLI_BAD = "slo:sli_bad:rate"
SLI_TOTAL = "slo:sli_total:rate"
OBJECTIVE = "slo:objective:ratio"
ERROR_BUDGET = "slo:error_budget:ratio"

_OVER_TIME: dict[str, str] = {
    "mean": "avg_over_time({s}[{w}])",
    "median": "quantile_over_time(0.5, {s}[{w}])",
    "p95": "quantile_over_time(0.95, {s}[{w}])",
    "p99": "quantile_over_time(0.99, {s}[{w}])",
    "min": "min_over_time({s}[{w}])",
    "max": "max_over_time({s}[{w}])",
    "last": "last_over_time({s}[{w}])",
}


def number(value: float) -> str:
    """A PromQL number literal that parses back to ``value``: the shortest decimal,
    in plain notation where that is short (``99.9``, ``0.001``, ``1e-07``)."""
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = repr(float(value))
    return text.removesuffix(".0")


def bound(value: float) -> str:
    """A computed bound (a drift step in value space) to 8 significant digits: the float
    noise of ``baseline · (1 + step)`` and the daily check's 1e-9 tolerance on the drift
    percentage stay below them (198, not 197.999999982)."""
    return number(float(f"{value:.8g}"))


def budget(objective: float) -> str:
    """An SLO's error budget ``1 − objective/100`` as people write it (``0.001``); the
    12 significant digits drop the float noise of the subtraction (0.0010000000000000009)."""
    return f"{1.0 - objective / 100.0:.12g}"


def selector(metric: str, labels: dict[str, str]) -> str:
    """``metric{a="x",b="y"}`` (labels sorted)."""
    inner = ",".join(f"{k}={json.dumps(v)}" for k, v in sorted(labels.items()))
    return f"{metric}{{{inner}}}"


def window_name(window: timedelta) -> str:
    """``5m``, ``1h30m``, ``3d``: a window as it appears in a series name and a range."""
    return format_duration(window)


def window_range(window: timedelta) -> str:
    """``window`` less 1 ms as a range: a trailing window then holds ``window / interval``
    evaluations, the steps the daily check sums, on Prometheus 2 (ranges closed at both ends,
    so ``[1h]`` holds 61 one-minute samples) and 3 (open at the start) alike."""
    return format_duration(window - timedelta(milliseconds=1))


def finite(query: str) -> str:
    """``query`` without its non-finite samples, which the daily check drops too."""
    return f"(({query}) < +Inf) > -Inf"


def ratio_value(scale: float, numerator: str, denominator: str) -> str:
    """``scale · numerator / denominator`` where the denominator is positive (no traffic is
    no value, never 0 % or 100 %)."""
    head = "" if scale == 1 else f"{number(scale)} * "
    return f"{head}{numerator} / ({denominator} > 0)"


def over_time(aggregate: Aggregate, series: str, window: timedelta) -> str:
    """The KPI's day aggregate over the trailing ``window``."""
    return _OVER_TIME[aggregate].format(s=series, w=window_range(window))


def sum_over_time(series: str, window: timedelta) -> str:
    """``sum_over_time(series[w])`` (see :func:`window_range`)."""
    return f"sum_over_time({series}[{window_range(window)}])"


def min_samples(window: timedelta, interval: timedelta, coverage: float) -> int:
    """Samples a window needs to be judged, as the daily check counts them: at least
    ``coverage`` of its ``round(window / interval)`` steps."""
    steps = max(1, round(window / interval))
    return max(1, math.ceil(coverage * steps - steps * 1e-12))


def error_ratio(bad: str, total: str, window: timedelta, samples: int) -> str:
    """Σbad / Σtotal over ``window``, only where ``samples`` of it have data and there was
    traffic (the daily check's burn-rate window, :func:`tars_ci.analysis.burn.window_burn`)."""
    w = window_range(window)
    return (f"(sum_over_time({bad}[{w}]) / (sum_over_time({total}[{w}]) > 0)) "
            f"and (count_over_time({total}[{w}]) >= {samples})")


def day_of_program(ga_seconds: float, days: int) -> str:
    """The program day at the evaluation time (0…days), for an annotation's ``query``."""
    return f"clamp(floor((vector(time()) - {number(ga_seconds)}) / 86400), 0, {days})"
