"""The plumbing of the generated promtool tests: input series, expected alerts, cases.

Ratio inputs are whole numbers (denominator 10⁶ per step), so sums over a window are exact and
the expected annotations match to the digit; annotations are expanded here the way Prometheus
expands the templates the rules use (``$value`` through ``printf``, the program day through
``query``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from tars_ci.alerts import promql as q
from tars_ci.alerts.model import AlertingRule
from tars_ci.alerts.render import Target
from tars_ci.analysis.kpis import Measurement
from tars_ci.spec.values import format_duration

RESOLUTION = 1e6  # a ratio's denominator per step in the tests
_TEMPLATE = re.compile(r"\{\{ \$value \| printf `(%\.[0-9]+[gf])` \}\}")
_DAY = re.compile(r"\{\{ with query `[^`]*` \}\}\{\{ \. \| first \| value \| printf `%02\.0f` "
                  r"\}\}\{\{ end \}\}")
Check = tuple[timedelta, str, list[dict[str, Any]]]  # eval time, alert name, expected alerts


class Series(NamedTuple):
    """One input series: a selector and its constant value from 0 to the case's end."""

    selector: str
    value: float


class Firing(NamedTuple):
    """An alert expected to fire, with the value its annotations show."""

    alert: AlertingRule
    value: float


def slo_interval(target: Target) -> timedelta:
    """Evaluation interval of the SLO test file: an hour, in whole rules intervals."""
    return target.interval * max(1, math.ceil(timedelta(hours=1) / target.interval))


def decimal(value: float) -> str:
    """``value`` in positional notation (promtool's series notation has no exponents)."""
    text = format(Decimal(repr(float(value))), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def input_series(series: Iterable[Series], end: timedelta, interval: timedelta) -> list[dict[str, str]]:
    n = max(1, math.ceil(end / interval))
    return [{"series": s.selector, "values": f"{decimal(s.value)}+0x{n}"} for s in series]


def expand(text: str, value: float, at: timedelta, target: Target) -> str:
    """An annotation as Prometheus expands it at ``at`` (promtool starts at the Unix epoch)
    for an alert whose value is ``value``."""
    day = math.floor((at.total_seconds() - target.ga_time.timestamp()) / 86400)
    text = _DAY.sub(f"{min(max(day, 0), target.days):02d}", text)
    text = _TEMPLATE.sub(lambda m: m.group(1) % value, text)
    if "{{" in text:
        raise ValueError(f"annotation template not understood: {text!r}")
    return text


def expected(target: Target, firing: Iterable[Firing], at: timedelta) -> list[dict[str, Any]]:
    return [{"exp_labels": dict(f.alert.labels),
             "exp_annotations": {k: expand(v, f.value, at, target)
                                 for k, v in f.alert.annotations}}
            for f in firing]


def case(name: str, series: list[dict[str, str]], interval: timedelta,
          checks: Sequence[Check]) -> dict[str, Any]:
    return {"name": name, "interval": format_duration(interval), "input_series": series,
            "alert_rule_test": [{"eval_time": format_duration(at), "alertname": alert,
                                 "exp_alerts": exp} for at, alert, exp in checks]}


def kpi_series(target: Target, kpi: str, value: float) -> tuple[list[Series], float]:
    """The input series that make ``kpi``'s recorded value ``value`` (as near as a ratio of
    whole numbers gets), and the value Prometheus computes from them."""
    signal = target.rules.signals[kpi]
    labels = {"kpi": kpi, "release": target.release}
    if not signal.is_ratio:
        return [Series(q.selector(q.KPI_VALUE, labels), value)], value
    numerator = float(round(value / signal.scale * RESOLUTION))
    return ([Series(q.selector(q.KPI_NUMERATOR, labels), numerator),
             Series(q.selector(q.KPI_DENOMINATOR, labels), RESOLUTION)],
            signal.scale * numerator / RESOLUTION)


def nudge(target: Target, kpi: str, value: float) -> float:
    """A small move of ``kpi``'s value, well above a ratio input's resolution."""
    signal = target.rules.signals[kpi]
    floor = signal.scale / RESOLUTION * 20 if signal.is_ratio else 1e-9
    return max(abs(value) * 1e-3, floor)


def ok(kpi: str, value: float) -> Measurement:
    return Measurement(kpi, "ok", value, 1.0, 1, "")



def day_value(target: Target, kpi: str, series: list[Series], actual: float,
               at: timedelta) -> float:
    """The trailing-window aggregate Prometheus computes at ``at`` from constant inputs."""
    if not target.rules.signals[kpi].is_ratio:
        return actual
    k = float(min(round(at / target.interval),
                  round(target.settings.drift_window / target.interval)) + 1)
    return target.rules.signals[kpi].scale * (k * series[0].value) / (k * series[1].value)
