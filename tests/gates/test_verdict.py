"""The verdict's terminal table: exact expected output."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from tars_ci.gates import table
from tars_ci.gates.criteria import CriterionResult
from tars_ci.gates.verdict import Verdict, exit_code, unavailable
from tests.gates.builders import stage

START = datetime(2026, 11, 2, 10, 20, tzinfo=timezone.utc)
END = datetime(2026, 11, 2, 10, 30, tzinfo=timezone.utc)


def row(**kw: Any) -> CriterionResult:
    base = CriterionResult(
        id="lat:threshold", metric="lat", kind="threshold", part="window", status="pass",
        critical=True, unit="ms", value=91.34, stable=70.05, threshold="< 110",
        drift_percent=None, p_value=None, effect_percent=None, canary_samples=40,
        stable_samples=40, coverage=1.0, series="", scale="", reason="")
    return base._replace(**kw)


def test_the_table_lists_every_criterion_then_the_decision_and_reasons() -> None:
    rows = (row(id="requests", metric="requests", kind="requests", unit="requests",
                value=48210.0, stable=433777.0, threshold=">= 25,000", coverage=None,
                reason="48,210 canary requests in the window (10% of both tracks)"),
            row(),
            row(id="lat:drift", kind="drift", status="fail", threshold="drift < 5%",
                drift_percent=30.4, p_value=9.7e-05, effect_percent=30.41),
            row(id="lat:drift:recent", kind="drift", part="recent", status="fail",
                threshold="drift < 5%", value=92.1, stable=70.2, drift_percent=31.2,
                p_value=4.1e-05, canary_samples=8),
            row(id="mem:threshold", metric="mem", unit="bytes", critical=False, status="fail",
                value=2.7e9, stable=None, threshold="< 2.5 GB", scale="GB",
                series="pod api-canary-2"),
            row(id="err:threshold", metric="err", unit="percent", status="no_data", value=None,
                stable=0.05, threshold="< 1.5", canary_samples=0,
                reason="canary: no data: no series matched"))
    verdict = Verdict("canary-25", 25.0, START, END, 15.0, "hold", True, True,
                      ("lat:drift: canary drifts +30.4%", "err:threshold: canary: no data"),
                      ("mem:threshold (non-critical): canary mem 2.70 GB is not < 2.5 GB",),
                      rows)
    assert table(verdict) == (
        "criterion           status   canary           stable            required    detail\n"
        "requests            pass     48,210 requests  433,777 requests  >= 25,000   48,210 "
        "canary requests in the window (10% of both tracks)\n"
        "lat:threshold       pass     91.34 ms         70.05 ms          < 110       n=40\n"
        "lat:drift           fail     91.34 ms         70.05 ms          drift < 5%  drift "
        "+30.4%, HL shift +30.4%, p=9.7e-05, n=40/40\n"
        "lat:drift:recent    fail     92.10 ms         70.20 ms          drift < 5%  recent "
        "drift +31.2%, one-sided p=4.1e-05 (against stable moved by the bound), n=8/40\n"
        "mem:threshold (nc)  fail     2.70 GB          n/a               < 2.5 GB    n=40, pod "
        "api-canary-2\n"
        "err:threshold       no_data  n/a              0.05%             < 1.5       canary: no "
        "data: no series matched\n"
        "\n"
        "stage canary-25 (25% traffic), window 2026-11-02T10:20:00Z – 2026-11-02T10:30:00Z: "
        "HOLD\n"
        "  - lat:drift: canary drifts +30.4%\n"
        "  - err:threshold: canary: no data\n"
        "  ! mem:threshold (non-critical): canary mem 2.70 GB is not < 2.5 GB")
    assert exit_code(verdict) == 1


def test_an_unavailable_source_is_a_hold_on_missing_data() -> None:
    verdict = unavailable(stage("canary-50", 50), START, END, 15.0, "connection refused")
    assert (verdict.decision, verdict.failed, verdict.missing, exit_code(verdict)) == (
        "hold", False, True, 3)
    assert table(verdict) == (
        "criterion  status  canary  stable  required  detail\n"
        "\n"
        "stage canary-50 (50% traffic), window 2026-11-02T10:20:00Z – 2026-11-02T10:30:00Z: "
        "HOLD\n"
        "  - source unavailable: connection refused")
