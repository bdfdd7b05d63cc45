"""The spec's ``rules`` section: how ``tars-ci rules`` renders the spec's rules as a
Prometheus rules file (see :mod:`tars_ci.alerts`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from tars_ci.spec.fields import doc

LABEL_NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
#: Labels every generated rule sets itself; the spec's extra labels cannot replace them.
RESERVED_LABELS = frozenset({"alertname", "priority", "severity", "release", "release_name",
                             "kpi", "slo", "band", "drift_severity", "burn_alert",
                             "long_window", "short_window", "decision", "tars_ci"})


@dataclass(frozen=True)
class AlertLabel:
    """An extra label on every generated rule (routing: team, service, …)."""

    name: str = field(metadata=doc("Label name."))
    value: str = field(metadata=doc("Label value."))


@dataclass(frozen=True)
class RulesSettings:
    """The Prometheus rules `tars-ci rules` generates from the spec (README, \"Prometheus
    rules\"): recording rules, SLO burn-rate alerts, KPI band, drift, rollback and no-data
    alerts."""

    file: str = field(default="", metadata=doc(
        "Rules file, relative to the spec's directory; default `<release-slug>.rules.yml` "
        "beside the spec. Its promtool unit tests are written beside it "
        "(`<name>.test.yml`, `<name>.slo.test.yml`)."))
    interval: timedelta | None = field(default=None, metadata=doc(
        "Evaluation interval of the rule group; `null`: `source.step`, so that the burn-rate "
        "windows sum the same steps as the daily check."))
    band_for: timedelta = field(default=timedelta(minutes=5), metadata=doc(
        "How long a KPI must stay beyond a band's bound before its alert fires."))
    drift_window: timedelta = field(default=timedelta(days=1), metadata=doc(
        "Trailing window whose aggregate (the KPI's `aggregate`, or Σnumerator/Σdenominator) "
        "the drift alerts compare with the GA baseline: a day, like the daily check."))
    drift_for: timedelta = field(default=timedelta(minutes=15), metadata=doc(
        "How long the trailing aggregate must stay beyond a drift step before its alert "
        "fires."))
    no_data_for: timedelta = field(default=timedelta(minutes=10), metadata=doc(
        "How long a critical KPI's or an SLO's series must be absent before its no-data "
        "alert fires."))
    runbook_url: str = field(default="README.md", metadata=doc(
        "Base of the runbook links in the annotations (the tars-ci README; an anchor is "
        "added), e.g. `https://github.com/ORG/tars-ci/blob/v0.1.0/README.md`."))
    labels: tuple[AlertLabel, ...] = field(default=(), metadata=doc(
        "Extra labels on every generated rule, as a mapping name → value.", keyed="name"))

    def problems(self) -> list[tuple[str, str]]:
        out = []
        if self.file and not re.search(r"\.ya?ml$", self.file):
            out.append(("file", f"must end in .yml or .yaml, got {self.file!r}"))
        if self.file.startswith("/"):
            out.append(("file", "must be relative to the spec's directory"))
        if self.interval is not None and self.interval <= timedelta(0):
            out.append(("interval", "must be positive"))
        if self.drift_window <= timedelta(0):
            out.append(("drift_window", "must be positive"))
        if any(ch.isspace() for ch in self.runbook_url) or not self.runbook_url:
            out.append(("runbook_url", "must be a URL or path without spaces"))
        for label in self.labels:
            if not LABEL_NAME_RE.match(label.name) or label.name.startswith("__"):
                out.append((f"labels.{label.name}",
                            f"must be a Prometheus label name ({LABEL_NAME_RE.pattern}, not "
                            f"starting with __)"))
            elif label.name in RESERVED_LABELS:
                out.append((f"labels.{label.name}", "is set by tars-ci on every rule; "
                                                    f"reserved: {', '.join(sorted(RESERVED_LABELS))}"))
        return out
