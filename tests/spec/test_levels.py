"""spec.levels: the one place Priority and Severity are ordered."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tars_ci.spec import levels
from tars_ci.spec.fields import PRIORITIES, SEVERITIES

ROOT = Path(__file__).resolve().parents[2]


def test_priority_order_is_p0_first() -> None:
    assert [levels.priority_rank(p) for p in PRIORITIES] == [0, 1, 2, 3]
    assert levels.more_urgent("P0", "P1") and not levels.more_urgent("P1", "P1")
    assert levels.at_least_as_urgent("P1", "P1") and levels.at_least_as_urgent("P0", "P3")
    assert not levels.at_least_as_urgent("P2", "P1")
    assert levels.most_urgent("P2", None, "P1", "P3") == "P1"
    assert levels.least_urgent("P2", None, "P1") == "P2"
    assert levels.most_urgent() is None and levels.most_urgent(None) is None


def test_severity_order_is_critical_worst_and_none_lowest() -> None:
    assert [levels.severity_rank(s) for s in (None, *SEVERITIES)] == [-1, 0, 1, 2, 3]
    assert levels.worst_severity("low", None, "critical", "high") == "critical"
    assert levels.worst_severity(None, None) is None
    assert levels.severity_at_least("high", "high") and levels.severity_at_least("critical", "low")
    assert not levels.severity_at_least(None, "low") and not levels.severity_at_least("medium",
                                                                                      "high")


def test_string_order_would_be_wrong_which_is_why_ranks_exist() -> None:
    # "critical" < "high" as strings: the string order is not the severity order.
    assert sorted(SEVERITIES) != list(SEVERITIES)
    assert sorted(SEVERITIES, key=levels.severity_rank) == list(SEVERITIES)


@pytest.mark.parametrize(("a", "b"), list(itertools.product(PRIORITIES, PRIORITIES)))
def test_urgency_relations_agree(a: str, b: str) -> None:
    assert levels.at_least_as_urgent(a, b) == (levels.more_urgent(a, b) or a == b)  # type: ignore[arg-type]


def test_unknown_spellings_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown priority 'P9'"):
        levels.priority_rank("P9")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown severity 'severe'"):
        levels.severity_rank("severe")  # type: ignore[arg-type]


def test_analysis_orders_levels_only_through_this_module() -> None:
    """No analysis module indexes PRIORITIES/SEVERITIES or keeps a rank table of its own."""
    offenders = []
    for path in sorted((ROOT / "tars_ci" / "analysis").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for needle in ("PRIORITIES.index", "SEVERITIES.index", "_SEVERITY_RANK", "_PRIORITY_RANK"):
            if needle in text:
                offenders.append(f"{path.relative_to(ROOT)}: {needle}")
    assert offenders == []
