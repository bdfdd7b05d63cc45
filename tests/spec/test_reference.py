"""The README's spec reference is generated from the model and kept in sync by this test."""

from __future__ import annotations

import pytest

from tars_ci.spec.schema import main, markdown_reference
from tests.spec.texts import REPO

START, END = "<!-- spec-reference:start -->", "<!-- spec-reference:end -->"


def readme_section(text: str) -> str | None:
    """The text between the spec-reference markers, or None when they are missing."""
    if START not in text or END not in text.split(START, 1)[1]:
        return None
    return text.split(START, 1)[1].split(END, 1)[0]


def test_readme_section_matches_the_model() -> None:
    readme = REPO / "README.md"
    section = readme_section(readme.read_text(encoding="utf-8") if readme.exists() else "")
    if section is None:
        pytest.skip("README.md has no spec-reference markers yet")
    assert section.strip() == markdown_reference().strip(), (
        "README spec reference is stale: replace the text between the spec-reference markers "
        "with the output of `python -m tars_ci.spec.schema --markdown`")


def test_readme_section_extraction() -> None:
    fresh = f"# x\n{START}\n{markdown_reference()}\n{END}\nmore\n"
    section = readme_section(fresh)
    assert section is not None and section.strip() == markdown_reference().strip()
    stale = fresh.replace("| `days` | integer", "| `days` | number")
    section = readme_section(stale)
    assert section is not None and section.strip() != markdown_reference().strip()
    assert readme_section("# no markers\n") is None
    assert readme_section(f"{END}\n{START}\n") is None  # end before start


def test_release_table_is_exact() -> None:
    text = markdown_reference()
    table = text.split("#### `release`\n", 1)[1].split("\n\n#### ", 1)[0]
    assert table == "\n".join([  # noqa: FLY002 - one row per line reads best
        "",
        "The release under watch.",
        "",
        "| key | type | default | description |",
        "| --- | --- | --- | --- |",
        ("| `name` | string | **required** | Release name as people say it, e.g. "
        "`payments-api v2.4.0`. |"),
        ("| `ga_time` | timestamp | **required** | GA timestamp, ISO 8601 with a timezone "
        "(`2026-11-01T00:00:00Z`). Day N covers [GA + N·24h, GA + (N+1)·24h). |"),
        "| `days` | integer (≥ 1, ≤ 90) | `7` | Days compared to the GA-day baseline (day 0). |",
        ("| `slug` | string (matching `^[a-z0-9][a-z0-9-]{0,79}$` or empty) | `\"\"` | Directory "
        "and label name for the release; derived from `name` when empty. |"),
    ])


def test_sections_follow_the_yaml_paths() -> None:
    headings = [ln for ln in markdown_reference().splitlines() if ln.startswith("#### ")]
    assert headings[:7] == ["#### Top level", "#### `release`", "#### `source`",
                            "#### `source.auth`", "#### `kpis.<name>`",
                            "#### `kpis.<name>.ratio`", "#### `schedule`"]
    assert "#### `slos.<name>.threshold`" in headings
    assert "#### `priorities.bands.<kpi>`" in headings
    assert not any("headers" in h for h in headings)  # name → value, no table of its own


def test_rows_for_other_kinds_of_field() -> None:
    text = markdown_reference()
    assert ("| `kpis` | mapping name → settings (`kpis.<name>`) | **required** | KPIs by name. |"
            in text)
    assert ("| `headers` | mapping name → string (secret) | `{}` | Extra headers, as a mapping "
            "name → value. |") in text
    assert "| `settle` | duration | `30m` |" in text
    assert "| `daily_time` | time `HH:MM` | `\"00:45\"` |" in text
    assert "| `issue_priorities` | list of `P0`, `P1`, `P2`, `P3` | `[P0, P1]` |" in text
    assert "| `limit` | number or null | `null` |" in text
    assert "| `python_version` | string (matching `^3\\.[0-9]{1,2}$`) | `\"3.11\"` |" in text


def test_markdown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--markdown"]) == 0
    assert capsys.readouterr().out == markdown_reference()
