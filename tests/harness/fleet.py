"""A fleet of releases for tests and benchmarks: N specs made from the example spec.

Every spec selects the same series of the demo scenario (so one real Prometheus serves the
whole fleet); they differ in the release name (hence the slug, history folder, lease,
labels and retrospective branch) and in a KPI title, so that no two releases' reports,
issues or pull requests are the same bytes::

    from tests.harness.fleet import fleet_specs, write_fleet

    write_fleet(repo / "config" / "releases", 50)   # r00.yaml … r49.yaml
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_SPEC = ROOT / "config" / "tars.yaml"
NAME_LINE = "  name: checkout-api v2.4.0\n"
TITLE_LINE = "    title: p99 latency\n"


def release_name(i: int) -> str:
    """The release name of fleet member ``i``."""
    return f"checkout-api-{i:02d} v2.4.0"


def release_slug(i: int) -> str:
    """Its slug."""
    return f"checkout-api-{i:02d}-v2-4-0"


def fleet_specs(count: int, base: str | None = None) -> dict[str, str]:
    """``count`` spec texts by file name (``r00.yaml`` …), from ``base`` (the example spec)."""
    text = EXAMPLE_SPEC.read_text("utf-8") if base is None else base
    if NAME_LINE not in text or TITLE_LINE not in text:
        raise ValueError("the base spec lacks the release name or p99 title line")
    return {f"r{i:02d}.yaml": text.replace(NAME_LINE, f"  name: {release_name(i)}\n")
            .replace(TITLE_LINE, f"    title: p99 latency (fleet member {i:02d})\n")
            for i in range(count)}


def write_fleet(folder: Path, count: int, base: str | None = None) -> list[Path]:
    """Write :func:`fleet_specs` into ``folder``; the paths, in order."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, text in fleet_specs(count, base).items():
        (folder / name).write_text(text, "utf-8")
        out.append(folder / name)
    return out
