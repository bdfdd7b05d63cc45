"""Mermaid charts that GitHub renders natively (``xychart-beta``)."""

from __future__ import annotations

import re
from collections.abc import Sequence

_UNSAFE = re.compile(r"[^A-Za-z0-9 %._()/+-]")


def label(text: str) -> str:
    """A chart label that cannot break out of Mermaid's quoted strings."""
    return _UNSAFE.sub("", text)[:60].strip() or "series"


def line_chart(title: str, points: Sequence[tuple[str, float | None]], y_label: str,
               y_range: tuple[float, float] | None = None) -> str:
    """A one-line xychart; points without a value are left out (never drawn as zero)."""
    kept = [(x, y) for x, y in points if y is not None]
    if len(kept) < 2:
        return ""
    xs = ", ".join(label(x) for x, _ in kept)
    ys = ", ".join(f"{y:.4g}" for _, y in kept)
    if y_range is None:
        lo, hi = min(y for _, y in kept), max(y for _, y in kept)
        pad = (hi - lo) * 0.1 or abs(hi) * 0.05 or 1.0
        y_range = (lo - pad, hi + pad)
    return (f'xychart-beta\n    title "{label(title)}"\n    x-axis [{xs}]\n'
            f'    y-axis "{label(y_label)}" {y_range[0]:.4g} --> {y_range[1]:.4g}\n'
            f"    line [{ys}]")
