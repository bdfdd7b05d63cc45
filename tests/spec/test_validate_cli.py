"""``tars-ci validate``: one clear message (file, line, YAML path) per broken spec, exit 2."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tars_ci.cli import main
from tests.spec.texts import EXAMPLE, MINIMAL, REPO, edit

LOL = "[" + ", ".join(["lol"] * 9) + "]"


def _level(name: str, prev: str) -> str:
    return f"    - &{name} [" + ", ".join([f"*{prev}"] * 9) + "]\n"


# Nine-fold nesting nine levels deep: 9**9 ≈ 387 million strings once expanded. Lines 32-42;
# the budget runs out at the first alias of `&e` (github.labels[4], line 38).
BOMB = MINIMAL + "github:\n  labels:\n    - &a " + LOL + "\n" + "".join(
    _level(n, p) for p, n in zip("abcdefgh", "bcdefghi"))

# (id, spec text or bytes, env, expected "LINE: PATH: message" after the file name)
BROKEN: list[tuple[str, str | bytes, dict[str, str], str]] = [
    ("missing-required-field", edit("  name: checkout-api v2.4.0\n", ""), {},
     ":2: release: missing required key 'name'"),
    ("wrong-type", edit("days: 7", "days: seven"), {},
     ":5: release.days: must be an integer, got string 'seven'"),
    ("unknown-key-did-you-mean", edit("days: 7", "dayz: 7"), {},
     (":5: release.dayz: unknown key 'dayz' (did you mean 'days'?); allowed: name, ga_time, "
     "days, slug")),
    ("bad-timestamp", edit("2026-11-02T00", "2026-13-02T00"), {},
     (":4: release.ga_time: must be an ISO 8601 timestamp like 2026-11-01T00:00:00Z, got "
     "'2026-13-02T00:00:00Z'")),
    ("timestamp-without-timezone", edit("00:00:00Z", "00:00:00"), {},
     ":4: release.ga_time: needs a timezone (add Z for UTC), got '2026-11-02T00:00:00'"),
    ("missing-env-var", edit("${PROMETHEUS_URL:-http://127.0.0.1:9090}", "${PROMETHEUS_URL}"),
     {}, (":10: source.url: environment variable PROMETHEUS_URL is not set (use "
         "${PROMETHEUS_URL:-default} for a default)")),
    ("thresholds-out-of-order", edit("notable: 10", "notable: 20"), {},
     (":26: thresholds.drift: must increase: notable < medium < high < critical, got "
     "20.0 / 15.0 / 30.0 / 50.0")),
    ("invalid-yaml", edit("days: 7", "days: [7"), {},
     (":6: <root>: invalid YAML: expected ',' or ']', but got ':' (while parsing a flow "
     "sequence, line 5)")),
    ("duplicate-key", edit("days: 7\n", "days: 7\n  days: 8\n"), {},
     ":6: release.days: duplicate key 'days' (first on line 5)"),
    ("empty-file", "", {}, ": <root>: spec is empty"),
    ("comments-only", "# nothing yet\n", {}, ": <root>: spec is empty"),
    ("non-mapping-root", "- version: 1\n- release: {}\n", {},
     ":1: <root>: must be a mapping, got a list"),
    ("unknown-kpi-in-slo", edit("kpi: error_rate", "kpi: error_rat"), {},
     (":24: slos.latency.threshold.kpi: unknown KPI 'error_rat'; known: availability, "
     "error_rate")),
    ("bad-duration", edit("settle: 30m", "settle: 30x"), {},
     ":8: schedule.settle: must be a duration like 30s, 15m, 1h30m or 7d, got '30x'"),
    ("negative-weight", edit("weight: 3", "weight: -3"), {},
     ":16: kpis.availability.weight: must be ≥ 0, got -3"),
    ("bands-out-of-order", edit("P0: 99.0, P1: 99.5", "P0: 99.5, P1: 99.0"), {},
     (":29: priorities.bands.availability: bounds must go from most to least urgent (P0, P1, "
     "P2): increasing for a higher-is-better KPI")),
    ("reports-dir-escapes-dotdot", edit("dir: reports", "dir: ../x"), {},
     ":31: reports.dir: must be a relative path inside the repository (no `..`)"),
    ("reports-dir-escapes-absolute", edit("dir: reports", "dir: /abs"), {},
     ":31: reports.dir: must be a relative path inside the repository (no `..`)"),
    ("list-for-mapping", edit("drift: {notable: 10, medium: 15, high: 30, critical: 50}",
                              "drift: [10, 15, 30, 50]"), {},
     ":26: thresholds.drift: must be a mapping, got a list"),
    ("alias-bomb", BOMB, {},
     (":38: github.labels[4][0]: YAML aliases expand to more than 10000 nodes (an alias "
     "bomb?); a spec needs far fewer")),
    ("recursive-alias", MINIMAL + "github:\n  labels: &x [a, *x]\n", {},
     ":33: github.labels[1]: recursive YAML alias (an alias inside its own anchor)"),
    ("python-tag", edit("days: 7", "days: !!python/object/apply:os.system [true]"), {},
     ":5: release.days: unsupported YAML tag 'tag:yaml.org,2002:python/object/apply:os.system'"),
    ("non-utf8", MINIMAL.encode().replace(b"checkout-api v2", b"checkout-api \xff2"), {},
     ":3: <root>: spec is not UTF-8 text (invalid start byte: byte 0xff)"),
    ("secret-not-echoed", edit("url: ${PROMETHEUS_URL:-http://127.0.0.1:9090}\n",
                               "url: http://127.0.0.1:9090\n  auth: {type: bearer, "
                               "token: 1234567}\n"), {},
     (":11: source.auth.token: must be a string, got integer (quote it, or better: use ${VAR} "
     "from a secret)")),
]


def _write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "spec.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize(("content", "env", "expected"), [c[1:] for c in BROKEN],
                         ids=[c[0] for c in BROKEN])
def test_broken_spec_gets_one_located_message(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | bytes,
        env: dict[str, str], expected: str) -> None:
    path = _write(tmp_path, content)
    started = time.perf_counter()
    code = main(["validate", str(path)], env)
    elapsed = time.perf_counter() - started
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err == f"error: {path}{expected}\n"
    assert "Traceback" not in err
    assert elapsed < 2.0  # the bomb included: refused before anything expands it


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nope.yaml"
    assert main(["validate", str(path)], {}) == 2
    assert capsys.readouterr().err == (f"error: {path}: <root>: cannot read spec: "
                                       "No such file or directory\n")


def test_folder_without_specs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a folder is a fleet (every *.yaml/*.yml in it); one without any is a usage error
    (tmp_path / "notes.txt").write_text("not a spec", "utf-8")
    assert main(["validate", str(tmp_path)], {}) == 2
    assert capsys.readouterr().err == (f"error: {tmp_path} holds no spec (*.yaml or *.yml "
                                       f"files directly inside it)\n")


def test_oversized_file_is_refused_without_reading_it_all(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, MINIMAL + "# " + "x" * 300_000 + "\n")
    assert main(["validate", str(path)], {}) == 2
    assert capsys.readouterr().err == f"error: {path}: <root>: spec is larger than 262144 bytes\n"


def test_several_problems_are_all_reported_in_line_order(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit("weight: 3", "weight: -3", edit("days: 7", "days: seven"))
    path = _write(tmp_path, text)
    assert main(["validate", str(path)], {}) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: {path}:5: release.days: must be an integer, got string 'seven'",
        f"error: {path}:16: kpis.availability.weight: must be ≥ 0, got -3",
    ]


def test_env_default_is_used_when_unset_and_the_variable_when_set(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, edit("settle: 30m", "settle: ${SETTLE:-45m}"))
    assert main(["validate", str(path)], {}) == 0
    assert main(["validate", str(path)], {"SETTLE": "1h"}) == 0
    assert main(["validate", str(path)], {"SETTLE": "soon"}) == 2
    assert capsys.readouterr().err == (f"error: {path}:8: schedule.settle: must be a duration "
                                       "like 30s, 15m, 1h30m or 7d, got 'soon'\n")


def test_minimal_spec_is_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, MINIMAL)
    assert main(["validate", str(path)], {}) == 0
    out, err = capsys.readouterr()
    assert out == (f"ok: {path}: release 'checkout-api v2.4.0' (checkout-api-v2-4-0), 2 KPIs, "
                   "1 SLOs, days 0–7 from 2026-11-02T00:00:00Z\n")
    assert err == ""


def test_example_spec_is_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(EXAMPLE)], {}) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"ok: {EXAMPLE}: release ")
    assert err == ""


def test_subprocess_end_to_end_has_no_traceback(tmp_path: Path) -> None:
    path = _write(tmp_path, BOMB)
    bad = subprocess.run([sys.executable, "-m", "tars_ci", "validate", str(path)],
                         capture_output=True, text=True, timeout=60, cwd=REPO, check=False)
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.startswith(f"error: {path}:38: github.labels[4][0]: YAML aliases")
    assert "Traceback" not in bad.stderr
    good = subprocess.run([sys.executable, "-m", "tars_ci", "validate", "config/tars.yaml"],
                          capture_output=True, text=True, timeout=60, cwd=REPO, check=False)
    assert (good.returncode, good.stderr) == (0, "")
    assert good.stdout.startswith("ok: config/tars.yaml: release ")
