"""``tars-ci rules --check | --write | --print``: the spec's rules as a Prometheus rules file.

The file (``rules.file``, default ``<release-slug>.rules.yml`` beside the spec) and its
promtool unit tests (``<name>.test.yml`` and ``<name>.slo.test.yml`` beside it) are generated from the spec's compiled
rules and, for the drift alerts, the GA baseline recorded in the reports. ``--check`` exits 1
when a committed file differs from what the spec and the history generate now (a changed
objective, threshold or band, or a baseline recorded since) and shows how; ``--write``
regenerates both; ``--print`` prints the rules file. Neither needs the secrets the spec names.
A folder of specs (a fleet) or several ``--spec`` do this for each release in turn; the files
generated beside the specs are not taken for specs.
"""

from __future__ import annotations

import argparse
import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from tars_ci.cli import EXIT_FINDINGS, EXIT_OK
from tars_ci.cli.releases import add_specs_argument, for_each_release

if TYPE_CHECKING:
    from tars_ci.spec.model import Spec


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``rules``."""
    add_specs_argument(parser)
    parser.add_argument("--reports", metavar="DIR",
                        help="reports directory holding the GA baseline (default: the spec's "
                             "reports.dir)")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true",
                      help="exit 1 when the committed rules file or its tests disagree with "
                           "the spec and the recorded baseline")
    mode.add_argument("--write", action="store_true",
                      help="regenerate the rules file and its promtool tests")
    mode.add_argument("--print", action="store_true", help="print the rules file to stdout")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Check, write or print the rules of each release ``--spec`` names."""
    return for_each_release(args, env, run_one)


def run_one(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Check, write or print the rules generated from one spec (``args.spec``)."""
    files = generated_files(Path(args.spec), getattr(args, "reports", None), env)
    rules_file = next(iter(files))
    if args.print:
        print(files[rules_file], end="")
        return EXIT_OK
    if args.write:
        from tars_ci.reports.jsonio import write_text

        for path, text in files.items():
            print(f"{'wrote' if write_text(path, text) else 'unchanged'}: {path}")
        return EXIT_OK
    failed = False
    for path, text in files.items():
        if not path.is_file():
            print(f"error: {path} is missing: run `tars-ci rules --write`")
            failed = True
            continue
        committed = path.read_text(encoding="utf-8")
        if committed == text:
            print(f"ok: {path} agrees with {args.spec}")
            continue
        failed = True
        print(f"error: {path} disagrees with {args.spec}{_why(committed, text)}:")
        print("".join(difflib.unified_diff(
            committed.splitlines(keepends=True), text.splitlines(keepends=True),
            fromfile=f"{path} (committed)", tofile=f"{path} (from the spec)")), end="")
    if failed:
        print("run `tars-ci rules --write` to regenerate it, then commit it")
    return EXIT_FINDINGS if failed else EXIT_OK


def _why(committed: str, expected: str) -> str:
    omitted = "Drift alerts are omitted"
    if omitted in committed and omitted not in expected:
        return " (the GA baseline has been recorded since: the drift alerts are missing)"
    if omitted in expected and omitted not in committed:
        return " (its drift alerts name a GA baseline the reports no longer hold)"
    return ""


def _shown(path: Path) -> str:
    """``path`` as the generated files name it: relative to the working directory when it is
    inside it (the repository root in CI), POSIX."""
    rel = os.path.relpath(path.resolve(), Path.cwd().resolve())
    return (path.name if rel.startswith("..") else rel).replace(os.sep, "/")


def generated_files(spec_path: Path, reports: str | None,
                    env: Mapping[str, str]) -> dict[Path, str]:
    """The rules file then its promtool test files, generated from the spec and the recorded
    GA baseline."""
    from tars_ci import alerts
    from tars_ci.alerts.render import render
    from tars_ci.alerts.unittests import alert_tests, slo_tests
    from tars_ci.alerts.yamltext import rules_text, unit_tests_text
    from tars_ci.cli.workflow import load_for_workflow

    spec, _ = load_for_workflow(spec_path, env)
    reports_dir = Path(reports or spec.reports.dir)
    target = alerts.target(spec, _shown(spec_path), _baselines(spec, reports_dir),
                           _shown(reports_dir))
    rule_file = render(target)
    path = spec_path.parent / alerts.rules_path(spec)
    stem = path.name.removesuffix(".yml").removesuffix(".yaml")
    out = {path: rules_text(rule_file)}
    for suffix, build, what in ((".test.yml", alert_tests, "KPI alerts"),
                                (".slo.test.yml", slo_tests, "SLO burn-rate windows and alerts")):
        tests = path.with_name(stem + suffix)
        header = (f"{alerts.render.GENERATED} from {_shown(spec_path)}: promtool unit tests "
                  f"of the {what}",
                  f"in {path.name}, generated from the same rule records; the alerts expected "
                  f"to fire are",
                  "the ones the daily check's own evaluation finds on the same series.",
                  f"Run: promtool test rules {tests.name}")
        out[tests] = unit_tests_text(header, build(target, rule_file, path.name))
    return out


def _baselines(spec: Spec, reports_dir: Path) -> dict[str, float | None] | None:
    """The recorded GA value of each KPI (None: day 0 is not recorded)."""
    from tars_ci.reports.documents import release_block
    from tars_ci.reports.store import HistoryStore

    ga = HistoryStore(reports_dir, release_block(spec)).load(anomalies=False).ga
    if ga is None:
        return None
    return {k.name: (ga.kpis[k.name].value if k.name in ga.kpis else None) for k in spec.kpis}
