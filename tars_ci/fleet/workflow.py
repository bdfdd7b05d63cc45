"""The fleet's scheduled workflow: an Actions matrix over the specs, then the fleet summary.

Releases are grouped by their cron (``schedule.daily_time``); each group is one matrix job
(sharded into several beyond :data:`MATRIX_LIMIT` entries, GitHub's limit per matrix) whose
entries are the release slug and its spec. A job runs only at its own cron (``if:`` on
``github.event.schedule``; every job runs on a manual dispatch, filtered by the ``release``
input), with ``fail-fast: false`` so one release never cancels another, at most
:data:`MAX_PARALLEL` at a time, and a per-release concurrency group. Each runs and publishes
its own release (its lease, its labels, its branch); pushes to the base branch are fetch +
rebase + retry. A last job, ``needs`` every matrix job and ``if: always()``, checks out the
base branch after those pushes and runs ``tars-ci fleet --publish``.

The hardening rules of :mod:`tars_ci.workflow` hold here too; the fleet must agree on what one
job installs and on the branch the summary reads (``github.install``,
``github.python_version``, ``github.base_branch``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from tars_ci.errors import SpecError, SpecProblem
from tars_ci.spec.document import line_at
from tars_ci.spec.fields import slugify
from tars_ci.workflow import (
    ENVIRONMENT,
    MARKER,
    TOKEN_SECRET,
    Target,
    check_spec,
    cron,
    day_options,
    fill,
    header,
    quoted,
    run_step,
    setup_steps,
    spec_variables,
)

MATRIX_LIMIT = 256  # GitHub: at most 256 jobs per matrix
MAX_PARALLEL = 8
SHARED = (("github.base_branch", "the summary job reads every history from one branch"),
          ("github.install", "every job installs the same tars-ci"),
          ("github.python_version", "every job installs the same tars-ci"))


class Member(NamedTuple):
    """A release of the fleet, as the workflow needs it."""

    target: Target  # the spec and its repository-relative path
    text: str  # the spec's text (its ``${VAR}`` names, the lines of errors)

    @property
    def slug(self) -> str:
        """The release slug (the matrix entry's ``release``)."""
        return self.target.spec.release.release_slug


class FleetTarget(NamedTuple):
    """What the fleet workflow is generated for."""

    members: tuple[Member, ...]
    specs: tuple[str, ...]  # the spec arguments (folder or files), repository-relative
    name: str  # the specs' folder, repository-relative: names the fleet and its issue
    workflow: str  # the workflow file, repository-relative

    @property
    def variables(self) -> tuple[str, ...]:
        """Every ``${VAR}`` any spec reads, sorted."""
        return tuple(sorted({v for m in self.members for v in spec_variables(m.text)}))


def workflow_file(name: str) -> str:
    """The fleet workflow's file name: ``stabilization-<last folder of name>.yml``."""
    last = name.rstrip("/").rsplit("/", 1)[-1]
    return f"stabilization-{slugify(last) if last not in ('', '.') else 'fleet'}.yml"


def check_file(name: str) -> str:
    """The fleet's check workflow file name."""
    return workflow_file(name).replace("stabilization-", "tars-ci-check-", 1)


def check_fleet(members: Sequence[Member]) -> None:
    """SpecError (every problem, with files and lines) when the specs cannot drive one
    fleet workflow: a schedule problem, or a setting the fleet must share that differs."""
    problems: list[SpecProblem] = []
    for m in members:
        try:
            check_spec(m.target.spec, m.text, m.target.spec_path)
        except SpecError as exc:
            problems += exc.problems
    first = members[0]
    for path, why in SHARED:
        want = _setting(first, path)
        for m in members[1:]:
            got = _setting(m, path)
            if got != want:
                problems.append(SpecProblem(path, line_at(m.text, path), (
                    f"is {got!r} here but {want!r} in {first.target.spec_path}: a fleet "
                    f"shares it ({why})"), m.target.spec_path))
    if problems:
        raise SpecError(problems)


def _setting(member: Member, path: str) -> str:
    gh = member.target.spec.github
    return {"github.base_branch": gh.base_branch, "github.install": member.target.requirement,
            "github.python_version": gh.python_version}[path]


def _groups(members: Sequence[Member]) -> list[tuple[str, list[Member]]]:
    """Members by cron, earliest time of day first."""
    by_cron: dict[str, list[Member]] = {}
    for m in members:
        by_cron.setdefault(cron(m.target.spec), []).append(m)
    return sorted(by_cron.items(), key=lambda kv: (int(kv[0].split()[1]), int(kv[0].split()[0])))


def _job_id(expr: str, shard: int, shards: int) -> str:
    minute, hour = (int(x) for x in expr.split()[:2])
    return f"release-{hour:02d}{minute:02d}" + (f"-{shard + 1}" if shards > 1 else "")


def _matrix(members: Sequence[Member]) -> str:
    return "".join(f"          - release: {quoted(m.slug)}\n"
                   f"            spec: {quoted(m.target.spec_path)}\n" for m in members)


def _header(target: FleetTarget) -> str:
    shown = ", ".join(target.specs)
    if len(shown) > 80:
        shown = f"{len(target.members)} specs under {target.name}"
    return header(shown)


STEP_IF = ("        if: ${{ github.event_name != 'workflow_dispatch' || inputs.release == 'all'"
           " || inputs.release == matrix.release }}\n")


def fleet_workflow(target: FleetTarget) -> str:
    """The fleet's scheduled workflow (call :func:`check_fleet` first)."""
    groups = _groups(target.members)
    first = target.members[0].target
    jobs, needs, crons = [], [], []
    for expr, members in groups:
        minute, hour = (int(x) for x in expr.split()[:2])
        crons.append(f"    - cron: {quoted(expr)}  # {hour:02d}:{minute:02d} UTC: "
                     f"{len(members)} release{'s' if len(members) > 1 else ''}\n")
        shards = [members[i:i + MATRIX_LIMIT] for i in range(0, len(members), MATRIX_LIMIT)]
        for i, shard in enumerate(shards):
            job = _job_id(expr, i, len(shards))
            needs.append(job)
            job_if = (f"    if: ${{{{ github.event_name != 'schedule' || github.event.schedule"
                      f" == {_sq(expr)} }}}}\n") if len(groups) > 1 else ""
            jobs.append(fill("fleet-job.yml.in", {
                "JOB": job,
                "JOB_IF": job_if,
                "ENVIRONMENT": ENVIRONMENT,
                "MAX_PARALLEL": str(min(MAX_PARALLEL, len(shard))),
                "MATRIX": _matrix(shard),
                "SETUP_STEPS": setup_steps(first, STEP_IF),
                "RUN_STEP": run_step("${{ matrix.spec }}", target.variables, STEP_IF),
            }) + "\n")
    days = max(m.target.spec.release.days for m in target.members)
    return fill("fleet.yml.in", {
        "HEADER": _header(target),
        "NAME": quoted(f"tars-ci stabilization ({target.name})"),
        "CRONS": "".join(crons),
        "DAYS": str(days),
        "OPTIONS": day_options(days),
        "RELEASE_JOBS": "".join(jobs),
        "NEEDS": ", ".join(needs),
        "SUMMARY_SETUP": setup_steps(first, ref=first.spec.github.base_branch),
        "SPECS": quoted("\n".join(target.specs)),
        "TOKEN_SECRET": TOKEN_SECRET,
        "ENVIRONMENT": ENVIRONMENT,
    })


def _sq(text: str) -> str:
    """A single-quoted string literal of the Actions expression language."""
    return "'" + text.replace("'", "''") + "'"


def fleet_check_workflow(target: FleetTarget) -> str:
    """The CI workflow that fails when the fleet workflow disagrees with the specs."""
    return fill("fleet-check.yml.in", {
        "HEADER": _header(target),
        "NAME": quoted(f"tars-ci check ({target.name})"),
        "SETUP_STEPS": setup_steps(target.members[0].target),
        "SPECS": quoted("\n".join(target.specs)),
        "WORKFLOW": quoted(target.workflow),
    })


__all__ = ["MARKER", "MATRIX_LIMIT", "MAX_PARALLEL", "FleetTarget", "Member", "check_file",
           "check_fleet", "fleet_check_workflow", "fleet_workflow", "workflow_file"]
