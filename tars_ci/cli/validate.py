"""``tars-ci validate [SPEC]``: print ok, or every problem with its YAML path and line."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from tars_ci.cli import DEFAULT_SPEC, EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``validate``."""
    parser.add_argument("spec", nargs="?", default=DEFAULT_SPEC, help="spec file")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Validate the spec; SpecError is reported by the CLI guard (exit 2)."""
    from tars_ci.spec import load_spec

    spec = load_spec(args.spec, env)
    print(f"ok: {args.spec}: release {spec.release.name!r}, {len(spec.kpis)} KPIs, "
          f"{len(spec.slos)} SLOs, {spec.release.days} days")
    return EXIT_OK
