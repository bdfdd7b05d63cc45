"""Running a command once per release: ``--spec`` names a file, a folder of specs, or is
given several times.

A single file runs exactly as it always did. A folder (every ``*.yaml``/``*.yml`` directly
inside it) or several files make a fleet: each release runs in turn, with its own spec,
source and history, under a ``== release (spec)`` heading; a release that cannot run — a bad
spec, a slug another spec also uses, its source down, a corrupt history, a failed push —
gets its error and exit code, and the others still run. A table at the end says what
happened to each, and the fleet's exit code is **the largest of the releases' codes**: 0 all
ok, 1 some release fails its checks (and none had an error), 2–5 tars-ci could not do its job
for some release (the codes of :mod:`tars_ci.cli`). Ctrl-C stops the whole fleet (130).
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

from tars_ci.cli import DEFAULT_SPEC, error_exit


class Outcome(NamedTuple):
    """What one release's run came to: its exit code and one line for the fleet table."""

    code: int
    note: str = ""


class Ran(NamedTuple):
    """One release of a fleet run."""

    name: str
    slug: str
    spec: str
    code: int
    note: str


Body = Callable[[argparse.Namespace, Mapping[str, str]], "int | Outcome"]

_MEANING = {0: "ok", 1: "failing", 2: "bad spec or usage", 3: "metrics source unavailable",
            4: "reports unusable", 5: "publishing failed", 130: "interrupted"}


def add_specs_argument(parser: argparse.ArgumentParser) -> None:
    """``--spec FILE|DIR``, repeatable."""
    parser.add_argument("--spec", dest="specs", action="append", metavar="FILE|DIR",
                        help=f"spec file, or a folder of specs (every *.yaml/*.yml in it): a "
                             f"fleet, one release after another; repeatable (default "
                             f"{DEFAULT_SPEC})")


def spec_arguments(args: argparse.Namespace) -> list[str]:
    """The ``--spec`` values (the default spec when none)."""
    return list(getattr(args, "specs", None) or [DEFAULT_SPEC])


def fleet_exit(codes: list[int]) -> int:
    """The fleet's exit code: the largest release code (0 when there is none)."""
    return max(codes, default=0)


def for_each_release(args: argparse.Namespace, env: Mapping[str, str], body: Body,
                     *, after: Callable[[list[Ran]], None] | None = None) -> int:
    """Run ``body`` for every spec ``--spec`` names (see the module docstring); ``after``
    sees every release's outcome before the table is printed (a fleet only)."""
    from tars_ci.fleet import load_fleet, spec_paths
    from tars_ci.spec import load_spec

    arguments = spec_arguments(args)
    paths, many = spec_paths(arguments)
    if not many:
        one = body(_for(args, paths[0], fleet=False), env)
        return one.code if isinstance(one, Outcome) else int(one)
    fleet = load_fleet(arguments, lambda path: load_spec(path, env))
    ran: list[Ran] = []
    for i, member in enumerate(fleet.members, 1):
        print(f"== {member.name} ({member.path}) [{i}/{len(fleet.members)}]", flush=True)
        if member.problem is not None:
            code, lines = error_exit(member.problem) or (2, [f"error: {member.problem}"])
            print("\n".join(lines), file=sys.stderr, flush=True)
            outcome = Outcome(code, _first(lines))
        else:
            outcome = _guarded(functools.partial(body, _for(args, member.path, fleet=True),
                                                 env))
        ran.append(Ran(member.name, member.slug, str(member.path), outcome.code, outcome.note))
        sys.stdout.flush()
        if outcome.code == 130:
            print("interrupted: the remaining releases did not run", file=sys.stderr)
            break
    if after is not None:
        after(ran)
    code = fleet_exit([r.code for r in ran])
    print(table(ran, len(fleet.members), code))
    return code


def _for(args: argparse.Namespace, path: Path, *, fleet: bool) -> argparse.Namespace:
    """``args`` for one release: ``spec`` is its file."""
    return argparse.Namespace(**{**vars(args), "spec": str(path), "in_fleet": fleet})


def _first(lines: list[str]) -> str:
    text = lines[0] if lines else ""
    text = text.removeprefix("error: ")
    return text if len(text) <= 160 else text[:159] + "…"


def _guarded(run: Callable[[], int | Outcome]) -> Outcome:
    """One release, its errors turned into an exit code and a note (printed, as the CLI
    guard prints them)."""
    from tars_ci.errors import TarsError

    try:
        one = run()
    except TarsError as exc:
        known = error_exit(exc)
        if known is None:
            raise
        code, lines = known
        print("\n".join(lines), file=sys.stderr, flush=True)
        return Outcome(code, _first(lines))
    except KeyboardInterrupt:
        return Outcome(130, "interrupted")
    return one if isinstance(one, Outcome) else Outcome(int(one))


def table(ran: list[Ran], total: int, code: int) -> str:
    """What happened to each release, and the fleet's exit code."""
    width = max([len("release"), *(len(r.name) for r in ran)])
    swidth = max([len("spec"), *(len(r.spec) for r in ran)])
    lines = ["", f"fleet: {len(ran)} of {total} release(s) ran; exit {code} "
                 f"({_MEANING.get(code, 'error')}: the largest of the releases' exit codes)",
             f"{'release':<{width}}  {'spec':<{swidth}}  exit  what happened"]
    for r in ran:
        note = r.note or _MEANING.get(r.code, "error")
        lines.append(f"{r.name:<{width}}  {r.spec:<{swidth}}  {r.code:>4}  {note}")
    return "\n".join(lines)
