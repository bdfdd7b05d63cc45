"""Canary stage gates in the spec: metrics queried per track, and each rollout stage's
criteria (see :mod:`tars_ci.gates` for their evaluation)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from tars_ci.spec.fields import NAME_RE, Aggregate, Better, doc

BYTE_UNITS = {"B": 1.0, "kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
              "KiB": 2.0 ** 10, "MiB": 2.0 ** 20, "GiB": 2.0 ** 30, "TiB": 2.0 ** 40}
BYTES = "bytes"  # the unit of a metric whose bounds may carry a byte unit
COUNT_UNITS = frozenset({"count", "requests", "restarts", "errors", "events", "pods"})
BOUND_RE = re.compile(r"^\s*(<=|>=|<|>)\s*"
                      r"([-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"
                      r"\s*(" + "|".join(BYTE_UNITS) + r")?\s*$")
STAGE_RE = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
LABEL_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
SELECTOR = "{{selector}}"
WINDOW = "{{window}}"


@dataclass(frozen=True)
class Bound:
    """A parsed comparison such as ``>= 99.5`` or ``< 2.5 GB``: ``op`` (``<``, ``<=``, ``>``,
    ``>=``), ``value`` (in bytes when ``unit`` is a byte unit: GB = 10⁹, GiB = 2³⁰ bytes) and
    the ``unit`` as written. Not a spec section: criteria hold the text and parse it with this."""

    op: str
    value: float
    unit: str = ""

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
        if self.unit:
            return f"{self.op} {self.value / BYTE_UNITS[self.unit]:g} {self.unit}"
        return f"{self.op} {self.value:g}"


def parse_bound(text: str) -> Bound:
    """``"< 1.5"`` → ``Bound("<", 1.5)``, ``"< 2.5 GB"`` → ``Bound("<", 2.5e9, "GB")``;
    ValueError when it is not such a comparison."""
    match = BOUND_RE.match(text)
    if not match:
        raise ValueError(f"not a comparison like '< 1.5' or '>= 99.9': {text!r}")
    unit = match.group(3) or ""
    return Bound(match.group(1), float(match.group(2)) * BYTE_UNITS.get(unit, 1.0), unit)


def _bound_problems(key: str, text: str | None) -> list[tuple[str, str]]:
    if text is None or BOUND_RE.match(text):
        return []
    return [(key, f"must be a comparison such as '< 1.5' or '>= 99.9' (one of <, <=, >, >= "
                  f"and a number), got {text[:60]!r}")]


def _unit_problems(key: str, text: str | None, unit: str) -> list[tuple[str, str]]:
    """A byte unit on a bound of a metric that is not in bytes."""
    match = BOUND_RE.match(text or "")
    if match is None or not match.group(3) or unit == BYTES:
        return []
    return [(key, f"a byte unit ({match.group(3)}) needs a metric with unit: {BYTES}, "
                  f"not {unit!r}")]


@dataclass(frozen=True)
class GateMetric:
    """A metric the gates judge; its query runs once for the canary and once for stable."""

    name: str = field(metadata=doc("Metric name (the mapping key): lowercase, digits, `_`."))
    query: str = field(metadata=doc(
        "PromQL returning one series. `{{selector}}` is replaced by the track's label "
        "matchers (`gates.canary` / `gates.stable`), `{{window}}` by the gate window in "
        "seconds (`600s`), e.g. `sum(rate(http_requests_total{job=\"api\",{{selector}}}[1m]))`."))
    unit: str = field(metadata=doc(
        "Unit: `percent`, `ms`, `bytes` (bounds may then say `2.5 GB` = 2.5·10⁹ bytes or "
        "`2 GiB` = 2·2³⁰ bytes), a count (`restarts`, `requests`, `count`, `errors`, `events`, "
        "`pods`: judged and shown as whole numbers), or any other word shown as is."))
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
    by: str | None = field(default=None, metadata=doc(
        "Label whose series the query returns one each of, e.g. `pod` for a per-pod limit: "
        "the gate judges the worst series (`max(...)`, or `min(...)` when higher is better) "
        "and names it.", pattern=LABEL_RE.pattern))

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
        out.extend(_unit_problems("rollback_if", self.rollback_if, self.unit))
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
        "Comparison the canary value must satisfy, e.g. `>= 99.9`, `< 1.5`, `< 2.5 GB`; "
        "judged on the whole window and on its recent part (`gates.recent`)."))
    max_drift_percent: float | None = field(default=None, metadata=doc(
        "Fail when the canary is worse than stable by this much or more: over the window, "
        "relative drift of the values AND the Mann–Whitney test significant with a "
        "Hodges–Lehmann shift of at least this much; over the recent part, drift AND the "
        "recent canary beyond stable shifted by this much (README, canary gates).",
        exclusiveMinimum=0))

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
    min_requests: int = field(default=0, metadata=doc(
        "Fewest canary requests in the window (from `gates.traffic`); fewer holds with "
        "\"insufficient traffic\" (exit 3). 0 turns the check off.", minimum=0))

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
        "`rate(…[1m])` windows), measured around each track's trend and bounded so complete "
        "separation stays significant; without it, identical tracks look different far too "
        "often."))


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
    recent: timedelta = field(default=timedelta(minutes=2), metadata=doc(
        "The window's last part, on which every criterion is judged again, so a fresh step "
        "holds or rolls back at once: at least 4 steps and at most half the window."))
    min_coverage: float = field(default=0.9, metadata=doc(
        "Share of the window's points each track must have for every criterion (and half of "
        "it in the recent part); less holds with \"insufficient data\" (exit 3).",
        exclusiveMinimum=0, maximum=1))
    traffic: str | None = field(default=None, metadata=doc(
        "PromQL of a track's request rate (requests/s, one series, with `{{selector}}`), "
        "e.g. `sum(rate(http_requests_total{job=\"api\",{{selector}}}[1m]))`; summed over "
        "the window for the stages' `min_requests`."))
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
        elif self.recent < 4 * self.step:
            out.append(("recent", "must be at least four steps (a statistical comparison "
                                  "needs the samples)"))
        elif self.recent * 2 > self.window:
            out.append(("recent", "must be at most half the window"))
        if self.traffic is not None and SELECTOR not in self.traffic:
            out.append(("traffic", f"must contain {SELECTOR} (where the track's label "
                                   "matchers go)"))
        units = {m.name: m.unit for m in self.metrics}
        names = set(units)
        previous: float | None = None
        for stage in self.stages:
            if stage.min_requests > 0 and self.traffic is None:
                out.append((f"stages.{stage.name}.min_requests",
                            "needs gates.traffic (the query that counts the requests)"))
            for c in stage.criteria:
                where = f"stages.{stage.name}.criteria.{c.metric}"
                if c.metric not in names:
                    known = ", ".join(sorted(names)) or "none"
                    out.append((where, f"unknown gate metric {c.metric!r}; known: {known}"))
                else:
                    out.extend((f"{where}.{key}", message) for key, message in
                               _unit_problems("threshold", c.threshold, units[c.metric]))
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
