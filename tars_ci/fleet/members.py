"""Which specs make a fleet, and loading them one by one.

A fleet is named on the command line by spec arguments: a folder (every ``*.yaml`` and
``*.yml`` file directly inside it, sorted by name; dotfiles and the files ``tars-ci rules
--write`` generates beside each spec skipped) or several files, in any mix. Each spec is loaded on its own, so one spec that cannot be loaded does not stop the
others: it becomes a member with a ``problem``. Two specs that would share a release's state
— the same release slug (history folder, lease, labels) or the same retrospective branch —
are both refused, each error naming the other file, since neither can be told apart from the
other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from tars_ci.errors import SpecError, SpecProblem, TarsError, UsageError
from tars_ci.spec.document import line_at
from tars_ci.spec.model import Spec

SUFFIXES = (".yaml", ".yml")

Loader = Callable[[Path], Spec]


class Member(NamedTuple):
    """One spec of the fleet: loaded, or why it cannot run."""

    path: Path
    spec: Spec | None
    problem: TarsError | None = None

    @property
    def slug(self) -> str:
        """The release slug (the file's stem when the spec did not load)."""
        return self.spec.release.release_slug if self.spec is not None else self.path.stem

    @property
    def name(self) -> str:
        """The release name (the file name when the spec did not load)."""
        return self.spec.release.name if self.spec is not None else self.path.name


class Fleet(NamedTuple):
    """The specs named on the command line."""

    members: tuple[Member, ...]
    folder: Path  # the folder the specs share (names the fleet, its workflow and its issue)
    many: bool  # a folder or several files; a single file runs exactly as before fleets

    @property
    def usable(self) -> tuple[Member, ...]:
        """Members whose spec loaded and is not refused."""
        return tuple(m for m in self.members if m.problem is None)


def spec_paths(arguments: Sequence[str]) -> tuple[list[Path], bool]:
    """The spec files the arguments name, in order, and whether they make a fleet (a folder,
    or more than one file). UsageError for a folder without specs or a path twice."""
    paths: list[Path] = []
    many = len(arguments) > 1
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            many = True
            found = sorted(p for p in path.iterdir() if p.suffix in SUFFIXES
                           and not p.name.startswith(".") and p.is_file()
                           and not _generated_rules(p))
            if not found:
                raise UsageError(f"{path} holds no spec (*.yaml or *.yml files directly "
                                 f"inside it)")
            paths += found
        else:
            paths.append(path)
    seen: dict[Path, Path] = {}
    for path in paths:
        key = path.resolve()
        if key in seen:
            raise UsageError(f"{path} is named twice (also as {seen[key]})")
        seen[key] = path
    return paths, many


def _generated_rules(path: Path) -> bool:
    """Whether ``path`` is a rules or promtool test file ``tars-ci rules --write`` wrote
    beside its spec (its first line says so)."""
    from tars_ci.alerts.render import GENERATED

    with path.open("rb") as f:
        return f.readline(200).startswith(f"# {GENERATED}".encode())


def common_folder(paths: Sequence[Path]) -> Path:
    """The deepest folder that holds every spec."""
    parents = [p.resolve().parent for p in paths]
    common = parents[0]
    while not all(p == common or p.is_relative_to(common) for p in parents):
        common = common.parent
    return common


def load_fleet(arguments: Sequence[str], load: Loader) -> Fleet:
    """Every spec the arguments name, loaded with ``load`` (each on its own), with clashing
    releases refused. UsageError only when the arguments name no usable set of files."""
    paths, many = spec_paths(arguments)
    members: list[Member] = []
    for path in paths:
        try:
            members.append(Member(path, load(path)))
        except TarsError as exc:
            members.append(Member(path, None, exc))
    return Fleet(tuple(_refuse_clashes(members)), common_folder(paths), many)


def _refuse_clashes(members: list[Member]) -> list[Member]:
    """Members sharing a slug or a retrospective branch, refused with a SpecError that
    names the other file(s)."""
    out = list(members)
    for what, key, field in (("release slug", lambda s: s.release.release_slug, "release"),
                             ("retrospective branch", lambda s: s.retro_branch, "github")):
        owners: dict[str, list[int]] = {}
        for i, m in enumerate(out):
            if m.spec is not None and m.problem is None:
                owners.setdefault(key(m.spec), []).append(i)
        for value, indices in owners.items():
            if len(indices) < 2:
                continue
            for i in indices:
                others = ", ".join(str(out[j].path) for j in indices if j != i)
                out[i] = out[i]._replace(problem=_clash(out[i].path, field, what, value,
                                                        others))
    return out


def _clash(path: Path, field: str, what: str, value: str, others: str) -> SpecError:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    if field == "release":
        yaml_path = "release.slug" if line_at(text, "release.slug") else "release.name"
        advice = ("give each release its own `release.slug` (or name): two releases cannot "
                  "share a history folder, a publishing lease, labels or a retrospective "
                  "branch")
    else:
        yaml_path = "github.retro_branch"
        advice = ("give each release its own `github.retro_branch` (or leave it empty: the "
                  "default is per release)")
    return SpecError([SpecProblem(yaml_path, line_at(text, yaml_path),
                                  f"{what} {value!r} is also the {what} of {others}; {advice}",
                                  str(path))])
