"""Canary stage gates in the spec: metrics queried per track, and each rollout stage's
criteria (see :mod:`tars_ci.gates` for their evaluation)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from tars_ci.spec.fields import NAME_RE, Aggregate, Better, doc

BOUND_RE = re.compile(r"^\s*(<=|>=|<|>)\s*"
                      r"([-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)\s*$")
STAGE_RE = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
SELECTOR = "{{selector}}"
WINDOW = "{{window}}"


@dataclass(frozen=True)
class Bound:
    """A parsed comparison such as ``>= 99.5``: ``op`` (``<``, ``<=``, ``>``, ``>=``) and
    ``value``. Not a spec section: criteria hold the text and parse it with this."""

    op: str
    value: float

    def holds(self, x: float) -> bool:
        """Whether ``x`` satisfies the comparison."""
        if self.op == "<":
            return x < self.value
        if self.op == "<=":
            return x <= self.value
        if self.op == ">":
            return x > self.value
        return x >= self.value

    def __str__(self) -> str:
        return f"{self.op} {self.value:g}"


def parse_bound(text: str) -> Bound:
    """``"< 1.5"`` → ``Bound("<", 1.5)``; ValueError when it is not such a comparison."""
    match = BOUND_RE.match(text)
    if not match:
        raise ValueError(f"not a comparison like '< 1.5' or '>= 99.9': {text!r}")
    return Bound(match.group(1), float(match.group(2)))


def _bound_problems(key: str, text: str | None) -> list[tuple[str, str]]:
    if text is None or BOUND_RE.match(text):
        return []
    return [(key, f"must be a comparison such as '< 1.5' or '>= 99.9' (one of <, <=, >, >= "
                  f"and a number), got {text[:60]!r}")]


@dataclass(frozen=True)
class GateMetric:
    """A metric the gates judge; its query runs once for the canary and once for stable."""

    name: str = field(metadata=doc("Metric name (the mapping key): lowercase, digits, `_`."))
    query: str = field(metadata=doc(
        "PromQL returning one series. `{{selector}}` is replaced by the track's label "
        "matchers (`gates.canary` / `gates.stable`), `{{window}}` by the gate window in "
        "seconds (`600s`), e.g. `sum(rate(http_requests_total{job=\"api\",{{selector}}}[1m]))`."))
    unit: str = field(metadata=doc("Unit shown in the table: `percent`, `ms`, `GB`, …"))
    better: Better = field(metadata=doc("Which direction is better (judges drift from stable)."))
    title: str = field(default="", metadata=doc("Display name; defaults to the metric name."))
    aggregate: Aggregate = field(default="mean", metadata=doc(
        "How the window's samples reduce to the value compared with a threshold."))
    critical: bool = field(default=True, metadata=doc(
        "A failing critical metric blocks promotion (hold, or rollback past `rollback_if`); a "
        "failing non-critical one is a warning in the verdict."))
    rollback_if: str | None = field(default=None, metadata=doc(
        "Comparison on the canary value that turns a failing critical metric into a rollback, "
        "e.g. `>= 5` for error rate, `< 99` for availability."))

    @property
    def display(self) -> str:
        """Name to show people."""
        return self.title or self.name

    @property
    def rollback_bound(self) -> Bound | None:
        """``rollback_if`` parsed."""
        return parse_bound(self.rollback_if) if self.rollback_if else None

    def problems(self) -> list[tuple[str, str]]:
        out = _bound_problems("rollback_if", self.rollback_if)
        if not NAME_RE.match(self.name):
            out.append(("", f"metric name {self.name!r} must match {NAME_RE.pattern}"))
        if SELECTOR not in self.query:
            out.append(("query", f"must contain {SELECTOR} (where the track's label matchers go)"))
        return out


@dataclass(frozen=True)
class GateCriterion:
    """What one metric must meet at one stage."""

    metric: str = field(metadata=doc("Metric name from `gates.metrics` (the mapping key)."))
    threshold: str | None = field(default=None, metadata=doc(
        "Comparison the canary value must satisfy, e.g. `>= 99.9`, `< 1.5`."))
    max_drift_percent: float | None = field(default=None, metadata=doc(
        "Fail when the canary is worse than stable by this much or more — relative drift of "
        "the values AND the Mann–Whitney test significant with a Hodges–Lehmann shift of at "
        "least this much (so noise alone never fails it).", exclusiveMinimum=0))

    @property
    def bound(self) -> Bound | None:
        """``threshold`` parsed."""
        return parse_bound(self.threshold) if self.threshold else None

    def problems(self) -> list[tuple[str, str]]:
        if self.threshold is None and self.max_drift_percent is None:
            return [("", "give a threshold, a max_drift_percent, or both")]
        return _bound_problems("threshold", self.threshold)


@dataclass(frozen=True)
class GateStage:
    """One rollout stage and the criteria the canary must meet to leave it."""

    name: str = field(metadata=doc("Stage name (the mapping key), e.g. `canary-10`.",
                                   pattern=STAGE_RE.pattern))
    traffic_percent: float = field(metadata=doc("Share of traffic on the canary in this stage.",
                                                exclusiveMinimum=0, maximum=100))
    criteria: tuple[GateCriterion, ...] = field(metadata=doc(
        "Criteria by metric name.", keyed="metric", min_items=1))
    title: str = field(default="", metadata=doc("Display name; defaults to the stage name."))

    def problems(self) -> list[tuple[str, str]]:
        if not STAGE_RE.match(self.name):
            return [("", f"stage name {self.name!r} must match {STAGE_RE.pattern}")]
        return []


@dataclass(frozen=True)
class GateStatistics:
    """The Mann–Whitney comparison of canary and stable samples."""

    alpha: float = field(default=0.01, metadata=doc(
        "Significance level of the two-sided Mann–Whitney U test.",
        exclusiveMinimum=0, exclusiveMaximum=0.5))
    min_samples: int = field(default=10, metadata=doc(
        "Fewest finite samples per track for a drift criterion; fewer is no_data.",
        minimum=3))
    serial_correction: bool = field(default=True, metadata=doc(
        "Correct the test for serial correlation between consecutive samples (overlapping "
        "`rate(…[1m])` windows); without it, identical tracks look different far too often."))


@dataclass(frozen=True)
class Gates:
    """Canary stage gates, evaluated by `tars-ci gate --stage NAME` between rollout steps."""

    canary: str = field(default='track="canary"', metadata=doc(
        "Label matchers selecting the canary's series (replace `{{selector}}`)."))
    stable: str = field(default='track="stable"', metadata=doc(
        "Label matchers selecting the stable track's series."))
    window: timedelta = field(default=timedelta(minutes=10), metadata=doc(
        "Evaluation window ending at the gate's time (`--window` overrides)."))
    step: timedelta = field(default=timedelta(seconds=15), metadata=doc(
        "Range-query resolution of the gate: a 10m window at 15s gives 40 samples a track."))
    statistics: GateStatistics = field(default_factory=GateStatistics, metadata=doc(
        "Mann–Whitney settings."))
    metrics: tuple[GateMetric, ...] = field(default=(), metadata=doc(
        "Metrics by name.", keyed="name"))
    stages: tuple[GateStage, ...] = field(default=(), metadata=doc(
        "Stages by name, in rollout order (traffic must increase).", keyed="name"))

    def problems(self) -> list[tuple[str, str]]:
        out = []
        for key, selector in (("canary", self.canary), ("stable", self.stable)):
            if not selector.strip():
                out.append((key, "must not be empty (label matchers such as track=\"canary\")"))
        if self.canary.strip() == self.stable.strip() and self.canary.strip():
            out.append(("stable", "must differ from canary"))
        if self.step <= timedelta(0):
            out.append(("step", "must be positive"))
        if self.window < 2 * self.step:
            out.append(("window", "must be at least two steps"))
        names = {m.name for m in self.metrics}
        previous: float | None = None
        for stage in self.stages:
            for c in stage.criteria:
                if c.metric not in names:
                    known = ", ".join(sorted(names)) or "none"
                    out.append((f"stages.{stage.name}.criteria.{c.metric}",
                                f"unknown gate metric {c.metric!r}; known: {known}"))
            if previous is not None and stage.traffic_percent <= previous:
                out.append((f"stages.{stage.name}.traffic_percent",
                            f"must be above the previous stage's {previous:g}"))
            previous = stage.traffic_percent
        return out

    def stage(self, name: str) -> GateStage:
        """The stage called ``name`` (KeyError when absent)."""
        for s in self.stages:
            if s.name == name:
                return s
        raise KeyError(name)

    def metric(self, name: str) -> GateMetric:
        """The metric called ``name`` (KeyError when absent)."""
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(name)
