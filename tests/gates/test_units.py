"""Gate values for people: bytes with their unit, counts as whole numbers."""

from __future__ import annotations

import pytest

from tars_ci.gates.units import byte_unit, exact_bytes, is_count, judged, show
from tars_ci.spec.gates import parse_bound


@pytest.mark.parametrize(("value", "unit", "scale", "text"), [
    (2.61e9, "bytes", "GB", "2.61 GB"),
    (2.61e9, "bytes", "GiB", "2.43 GiB"),
    (2.61e9, "bytes", "", "2.61 GB"),
    (5.2e8, "bytes", "", "520.00 MB"),
    (512.0, "bytes", "", "512 B"),
    (2.0, "restarts", "", "2 restarts"),
    (1.04, "restarts", "", "1 restart"),
    (12345.4, "requests", "", "12,345 requests"),
    (0.0503, "percent", "", "0.0503%"),
    (91.34, "ms", "", "91.34 ms"),
    (None, "bytes", "GB", "n/a"),
])
def test_show(value: float | None, unit: str, scale: str, text: str) -> None:
    assert show(value, unit, scale) == text


def test_counts_are_judged_whole_and_bytes_to_the_byte() -> None:
    assert is_count("restarts") and not is_count("ms")
    assert (judged(2.6, "restarts"), judged(2.6, "ms")) == (3.0, 2.6)
    assert exact_bytes(2.6e9) == "2,600,000,000 bytes"
    assert byte_unit(None, parse_bound("< 1.5"), parse_bound("< 2 GiB")) == "GiB"
    assert byte_unit(parse_bound("< 1.5")) == ""
