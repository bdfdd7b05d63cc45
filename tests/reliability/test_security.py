"""A job that holds a write token must not be turned against its repository.

- Strings from the spec and the reports (release name, KPI titles, finding titles and
  details, 100,000-character values) reach issue and pull-request bodies inert: no
  @-mention, HTML, link or autolink survives, and every body stays within 60,000 characters.
- Secrets (the GitHub token, the Prometheus bearer token) never reach stdout, stderr, the job
  summary, the reports, the git history or what is sent to GitHub.
- Names from the spec cannot make the tool write outside the repository, and neither can a
  symlink committed under reports/.
Unit-level escaping is in tests/github/test_bodies.py, the GitHub-token canary of
``tars-ci publish`` in tests/github/test_cli.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tars_ci.cli import main
from tars_ci.reports.markdown import ZWSP
from tests.github_emulator import GitHubEmulator
from tests.harness import PrometheusServer
from tests.harness.fixtures import demo_prometheus  # noqa: F401 - the session fixture
from tests.harness.git import git
from tests.reliability.conftest import (
    DEMO_DIR,
    EXAMPLE_SPEC,
    NOW,
    REPO,
    SLUG,
    demo_repository,
    emulator_for,
    make_repository,
    publish_env,
    tree,
)
from tests.reliability.proxy import MisbehavingProxy

EVIL = "@team <img src=x onerror=alert(1)> [x](http://evil.example/p) "
HUGE = "Z" * 100_000
BODY_LIMIT = 60_000


def inert(text: str, own: str) -> list[str]:
    """What in ``text`` GitHub would still act on; links to ``own`` (the repository's
    evidence links) are tars-ci's own."""
    problems = []
    if re.search(r"(?<![\w`])@team", text):
        problems.append("a live @-mention")
    if re.search(r"<img|<script", text, re.IGNORECASE):
        problems.append("raw HTML")
    links = re.findall(r"(?<!\\)\[[^\]\n]*(?<!\\)\]\(([^)\s]*)\)", text)  # not \[x\](…)
    foreign = [u for u in links if not u.startswith(own + "/")]
    if foreign:
        problems.append(f"live Markdown links to {foreign[:3]}")
    if "http://evil" in text:
        problems.append("an autolink")
    return problems


def test_the_detector_sees_every_live_construct() -> None:
    assert inert(EVIL, "https://github.com/o/r") == [
        "a live @-mention", "raw HTML", "live Markdown links to ['http://evil.example/p']",
        "an autolink"]
    assert inert("[r](https://github.com/o/r/blob/x) \\[x\\](http://e) @\u200bteam &lt;img",
                 "https://github.com/o/r") == []


def published_texts(gh: GitHubEmulator) -> list[tuple[str, str]]:
    """(where, text) of every title, body and comment tars-ci put on GitHub."""
    out = []
    for it in gh.issues(REPO, include_pulls=True):
        out.append((f"#{it['number']} title", it["title"]))
        out.append((f"#{it['number']} body", it["body"] or ""))
        out += [(f"#{it['number']} comment", c["body"]) for c in it["comments"]]
    return out


def check_published(gh: GitHubEmulator) -> list[tuple[str, str]]:
    texts = published_texts(gh)
    assert len(texts) >= 5  # an issue with a comment, and the retrospective PR
    for where, text in texts:
        if where.endswith("title"):  # plain text on GitHub: no mention, link or HTML
            assert len(text) <= 200 and text.isprintable(), where
        else:
            assert inert(text, gh.state.urls.html) == [], (where, text[:2000])
            assert len(text) <= BODY_LIMIT, where
    assert gh.schema_problems == []
    return texts


@pytest.mark.integration
def test_hostile_strings_from_the_spec_are_inert_and_bounded_on_github(tmp_path: Path) -> None:
    text = (DEMO_DIR / "tars.yaml").read_text("utf-8")
    text = text.replace("  name: checkout-api v2.4.0\n",
                        f'  name: "checkout-api v2.4.0 {EVIL}"\n', 1)
    text = text.replace("    title: p99 latency\n", f'    title: "p99 {EVIL}{HUGE}"\n', 1)
    bare, work = make_repository(tmp_path, text,
                                 {"demo_replay.json.gz": DEMO_DIR / "demo_replay.json.gz"})
    with emulator_for(bare) as gh:
        assert main(["run", "--spec", str(work / "config" / "tars.yaml"), "--now", NOW,
                     "--reports", str(work / "reports"), "--publish", "-q"],
                    publish_env(gh)) == 1
        texts = dict(check_published(gh))
        [p99] = [it["number"] for it in gh.issues(REPO) if "p99" in it["title"]]
    issue = texts[f"#{p99} body"]
    # the strings are there, defused, not dropped
    assert f"@{ZWSP}team" in issue and "&lt;img src=x onerror=alert(1)&gt;" in issue
    assert texts[f"#{p99} title"].startswith("[tars-ci] checkout-api v2.4.0 @")
    assert texts[f"#{p99} title"].endswith("…")  # 100,000 characters cut to the title limit
    assert issue.startswith("<!-- tars-ci:finding release=checkout-api-v2-4-0-team-img-src-x")


