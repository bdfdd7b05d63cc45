"""``tars-ci workflow --check | --write | --print``: the scheduled workflow from the spec.

``--check`` exits 1 when the committed workflow disagrees with the spec (its cron, its
manual-dispatch inputs, a fleet's matrix, or — for a file tars-ci generated — any byte), and
says how; ``--write`` regenerates it (and ``tars-ci-check.yml`` beside it, when that file is
one tars-ci generated). A folder of specs (or several ``--spec``) is a fleet: its workflow is
``stabilization-<folder>.yml``, an Actions matrix over the specs (:mod:`tars_ci.fleet.workflow`),
checked by ``tars-ci-check-<folder>.yml``. Neither needs the secrets the spec names: an unset ``${VAR}`` without
a default is filled with a placeholder, since no value it could hold changes the workflow.
"""

from __future__ import annotations

import argparse
import difflib
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tars_ci.cli import EXIT_FINDINGS, EXIT_OK
from tars_ci.cli.releases import add_specs_argument, spec_arguments

if TYPE_CHECKING:
    from tars_ci.spec.model import Spec

DEFAULT_WORKFLOW = ".github/workflows/stabilization.yml"
PLACEHOLDER = "http://unset.invalid"
_MISSING_VAR = re.compile(r"^environment variable ([A-Za-z_][A-Za-z0-9_]*) is not set")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``workflow``."""
    add_specs_argument(parser)
    parser.add_argument("--workflow", metavar="FILE",
                        help=f"the scheduled workflow file (default {DEFAULT_WORKFLOW}; for a "
                             f"fleet .github/workflows/stabilization-<folder>.yml); the "
                             "repository root is the folder holding its .github/")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true",
                      help="exit 1 when the committed workflow disagrees with the spec")
    mode.add_argument("--write", action="store_true", help="regenerate the workflow file(s)")
    mode.add_argument("--print", action="store_true", help="print the workflow to stdout")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Check, write or print the workflow generated from ``--spec``."""
    from tars_ci import workflow

    specs = spec_arguments(args)
    files = generated_files(specs, Path(args.workflow) if args.workflow else None, env)
    workflow_path = next(iter(files))
    shown = ", ".join(specs)
    periodic = _report_crons(specs, env)
    if args.print:
        print(files[workflow_path], end="")
        return EXIT_OK
    if args.write:
        from tars_ci.reports.jsonio import write_text

        for path, text in files.items():
            if path != workflow_path and not _is_generated(path):
                continue
            changed = write_text(path, text)
            print(f"{'wrote' if changed else 'unchanged'}: {path}")
        return EXIT_OK
    failed = False
    for path, text in files.items():
        if path != workflow_path and not _is_generated(path):
            continue
        if not path.is_file():
            print(f"error: {path} is missing: run `tars-ci workflow --write`")
            failed = True
            continue
        committed = path.read_text(encoding="utf-8")
        problems = workflow.disagreements(committed, text, periodic)
        if not problems:
            found = workflow.facts(text)
            crons = () if isinstance(found, str) else found.crons
            detail = f" (cron {', '.join(crons)})" if crons else ""
            print(f"ok: {path} agrees with {shown}{detail}")
            continue
        failed = True
        print(f"error: {path} disagrees with {shown}:")
        for problem in problems:
            print(f"  - {problem}")
        if committed.startswith(workflow.MARKER):
            print("".join(difflib.unified_diff(
                committed.splitlines(keepends=True), text.splitlines(keepends=True),
                fromfile=f"{path} (committed)", tofile=f"{path} (from the spec)")), end="")
        print("run `tars-ci workflow --write` to regenerate it, then commit it")
    return EXIT_FINDINGS if failed else EXIT_OK


def _report_crons(specs: Sequence[str | Path], env: Mapping[str, str]) -> dict[str, list[str]]:
    """The ``reports.periodic`` crons of a single spec (a fleet's workflow has none)."""
    from tars_ci import workflow
    from tars_ci.fleet import spec_paths

    paths, many = spec_paths([str(s) for s in specs])
    return {} if many else workflow.report_crons(load_for_workflow(paths[0], env)[0])


def _is_generated(path: Path) -> bool:
    from tars_ci.workflow import MARKER

    try:
        return path.read_text(encoding="utf-8").startswith(MARKER)
    except OSError:
        return False


def repo_root(workflow_path: Path) -> Path:
    """The repository root of a workflow file: the folder above its ``.github/workflows``."""
    parent = workflow_path.resolve().parent
    if parent.name == "workflows" and parent.parent.name == ".github":
        return parent.parent.parent
    return Path.cwd()


