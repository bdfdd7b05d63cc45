"""``tars-ci workflow --check | --write | --print``: the scheduled workflow from the spec.

``--check`` exits 1 when the committed workflow disagrees with the spec (its cron, its
manual-dispatch inputs, or — for a file tars-ci generated — any byte), and says how;
``--write`` regenerates it (and ``tars-ci-check.yml`` beside it, when that file is one
tars-ci generated). Neither needs the secrets the spec names: an unset ``${VAR}`` without
a default is filled with a placeholder, since no value it could hold changes the workflow.
"""

from __future__ import annotations

import argparse
import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from tars_ci.cli import EXIT_FINDINGS, EXIT_OK, add_spec_argument

if TYPE_CHECKING:
    from tars_ci.spec.model import Spec

DEFAULT_WORKFLOW = ".github/workflows/stabilization.yml"
PLACEHOLDER = "http://unset.invalid"
_MISSING_VAR = re.compile(r"^environment variable ([A-Za-z_][A-Za-z0-9_]*) is not set")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``workflow``."""
    add_spec_argument(parser)
    parser.add_argument("--workflow", default=DEFAULT_WORKFLOW, metavar="FILE",
                        help=f"the scheduled workflow file (default {DEFAULT_WORKFLOW}); the "
                             "repository root is the folder holding its .github/")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true",
                      help="exit 1 when the committed workflow disagrees with the spec")
    mode.add_argument("--write", action="store_true", help="regenerate the workflow file(s)")
    mode.add_argument("--print", action="store_true", help="print the workflow to stdout")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Check, write or print the workflow generated from ``--spec``."""
    from tars_ci import workflow

    workflow_path = Path(args.workflow)
    files = generated_files(Path(args.spec), workflow_path, env)
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
        problems = workflow.disagreements(committed, text)
        if not problems:
            found = workflow.facts(text)
            crons = () if isinstance(found, str) else found.crons
            detail = f" (cron {', '.join(crons)})" if crons else ""
            print(f"ok: {path} agrees with {args.spec}{detail}")
            continue
        failed = True
        print(f"error: {path} disagrees with {args.spec}:")
        for problem in problems:
            print(f"  - {problem}")
        if committed.startswith(workflow.MARKER):
            print("".join(difflib.unified_diff(
                committed.splitlines(keepends=True), text.splitlines(keepends=True),
                fromfile=f"{path} (committed)", tofile=f"{path} (from the spec)")), end="")
        print("run `tars-ci workflow --write` to regenerate it, then commit it")
    return EXIT_FINDINGS if failed else EXIT_OK


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


def generated_files(spec_path: Path, workflow_path: Path,
                    env: Mapping[str, str]) -> dict[Path, str]:
    """Every file tars-ci generates for the spec: the scheduled workflow first, then the
    check workflow beside it. SpecError when the spec cannot drive a workflow."""
    from tars_ci import __version__, workflow
    from tars_ci.errors import UsageError

    spec, text = load_for_workflow(spec_path, env)
    workflow.check_spec(spec, text, str(spec_path))
    try:
        relative = workflow.relative_spec_path(str(spec_path), str(repo_root(workflow_path)))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    target = workflow.Target(spec, relative, workflow.spec_variables(text), __version__)
    return {
        workflow_path: workflow.stabilization_workflow(target),
        workflow_path.with_name(workflow.CHECK_FILE): workflow.check_workflow(target),
    }
