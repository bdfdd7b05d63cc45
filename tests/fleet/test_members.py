"""Which specs make a fleet, and the releases it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from tars_ci.errors import SpecError, UsageError
from tars_ci.fleet import load_fleet, spec_paths
from tars_ci.spec import load_spec
from tests.fleet.conftest import add, demo_spec

RETRO = "github:\n  retro_branch: retro\n"


def load(path: Path) -> object:
    return load_spec(path, {})


def test_a_folder_is_every_yaml_file_directly_inside_it(fleet_dir: Path) -> None:
    add(fleet_dir, "b.yml", demo_spec("b v1"))
    add(fleet_dir, "a.yaml", demo_spec("a v1"))
    add(fleet_dir, ".hidden.yaml", "not: a spec")
    add(fleet_dir, "notes.md", "# not a spec")
    (fleet_dir / "archive").mkdir()
    add(fleet_dir / "archive", "old.yaml", demo_spec("old v1"))
    paths, many = spec_paths([str(fleet_dir)])
    assert [p.name for p in paths] == ["a.yaml", "b.yml"] and many
    assert spec_paths([str(fleet_dir / "a.yaml")]) == ([fleet_dir / "a.yaml"], False)
    assert spec_paths([str(fleet_dir / "a.yaml"), str(fleet_dir / "b.yml")])[1]


def test_what_cannot_make_a_fleet(fleet_dir: Path) -> None:
    with pytest.raises(UsageError, match=r"holds no spec \(\*\.yaml or \*\.yml"):
        spec_paths([str(fleet_dir)])
    a = add(fleet_dir, "a.yaml", demo_spec("a v1"))
    with pytest.raises(UsageError, match=r"a\.yaml is named twice \(also as "):
        spec_paths([str(fleet_dir), str(a)])


def test_a_spec_that_does_not_load_is_a_member_with_its_problem(fleet_dir: Path) -> None:
    add(fleet_dir, "a.yaml", demo_spec("a v1"))
    add(fleet_dir, "b.yaml", "version: 1\n")
    fleet = load_fleet([str(fleet_dir)], load)  # type: ignore[arg-type]
    assert [m.slug for m in fleet.usable] == ["a-v1"]
    bad = fleet.members[1]
    assert bad.spec is None and isinstance(bad.problem, SpecError)
    assert (bad.name, bad.slug) == ("b.yaml", "b")
    assert fleet.folder == fleet_dir.resolve()


def test_releases_sharing_state_are_refused_naming_each_other(fleet_dir: Path) -> None:
    add(fleet_dir, "a.yaml", demo_spec("a v1"))
    add(fleet_dir, "b.yaml", demo_spec("b v1").replace(
        "release:\n", "release:\n  slug: a-v1\n", 1))
    add(fleet_dir, "c.yaml", demo_spec("c v1").replace("github:\n", RETRO))
    add(fleet_dir, "d.yaml", demo_spec("d v1").replace("github:\n", RETRO))
    add(fleet_dir, "e.yaml", demo_spec("e v1"))
    fleet = load_fleet([str(fleet_dir)], load)  # type: ignore[arg-type]
    problems = {m.path.name: str(m.problem) for m in fleet.members if m.problem}
    assert problems == {
        "a.yaml": (f"{fleet_dir}/a.yaml:6: release.name: release slug 'a-v1' is also the "
                   f"release slug of {fleet_dir}/b.yaml; give each release its own "
                   f"`release.slug` (or name): two releases cannot share a history folder, a "
                   f"publishing lease, labels or a retrospective branch"),
        "b.yaml": (f"{fleet_dir}/b.yaml:6: release.slug: release slug 'a-v1' is also the "
                   f"release slug of {fleet_dir}/a.yaml; give each release its own "
                   f"`release.slug` (or name): two releases cannot share a history folder, a "
                   f"publishing lease, labels or a retrospective branch"),
        "c.yaml": (f"{fleet_dir}/c.yaml:{_line(fleet_dir / 'c.yaml')}: github.retro_branch: "
                   f"retrospective branch 'retro' is also the retrospective branch of "
                   f"{fleet_dir}/d.yaml; give each release its own `github.retro_branch` (or "
                   f"leave it empty: the default is per release)"),
        "d.yaml": (f"{fleet_dir}/d.yaml:{_line(fleet_dir / 'd.yaml')}: github.retro_branch: "
                   f"retrospective branch 'retro' is also the retrospective branch of "
                   f"{fleet_dir}/c.yaml; give each release its own `github.retro_branch` (or "
                   f"leave it empty: the default is per release)"),
    }
    assert [m.slug for m in fleet.usable] == ["e-v1"]


def _line(path: Path) -> int:
    return path.read_text("utf-8").splitlines().index("  retro_branch: retro") + 1
