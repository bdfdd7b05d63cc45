"""``tars-ci validate [SPEC ...]``: print ok, or every problem with its file, line and YAML
path.

Each SPEC is a file or a folder of specs (a fleet: every ``*.yaml``/``*.yml`` directly
inside it). Exit 0 when every spec is usable; exit 2 (through the CLI guard) with one
``error:`` line per problem, ``FILE:LINE: YAML.PATH: message``, otherwise — including two specs
of a fleet that share a release slug or retrospective branch, each error naming the other
file. ``${VAR}`` references are expanded from the environment, so an unset variable is
reported as it would be in CI.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from tars_ci.cli import DEFAULT_SPEC, EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``validate``."""
    parser.add_argument("spec", nargs="*", default=[DEFAULT_SPEC], metavar="SPEC",
                        help=f"spec file or folder of specs (default {DEFAULT_SPEC})")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Validate every spec; SpecError is reported by the CLI guard (exit 2)."""
    from tars_ci.errors import SpecError, TarsError
    from tars_ci.fleet import load_fleet
    from tars_ci.spec import load_spec

    fleet = load_fleet(args.spec, lambda path: load_spec(path, env))
    problems = []
    for member in fleet.members:
        if isinstance(member.problem, SpecError):
            problems += member.problem.problems
            continue
        if isinstance(member.problem, TarsError):
            raise member.problem
        assert member.spec is not None
        release = member.spec.release
        ga = release.ga_time.strftime("%Y-%m-%dT%H:%M:%SZ")
        print(f"ok: {member.path}: release {release.name!r} ({release.release_slug}), "
              f"{len(member.spec.kpis)} KPIs, {len(member.spec.slos)} SLOs, days "
              f"0–{release.days} from {ga}")
    if problems:
        raise SpecError(problems)
    return EXIT_OK
