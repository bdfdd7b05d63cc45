"""``tars-ci validate [SPEC]``: print ok, or every problem with its file, line and YAML path.

Exit 0 when the spec is usable; exit 2 (through the CLI guard) with one ``error:`` line per
problem, ``FILE:LINE: YAML.PATH: message``, otherwise. ``${VAR}`` references are expanded
from the environment, so an unset variable is reported as it would be in CI.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from tars_ci.cli import DEFAULT_SPEC, EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``validate``."""
    parser.add_argument("spec", nargs="?", default=DEFAULT_SPEC, metavar="SPEC",
                        help=f"spec file (default {DEFAULT_SPEC})")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Validate the spec; SpecError is reported by the CLI guard (exit 2)."""
    from tars_ci.spec import load_spec

    spec = load_spec(args.spec, env)
    release = spec.release
    ga = release.ga_time.strftime("%Y-%m-%dT%H:%M:%SZ")
    print(f"ok: {args.spec}: release {release.name!r} ({release.release_slug}), "
          f"{len(spec.kpis)} KPIs, {len(spec.slos)} SLOs, days 0–{release.days} from {ga}")
    return EXIT_OK
