"""Run a workflow job's ``run:`` steps locally, the way a GitHub-hosted runner does.

Only what the tars-ci workflows use is modelled, and anything else fails loudly rather than
being approximated: ``uses:`` steps are skipped (the caller prepares their effect — the
checkout, Python), each ``run:`` step is written to a script and run as
``bash --noprofile --norc -eo pipefail SCRIPT`` in ``GITHUB_WORKSPACE`` with the
``GITHUB_*`` / ``RUNNER_*`` variables Actions sets, a fresh ``GITHUB_OUTPUT`` and
``GITHUB_STEP_SUMMARY`` file per step (read back afterwards, heredoc outputs included), and
``${{ }}`` expressions in ``env:`` and job ``outputs:`` evaluated over the ``inputs``,
``secrets``, ``github``, ``vars``, ``matrix`` (one entry of the job's matrix) and ``steps``
contexts (property paths and ``||`` only). A step's ``if:`` may be ``always()`` or an ``||`` of
``==`` / ``!=`` comparisons of paths and single-quoted strings (a false one skips the step).
A failing step stops the job, as it does on GitHub.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import yaml

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*$")


class StepRun(NamedTuple):
    """One step as it ran (``returncode`` None: a ``uses:`` step, skipped)."""

    name: str
    returncode: int | None
    stdout: str
    stderr: str
    env: dict[str, str]
    outputs: dict[str, str]


class JobRun(NamedTuple):
    """A job as it ran."""

    steps: list[StepRun]
    summary: str                 # every step's summary, in order
    outputs: dict[str, str]      # the job's outputs
    succeeded: bool

    def step(self, name: str) -> StepRun:
        """The step called ``name``."""
        return next(s for s in self.steps if s.name == name)


def evaluate(text: str, contexts: Mapping[str, Any]) -> str:
    """``text`` with each ``${{ a.b || c.d }}`` replaced; unsupported syntax raises."""

    def operand(expr: str) -> Any:
        if not _PATH.match(expr):
            raise ValueError(f"expression not supported by this runner: {expr!r}")
        value: Any = contexts
        for part in expr.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        return value

    def one(match: re.Match[str]) -> str:
        value: Any = None
        for expr in match.group(1).split("||"):
            value = operand(expr.strip())
            if value not in (None, "", False, 0):
                break
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    return _EXPR.sub(one, text)


_COMPARE = re.compile(r"^(\S+)\s*(==|!=)\s*(\S+)$")


def condition(text: str, contexts: Mapping[str, Any]) -> bool:
    """A step's ``if:`` (see the module docstring); unsupported syntax raises."""
    expr = text.strip()
    m = _EXPR.fullmatch(expr)
    expr = m.group(1).strip() if m else expr
    if expr == "always()":
        return True

    def value(operand: str) -> str:
        if operand.startswith("'") and operand.endswith("'"):
            return operand[1:-1].replace("''", "'")
        return evaluate("${{ " + operand + " }}", contexts)

    out = False
    for term in expr.split("||"):
        found = _COMPARE.match(term.strip())
        if found is None:
            raise ValueError(f"condition not supported by this runner: {term.strip()!r}")
        left, op, right = found.groups()
        same = value(left) == value(right)
        out = out or (same if op == "==" else not same)
    return out


def parse_output_file(text: str) -> dict[str, str]:
    """A ``GITHUB_OUTPUT`` file as the runner reads it: ``k=v`` and ``k<<DELIM`` blocks."""
    out: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body: list[str] = []
            while i < len(lines) and lines[i] != delimiter:
                body.append(lines[i])
                i += 1
            if i == len(lines):
                raise ValueError(f"output {name!r}: delimiter {delimiter!r} never closes")
            i += 1
            out[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
        else:
            raise ValueError(f"invalid GITHUB_OUTPUT line {line!r}")
    return out


def run_job(workflow: str, job: str, *, workspace: Path, runner_temp: Path,
            event_name: str, inputs: Mapping[str, Any], secrets: Mapping[str, str],
            github: Mapping[str, str], base_env: Mapping[str, str],
            timeout: float = 300, matrix: Mapping[str, str] | None = None,
            event: Mapping[str, Any] | None = None) -> JobRun:
    """Run ``job`` of ``workflow`` (YAML text); see the module docstring."""
    doc = yaml.safe_load(workflow)
    spec = doc["jobs"][job]
    shell = (spec.get("defaults") or doc.get("defaults") or {}).get("run", {}).get("shell")
    if shell not in (None, "bash"):
        raise ValueError(f"shell {shell!r} not supported by this runner")
    steps_ctx: dict[str, dict[str, dict[str, str]]] = {}
    contexts: dict[str, Any] = {"inputs": dict(inputs), "secrets": dict(secrets),
                                "github": {**github, "event_name": event_name,
                                           "event": dict(event or {})},
                                "vars": {}, "steps": steps_ctx, "matrix": dict(matrix or {})}
    runner_temp.mkdir(parents=True, exist_ok=True)
    actions_env = {
        "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event_name,
        "GITHUB_WORKSPACE": str(workspace), "GITHUB_JOB": job,
        "GITHUB_WORKFLOW": str(doc.get("name", "")), "RUNNER_OS": "Linux",
        "RUNNER_TEMP": str(runner_temp), "HOME": os.environ.get("HOME", str(runner_temp)),
        **{f"GITHUB_{k.upper()}": v for k, v in github.items() if k != "token"},
    }
    runs: list[StepRun] = []
    summaries: list[str] = []
    ok = True
    for index, step in enumerate(spec["steps"]):
        name = str(step.get("name", f"step {index}"))
        if "if" in step and not condition(str(step["if"]), contexts):
            runs.append(StepRun(name, None, "", "", {}, {}))
            continue
        if "uses" in step:
            runs.append(StepRun(name, None, "", "", {}, {}))
            continue
        env_blocks = [doc.get("env") or {}, spec.get("env") or {}, step.get("env") or {}]
        step_env = {str(k): evaluate(str(v), contexts) for block in env_blocks
                    for k, v in block.items()}
        output_file = runner_temp / f"set_output_{uuid.uuid4().hex}"
        summary_file = runner_temp / f"step_summary_{uuid.uuid4().hex}"
        output_file.touch()
        summary_file.touch()
        script = runner_temp / f"{uuid.uuid4().hex}.sh"
        script.write_text(step["run"], "utf-8")
        env = {**base_env, **actions_env, **step_env, "GITHUB_OUTPUT": str(output_file),
               "GITHUB_STEP_SUMMARY": str(summary_file)}
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=workspace, env=env, capture_output=True, text=True,
                              timeout=timeout, check=False)
        outputs = parse_output_file(output_file.read_text("utf-8"))
        if "id" in step:
            steps_ctx[str(step["id"])] = {"outputs": outputs}
        summaries.append(summary_file.read_text("utf-8"))
        runs.append(StepRun(name, done.returncode, done.stdout, done.stderr, step_env, outputs))
        if done.returncode != 0:
            ok = False
            break
    job_outputs = {str(k): evaluate(str(v), contexts)
                   for k, v in (spec.get("outputs") or {}).items()}
    return JobRun(runs, "".join(summaries), job_outputs, ok)
