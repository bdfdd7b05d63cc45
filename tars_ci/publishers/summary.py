"""The GitHub Actions publisher: the job summary, the annotations and the step outputs.

It runs before the others and without the lease (it writes only to the job's own files and
stdout), also when a run does not publish, so a failed push or GitHub outage still leaves the
job page telling the day's story. The words are :mod:`tars_ci.reports.actions`'.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from tars_ci.publishers.plan import Area, Step
from tars_ci.reports import actions
from tars_ci.reports.store import HistoryStore
from tars_ci.spec.model import Spec


class SummaryContext(NamedTuple):
    """What the Actions publisher reads: the run's days and the job's files."""

    spec: Spec
    store: HistoryStore
    processed: Sequence[int]
    complete: bool
    dry_run: bool  # publishing only printed its plan (the summary says so)
    summary_file: Path | None  # $GITHUB_STEP_SUMMARY
    output_file: Path | None  # $GITHUB_OUTPUT
    write: Callable[[str], None]  # where annotation lines go (stdout)


class ActionsSummary:
    """Append the job summary and the step outputs, print the annotations."""

    area: Area = "summary"
    target = "GitHub Actions"

    def _report(self, ctx: SummaryContext) -> actions.ActionsReport:
        return actions.build(ctx.spec, ctx.store, ctx.processed, complete=ctx.complete,
                             dry_run=ctx.dry_run)

    @staticmethod
    def _steps(ctx: SummaryContext, report: actions.ActionsReport) -> list[Step]:
        return [
            Step("summary", "annotations", "stdout", f"{len(report.annotations)} line(s)"),
            Step("summary", "job_summary", str(ctx.summary_file or "(GITHUB_STEP_SUMMARY unset)"),
                 f"{report.summary.count(chr(10)) + 1} line(s)",
                 "planned" if ctx.summary_file else "skipped"),
            Step("summary", "outputs", str(ctx.output_file or "(GITHUB_OUTPUT unset)"),
                 ", ".join(sorted(report.outputs)),
                 "planned" if ctx.output_file else "skipped")]

    def plan(self, ctx: SummaryContext) -> list[Step]:
        """What would be printed and appended."""
        return self._steps(ctx, self._report(ctx))

    def apply(self, ctx: SummaryContext) -> list[Step]:
        """Print the annotations, then append the summary and the outputs."""
        report = self._report(ctx)
        for line in report.annotations:
            ctx.write(line)
        actions.append_to_files(report, summary_file=ctx.summary_file,
                                output_file=ctx.output_file)
        return [s.with_status("done") if s.status == "planned" else s
                for s in self._steps(ctx, report)]