def load_for_workflow(spec_path: Path, env: Mapping[str, str]) -> tuple[Spec, str]:
    """The spec and its text, loaded without needing the secrets it names."""
    from tars_ci.errors import SpecError, SpecProblem

    try:
        text = spec_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise SpecError([SpecProblem("", None, f"cannot read spec: {reason}",
                                     str(spec_path))]) from exc
    return parse_for_workflow(text, env, str(spec_path)), text


def parse_for_workflow(text: str, env: Mapping[str, str], file: str) -> Spec:
    """A spec's text parsed without needing the secrets it names (see
    :func:`load_for_workflow`)."""
    from tars_ci.errors import SpecError
    from tars_ci.spec import parse_spec

    try:
        return parse_spec(text, env, file)
    except SpecError as exc:
        missing = [_MISSING_VAR.match(p.message) for p in exc.problems]
        if not all(missing):
            raise
        filled = {**env, **{m.group(1): PLACEHOLDER for m in missing if m}}
        return parse_spec(text, filled, file)


def generated_files(specs: Sequence[str | Path], workflow_path: Path | None,
                    env: Mapping[str, str]) -> dict[Path, str]:
    """Every file tars-ci generates for the specs: the scheduled workflow first, then the
    check workflow beside it. SpecError when a spec cannot drive a workflow."""
    from tars_ci.fleet import spec_paths

    paths, many = spec_paths([str(s) for s in specs])
    if many:
        return fleet_files([str(s) for s in specs], workflow_path, env)
    return single_files(paths[0], workflow_path or Path(DEFAULT_WORKFLOW), env)


def single_files(spec_path: Path, workflow_path: Path,
                 env: Mapping[str, str]) -> dict[Path, str]:
    """The scheduled workflow of one spec and its check workflow."""
    from tars_ci import __version__, workflow

    spec, text = load_for_workflow(spec_path, env)
    workflow.check_spec(spec, text, str(spec_path))
    relative = _relative(spec_path, repo_root(workflow_path))
    target = workflow.Target(spec, relative, workflow.spec_variables(text), __version__)
    return {
        workflow_path: workflow.stabilization_workflow(target),
        workflow_path.with_name(workflow.CHECK_FILE): workflow.check_workflow(target),
    }


def _relative(path: str | Path, root: Path) -> str:
    from tars_ci import workflow
    from tars_ci.errors import UsageError

    try:
        return workflow.relative_spec_path(str(path), str(root))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def fleet_files(specs: Sequence[str], workflow_path: Path | None,
                env: Mapping[str, str]) -> dict[Path, str]:
    """The fleet's matrix workflow and its check workflow (every spec must be usable)."""
    from tars_ci import __version__, workflow
    from tars_ci.errors import SpecError, SpecProblem
    from tars_ci.fleet import load_fleet
    from tars_ci.fleet import workflow as fleet_workflow

    loaded: dict[Path, tuple[Spec, str]] = {}

    def load(path: Path) -> Spec:
        loaded[path] = load_for_workflow(path, env)
        return loaded[path][0]

    fleet = load_fleet(specs, load)
    problems: list[SpecProblem] = []
    for m in fleet.members:
        if isinstance(m.problem, SpecError):
            problems += m.problem.problems
        elif m.problem is not None:
            raise m.problem
        else:  # say every spec's schedule problems at once, beside the others'
            spec, text = loaded[m.path]
            try:
                workflow.check_spec(spec, text, str(m.path))
            except SpecError as exc:
                problems += exc.problems
    if problems:
        raise SpecError(problems)
    provisional = workflow_path or Path(".github/workflows/stabilization.yml")
    root = repo_root(provisional)
    name = _relative(fleet.folder, root)
    path = workflow_path or Path(".github/workflows") / fleet_workflow.workflow_file(name)
    members = tuple(fleet_workflow.Member(
        workflow.Target(spec, _relative(m.path, root), workflow.spec_variables(text),
                        __version__), text)
        for m in fleet.members for spec, text in [loaded[m.path]])
    target = fleet_workflow.FleetTarget(members, tuple(_relative(s, root) for s in specs),
                                        name, _relative(path, root))
    fleet_workflow.check_fleet(members)
    return {path: fleet_workflow.fleet_workflow(target),
            path.with_name(fleet_workflow.check_file(name)):
                fleet_workflow.fleet_check_workflow(target)}
