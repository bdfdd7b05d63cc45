"""``tars-ci openslo import FILE… | export``: OpenSLO v1 documents in and out of the spec.

``import`` reads ``SLO``, ``SLI`` and ``DataSource`` documents (any number of files, each
one or more YAML documents) and prints the spec's ``slos`` (and the ``kpis`` a threshold SLI
needs) as YAML; with ``--spec FILE --write`` it adds them to that spec instead, its comments
kept, after checking the result with the spec loader. A document that does not map is exit 2
with every problem, each naming the file, the document and the field. ``export`` prints the
spec's SLOs as OpenSLO v1 documents (``--out FILE`` writes them).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from tars_ci.cli import DEFAULT_SPEC, EXIT_OK

if TYPE_CHECKING:
    from tars_ci.spec.model import Kpi


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``openslo``."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = sub.add_parser("import", help="OpenSLO v1 documents → the spec's slos",
                         description="Print the spec's slos (and kpis) for OpenSLO v1 "
                                     "documents, or add them to --spec with --write.")
    imp.add_argument("files", nargs="+", metavar="FILE", help="OpenSLO v1 YAML files")
    imp.add_argument("--spec", metavar="FILE",
                     help="the spec the SLOs are for: its source.step (time slices) and KPIs "
                          "(reused when a query matches); required with --write")
    imp.add_argument("--write", action="store_true",
                     help="add the SLOs (and KPIs) to --spec instead of printing them")
    exp = sub.add_parser("export", help="the spec's SLOs → OpenSLO v1 documents",
                         description="Print (or --out) the spec's SLOs as OpenSLO v1.")
    exp.add_argument("--spec", default=DEFAULT_SPEC, metavar="FILE",
                     help=f"spec file (default {DEFAULT_SPEC})")
    exp.add_argument("--out", metavar="FILE", help="write the documents here")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Import or export."""
    if args.action == "export":
        return _export(args, env)
    return _import(args, env)


def _export(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from tars_ci.cli.workflow import load_for_workflow
    from tars_ci.openslo.exporter import export_text

    spec, _ = load_for_workflow(Path(args.spec), env)
    text = export_text(spec, f"# OpenSLO v1 documents of the SLOs in {args.spec}, exported by "
                             f"`tars-ci openslo export`.\n")
    if args.out:
        from tars_ci.reports.jsonio import write_text

        changed = write_text(Path(args.out), text)
        print(f"{'wrote' if changed else 'unchanged'}: {args.out} ({len(spec.slos)} SLOs)")
    else:
        print(text, end="")
    return EXIT_OK


def _import(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    import yaml

    from tars_ci.errors import OpenSloError, UsageError
    from tars_ci.openslo.importer import import_slos, resolve
    from tars_ci.openslo.model import Document, parse_documents

    if args.write and not args.spec:
        raise UsageError("--write needs --spec FILE: the spec to add the SLOs to")
    documents: list[Document] = []
    problems: list[str] = []
    for name in args.files:
        try:
            text = Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            raise UsageError(f"{name}: cannot read: {reason}") from exc
        try:
            documents += parse_documents(text, name)
        except OpenSloError as exc:
            problems += exc.problems
    if problems:
        raise OpenSloError(problems)
    step, spec_text = timedelta(seconds=60), None
    kpis: tuple[Kpi, ...] = ()
    if args.spec:
        from tars_ci.cli.workflow import load_for_workflow

        spec, spec_text = load_for_workflow(Path(args.spec), env)
        step, kpis = spec.source.step, spec.kpis
    resolved, notes = resolve(documents)
    imported = import_slos(resolved, step=step, kpis=kpis)
    for note in [*notes, *imported.notes]:
        print(f"note: {note}", file=sys.stderr)
    sections = {"kpis": imported.kpis, "slos": imported.slos}
    if spec_text is not None:
        merged = _merged(args.spec, spec_text, sections, env)
        if args.write:
            from tars_ci.reports.jsonio import write_text

            write_text(Path(args.spec), merged)
            print(f"wrote: {args.spec} (+{len(imported.slos)} SLOs"
                  + (f", +{len(imported.kpis)} KPIs" if imported.kpis else "") + ")")
            return EXIT_OK
    header = ("# Imported by `tars-ci openslo import`: add these to the spec's top-level "
              "sections\n# (or run with --spec FILE --write).\n")
    body = yaml.safe_dump({k: v for k, v in sections.items() if v}, sort_keys=False,
                          allow_unicode=True, width=1 << 16, default_flow_style=False)
    print(header + body, end="")
    return EXIT_OK


def _merged(path: str, text: str, sections: Mapping[str, Mapping[str, object]],
            env: Mapping[str, str]) -> str:
    """The spec's text with the imported sections, checked by the spec loader."""
    from tars_ci.cli.workflow import parse_for_workflow
    from tars_ci.openslo.specfile import merge

    merged = merge(text, sections, path)
    parse_for_workflow(merged, env, path)
    return merged
