"""``tars-ci init [DIR]``: scaffold the spec, the workflows and the reports directory.

Existing files are kept unless ``--force``; when the spec already exists, the workflows are
generated from it. ``--spec`` naming a folder (``config/releases/``, or one that exists)
sets up a fleet: the new spec goes into it as ``<release-slug>.yaml`` (with ``--release``, a
release is added to an existing fleet), and the fleet's matrix workflow and check workflow
are generated from every spec in it — rewritten when tars-ci generated them, since a new
release changes the matrix. The command ends with the repository settings GitHub needs and
that no file can set (printed, since only the user can change them).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from tars_ci.cli import DEFAULT_SPEC, EXIT_OK

if TYPE_CHECKING:
    from datetime import datetime

    from tars_ci.spec.model import Spec

# Lines of tars_ci/templates/tars.yaml that --release / --ga-time replace.
_NAME_LINE = "  name: checkout-api v2.4.0\n"
_GA_LINE = '  ga_time: "2026-11-02T00:00:00Z"'
_DAILY_LINE = '  daily_time: "00:47"   # UTC; after each day closes (00:00) plus the settle delay\n'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``init``."""
    parser.add_argument("dir", nargs="?", default=".", metavar="DIR",
                        help="repository root to scaffold into (default: .)")
    parser.add_argument("--spec", default=DEFAULT_SPEC, metavar="PATH",
                        help=f"where the spec goes, relative to DIR (default {DEFAULT_SPEC}); "
                             f"a folder (ending in /, or existing) sets up a fleet: the spec "
                             f"goes into it as <release-slug>.yaml")
    parser.add_argument("--release", metavar="NAME",
                        help="release name for the new spec, e.g. 'payments-api v3.1.0'")
    parser.add_argument("--ga-time", metavar="TIME",
                        help="GA timestamp for the new spec (ISO 8601, e.g. "
                             "2026-12-01T09:00:00Z); the daily run time follows from it")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")


def spec_template() -> str:
    """The spec ``init`` starts from (shipped in the package)."""
    from importlib import resources

    return resources.files("tars_ci.templates").joinpath("tars.yaml").read_text("utf-8")


def scaffold_spec(template: str, release: str | None, ga_time: datetime | None) -> str:
    """The template with the release name and GA time (and a daily time after it) set."""
    from tars_ci.timeline import iso
    from tars_ci.workflow import suggest_daily_time

    text = template
    if release is not None:
        text = text.replace(_NAME_LINE, f"  name: {json.dumps(release, ensure_ascii=False)}\n")
    if ga_time is not None:
        from datetime import timedelta

        text = text.replace(_GA_LINE, f'  ga_time: "{iso(ga_time)}"')
        daily = suggest_daily_time(ga_time, timedelta(minutes=30))  # the template's settle
        text = text.replace(_DAILY_LINE, f'  daily_time: "{daily:%H:%M}"   # UTC; after each '
                                         f'day closes ({ga_time:%H:%M}) plus the settle '
                                         f'delay\n')
    return text


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Write the files that are missing (or all, with --force) and print the checklist."""
    from tars_ci.cli.workflow import generated_files, load_for_workflow
    from tars_ci.errors import UsageError
    from tars_ci.reports.jsonio import write_text
    from tars_ci.workflow import STABILIZATION_FILE, spec_variables

    root = Path(args.dir)
    spec_path = root / args.spec
    if Path(args.spec).is_absolute() or ".." in Path(args.spec).parts:
        raise UsageError(f"--spec {args.spec}: must be a relative path inside DIR")
    ga_time = None
    if args.ga_time:
        from tars_ci.spec.loader import parse_timestamp

        try:
            ga_time = parse_timestamp(args.ga_time)
        except ValueError as exc:
            raise UsageError(f"--ga-time: {exc}") from None

    def put(path: Path, text: str, *, regenerate: bool = False) -> None:
        shown = path.relative_to(root).as_posix()
        if path.exists() and not args.force and not (regenerate and _generated(path)):
            print(f"kept:    {shown} (exists; --force overwrites it)")
            return
        changed = write_text(path, text)
        print(f"{'wrote' if changed else 'same':<8} {shown}")

    if args.spec.endswith("/") or spec_path.is_dir():
        return _init_fleet(args, env, root, spec_path, ga_time, put)
    if spec_path.exists() and not args.force and (args.release or args.ga_time):
        raise UsageError(f"{spec_path} exists: --release/--ga-time only apply to a new "
                         "spec (add --force to replace it)")
    put(spec_path, scaffold_spec(spec_template(), args.release, ga_time))
    workflow_path = root / ".github" / "workflows" / STABILIZATION_FILE
    files = generated_files([spec_path], workflow_path, env)
    for path, text in files.items():
        put(path, text)
    spec, spec_text = load_for_workflow(spec_path, env)
    put(root / spec.reports.dir / ".gitkeep", "")
    print()
    check = "tars-ci workflow --check" + (
        "" if args.spec == DEFAULT_SPEC else f" --spec {Path(args.spec).as_posix()}")
    print(checklist(spec, spec_variables(spec_text), check))
    return EXIT_OK


def _generated(path: Path) -> bool:
    from tars_ci.workflow import MARKER

    try:
        return path.read_text(encoding="utf-8").startswith(MARKER)
    except (OSError, UnicodeDecodeError):
        return False


def _init_fleet(args: argparse.Namespace, env: Mapping[str, str], root: Path, folder: Path,
                ga_time: datetime | None, put: Callable[..., None]) -> int:
    """``init`` for a fleet: a spec in the folder, then the fleet's workflows."""
    from tars_ci.cli.workflow import generated_files, load_for_workflow
    from tars_ci.errors import UsageError
    from tars_ci.fleet import spec_paths
    from tars_ci.fleet.workflow import workflow_file
    from tars_ci.spec.fields import slugify
    from tars_ci.workflow import spec_variables

    existing = [p for p in folder.glob("*") if p.suffix in (".yaml", ".yml")
                and not p.name.startswith(".")] if folder.is_dir() else []
    if args.release or not existing:
        text = scaffold_spec(spec_template(), args.release, ga_time)
        name = args.release or parse_release_name(text)
        new = folder / f"{slugify(name)}.yaml"
        if new.exists() and not args.force and (args.release or args.ga_time):
            raise UsageError(f"{new} exists: --release/--ga-time only apply to a new spec "
                             "(add --force to replace it)")
        put(new, text)
    elif args.ga_time:
        raise UsageError("--ga-time applies to a new spec: add --release to add a release "
                         "to the fleet")
    relative = folder.relative_to(root).as_posix()
    workflow_path = root / ".github" / "workflows" / workflow_file(relative)
    for path, text in generated_files([folder], workflow_path, env).items():
        put(path, text, regenerate=True)
    specs = [load_for_workflow(p, env) for p in spec_paths([str(folder)])[0]]
    for reports in sorted({spec.reports.dir for spec, _ in specs}):
        put(root / reports / ".gitkeep", "")
    names = tuple(sorted({v for _, text in specs for v in spec_variables(text)}))
    print()
    print(checklist(specs[0][0], names, f"tars-ci workflow --check --spec {relative}",
                    "the matrix workflow in step with the specs"))
    return EXIT_OK