def test_hostile_findings_in_the_reports_are_inert_and_bounded_on_github(
        tmp_path: Path) -> None:
    """The reports are the publisher's input; a tampered report must not turn into a ping,
    a script or a body GitHub refuses."""
    bare, work = demo_repository(tmp_path)
    spec, reports = str(work / "config" / "tars.yaml"), str(work / "reports")
    assert main(["run", "--spec", spec, "--now", NOW, "--reports", reports, "-q"], {}) == 1
    day2 = work / "reports" / SLUG / "stability" / "day_02_summary.json"
    data: dict[str, Any] = json.loads(day2.read_text("utf-8"))
    [p1] = [f for f in data["findings"] if f["priority"] == "P1"]
    p1["title"], p1["detail"] = EVIL + HUGE, (EVIL + "\n") * 3000
    day2.write_text(json.dumps(data), "utf-8")
    retro = work / "reports" / SLUG / "output" / "GA_7DAY_RETROSPECTIVE.json"
    doc: dict[str, Any] = json.loads(retro.read_text("utf-8"))
    doc["executive_summary"] = (EVIL + "\n") * 5000
    retro.write_text(json.dumps(doc), "utf-8")
    with emulator_for(bare) as gh:
        assert main(["publish", "--spec", spec, "--reports", reports], publish_env(gh)) == 0
        texts = dict(check_published(gh))
        [p99] = [it["number"] for it in gh.issues(REPO) if "p99_latency_ms" in it["body"]]
        [retro] = [it["number"] for it in gh.issues(REPO, include_pulls=True) if it["pull"]]
    assert len(texts[f"#{p99} body"]) < 6000  # the detail is cut to 2,000 characters
    assert texts[f"#{retro} body"].startswith(
        "<!-- tars-ci:retro release=checkout-api-v2-4-0 -->")
    assert texts[f"#{retro} body"].endswith("_Truncated: see GA_7DAY_RETROSPECTIVE.md._")


# --------------------------------------------------------------------------- secrets

GITHUB_CANARY = "ghs_CANARYgithub0000000000000000000000001"
PROM_CANARY = "prom-CANARY-7f3a9c1e-never-print-me"


def bearer_spec(work: Path) -> None:
    text = EXAMPLE_SPEC.read_text("utf-8")
    assert "    type: none          # bearer: token: ${PROMETHEUS_TOKEN}\n" in text
    text = text.replace("    type: none          # bearer: token: ${PROMETHEUS_TOKEN}\n",
                        "    type: bearer\n    token: ${PROMETHEUS_TOKEN}\n")
    (work / "config" / "tars.yaml").write_text(text, "utf-8")


def leaks(tmp_path: Path, bare: Path, work: Path, gh: GitHubEmulator,
          *outputs: str) -> list[str]:
    """Every place a canary shows up."""
    found = []
    canaries = (GITHUB_CANARY, PROM_CANARY)
    for i, text in enumerate(outputs):
        found += [f"output {i}: {c}" for c in canaries if c in text]
    for path in tmp_path.rglob("*"):  # reports, runner files, the work tree and the remote
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            found += [f"{path}: {c}" for c in canaries if c.encode() in data]
    history = git(bare, "log", "--all", "-p", "--format=%H %s%n%b")
    found += [f"git history: {c}" for c in canaries if c in history]
    sent = json.dumps([(r.path, r.query, r.body) for r in gh.requests])
    found += [f"sent to GitHub: {c}" for c in canaries if c in sent]
    return found


@pytest.mark.integration
def test_canary_tokens_never_leave_the_process(
        tmp_path: Path, demo_prometheus: PrometheusServer) -> None:  # noqa: F811
    bare, work = make_repository(tmp_path / "repo", EXAMPLE_SPEC.read_text("utf-8"))
    bearer_spec(work)
    git(work, "commit", "-q", "-am", "bearer auth")
    git(work, "push", "-q", "origin", "HEAD:refs/heads/main")
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    with emulator_for(bare) as gh, MisbehavingProxy(demo_prometheus.url) as proxy:
        gh.state.tokens[GITHUB_CANARY] = "tars-ci-bot"
        env = {**os.environ, **publish_env(gh), "GITHUB_TOKEN": GITHUB_CANARY,
               "PROMETHEUS_URL": proxy.url, "PROMETHEUS_TOKEN": PROM_CANARY,
               "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary),
               "GITHUB_OUTPUT": str(output)}
        cmd = [sys.executable, "-m", "tars_ci", "run", "--spec",
               str(work / "config" / "tars.yaml"), "--now", NOW, "--reports",
               str(work / "reports"), "--publish"]
        done = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode == 1, done.stderr
        assert set(proxy.authorization) == {f"Bearer {PROM_CANARY}"}  # it was sent
        assert all(r.authenticated for r in gh.requests)
        assert summary.read_text("utf-8") and output.read_text("utf-8")
        assert leaks(tmp_path, bare, work, gh, done.stdout, done.stderr) == []


@pytest.mark.integration
def test_a_server_that_echoes_the_bearer_token_does_not_get_it_printed(
        tmp_path: Path, demo_prometheus: PrometheusServer,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    """Some gateways put the request headers in their error page."""
    text = EXAMPLE_SPEC.read_text("utf-8").replace(
        "    type: none          # bearer: token: ${PROMETHEUS_TOKEN}\n",
        "    type: bearer\n    token: ${PROMETHEUS_TOKEN}\n").replace(
        "  timeout: 30s\n", "  timeout: 30s\n  retries: 0\n")
    (tmp_path / "tars.yaml").write_text(text, "utf-8")
    with MisbehavingProxy(demo_prometheus.url) as proxy:
        proxy.mode = "echo-auth"
        code = main(["run", "--spec", str(tmp_path / "tars.yaml"), "--now", NOW, "--reports",
                     str(tmp_path / "reports")],
                    {"PROMETHEUS_URL": proxy.url, "PROMETHEUS_TOKEN": PROM_CANARY})
    err = capsys.readouterr().err
    assert code == 3
    assert f"error: metrics source {proxy.url} is unavailable: HTTP 502: " in err
    assert PROM_CANARY not in err


# --------------------------------------------------------------------------- paths

def spec_with(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


TRAVERSALS = [
    ("reports-dir-dotdot", "reports:\n  dir: reports\n", "reports:\n  dir: ../escaped\n",
     "reports.dir: must be a relative path inside the repository (no `..`)"),
    ("reports-dir-absolute", "reports:\n  dir: reports\n",
     "reports:\n  dir: {outside}/escaped\n",
     "reports.dir: must be a relative path inside the repository (no `..`)"),
    ("release-slug-dotdot", "  days: 7\n", "  days: 7\n  slug: ../../escaped\n",
     "release.slug: must match"),
]


@pytest.mark.parametrize(("name", "old", "new", "message"), TRAVERSALS,
                         ids=[t[0] for t in TRAVERSALS])
def test_names_from_the_spec_cannot_write_outside_the_repository(
        name: str, old: str, new: str, message: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    (repo / "config").mkdir(parents=True)
    outside.mkdir()
    for f in ("tars.yaml", "demo_replay.json.gz"):
        (repo / "config" / f).write_bytes((DEMO_DIR / f).read_bytes())
    spec = repo / "config" / "tars.yaml"
    spec.write_text(spec_with(spec.read_text("utf-8"), old,
                              new.replace("{outside}", str(outside))), "utf-8")
    before = tree(tmp_path)
    cwd = Path.cwd()
    os.chdir(repo)  # the spec's reports.dir is relative to the working directory
    try:
        code = main(["run", "--spec", "config/tars.yaml", "--now", NOW, "-q"], {})
    finally:
        os.chdir(cwd)
    err = capsys.readouterr().err
    written = {n for n in tree(tmp_path) if n not in before}
    assert code == 2  # refused before anything is written
    [line] = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert line.startswith("error: config/tars.yaml:") and message in line, line
    assert written == set()
    assert not (tmp_path / "escaped").exists() and tree(outside) == {}


def test_a_symlink_under_reports_cannot_redirect_writes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A symlink committed as reports/, the release directory or one of its folders,
    pointing outside, is refused before anything is written or removed."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / ".keep.abcdefgh.tmp").write_text("not ours", "utf-8")
    for link in ("", SLUG, f"{SLUG}/stability"):
        reports = tmp_path / (link.replace("/", "_") or "top") / "reports"
        (reports / link).parent.mkdir(parents=True, exist_ok=True)
        (reports / link).symlink_to(outside, target_is_directory=True)
        code = main(["run", "--spec", str(DEMO_DIR / "tars.yaml"), "--now", NOW,
                     "--reports", str(reports), "-q"], {})
        err = capsys.readouterr().err
        assert code == 4, err
        [line] = [ln for ln in err.splitlines() if ln.startswith("error:")]
        assert line == (f"error: refusing to write under {reports / link}: it is a symlink "
                        f"to {outside}; reports go to real directories only"), line
        assert tree(outside) == {".keep.abcdefgh.tmp": b"not ours"}
        assert [p.name for p in reports.parent.iterdir()] == ["reports"]