def parse_release_name(text: str) -> str:
    """The ``release.name`` of a spec text (the template's, when it is not set)."""
    import yaml

    doc = yaml.safe_load(text)
    return str(doc["release"]["name"])


def checklist(spec: Spec, names: tuple[str, ...], check: str = "tars-ci workflow --check",
              keeps: str = "the workflow in step with the spec") -> str:
    """The repository settings the user must set by hand, as a numbered list; ``names``
    are the variables the spec(s) read, ``check`` the command CI runs to keep ``keeps``."""
    from tars_ci.workflow import ENVIRONMENT, TOKEN_SECRET

    return _CHECKLIST.format(
        branch=spec.github.base_branch, environment=ENVIRONMENT, token=TOKEN_SECRET,
        secrets=", ".join(names) if names else "none (the spec reads no ${VAR})",
        check=check, keeps=keeps)


_CHECKLIST = """\
Repository settings to make on GitHub (no file can make them):
  1. Settings > Actions > General > Workflow permissions: the workflows declare their own
     permissions, so the default "Read repository contents and packages permissions" can stay.
     Tick "Allow GitHub Actions to create and approve pull requests": the day-7 retrospective
     is a pull request (not needed when {token} is set, see 4).
  2. The job commits reports/ to `{branch}` (github.base_branch). If `{branch}` is protected
     (branch protection or a ruleset that requires pull requests or status checks), either
     give the token the job uses a bypass, or set github.base_branch to a data branch that
     is not protected (e.g. tars-ci-data).
  3. Settings > Environments > `{environment}` (created by the first run): add the secrets
     the spec reads: {secrets}; restrict the environment to the `{branch}` branch.
  4. Optional: a secret {token} holding a fine-grained PAT or GitHub App token with contents,
     issues and pull-requests write. Pushes and pull requests made with GITHUB_TOKEN do not
     trigger other workflows (such as your CI on the retrospective PR); with {token} they do.
  5. Schedules run from the default branch only: merge these files there. In a public
     repository GitHub disables schedules after 60 days without activity: re-enable the
     workflow in the Actions tab (the next run catches up on every missed day).
Then commit; CI runs `{check}` to keep {keeps}."""
