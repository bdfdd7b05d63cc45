"""``tars-ci rules``: the committed rules file, promtool on it, ``--check`` and ``--write``."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tars_ci.alerts.render import ANCHORS, render
from tars_ci.alerts.yamltext import rules_text
from tars_ci.cli import main
from tars_ci.reports.documents import release_block
from tars_ci.reports.store import HistoryStore
from tars_ci.spec import load_spec
from tars_ci.spec.model import Spec
from tests.alerts.helpers import (
    ROOT,
    RULES,
    SMALL_BASELINES,
    check_and_test,
    promtool,
    small_spec,
    write_rules,
)

SLUG = "checkout-api-v2-4-0"
CONFIG = ROOT / "config"
COMMITTED = (f"{SLUG}.rules.yml", f"{SLUG}.rules.test.yml", f"{SLUG}.rules.slo.test.yml")


def example() -> Spec:
    return load_spec(CONFIG / "tars.yaml", {})


def demo_baselines() -> dict[str, float | None]:
    ga = HistoryStore(ROOT / "reports", release_block(example())).load(anomalies=False).ga
    assert ga is not None
    return {name: entry.value for name, entry in ga.kpis.items()}


def rules_of(folder: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load((folder / RULES).read_text(encoding="utf-8"))
    rules: list[dict[str, Any]] = data["groups"][0]["rules"]
    return rules


def repo_copy(tmp_path: Path, reports: bool = True) -> Path:
    """A repository with the example spec, its committed rules and (optionally) the demo
    history."""
    (tmp_path / "config").mkdir()
    for name in ("tars.yaml", *COMMITTED):
        shutil.copy(CONFIG / name, tmp_path / "config" / name)
    if reports:
        shutil.copytree(ROOT / "reports", tmp_path / "reports")
    return tmp_path


# --------------------------------------------------------------------------- committed files


def test_committed_rules_agree_with_the_example_spec(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["rules", "--check"], env={}) == 0
    out = capsys.readouterr().out
    assert all(f"ok: config/{name} agrees with config/tars.yaml" in out for name in COMMITTED)


def test_committed_rules_pass_promtool_check_and_their_unit_tests() -> None:
    checked = promtool("check", "rules", COMMITTED[0], cwd=CONFIG)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert re.search(r"SUCCESS: \d+ rules found", checked.stdout)
    tested = promtool("test", "rules", *COMMITTED[1:], cwd=CONFIG)
    assert tested.returncode == 0, tested.stdout[-6000:] + tested.stderr[-6000:]
    assert tested.stdout.count("SUCCESS") == 2


# --------------------------------------------------------------------------- what is rendered


def test_ratio_kpis_and_threshold_slis_render_as_their_parts(tmp_path: Path) -> None:
    write_rules(example(), tmp_path, demo_baselines())
    records = {(r["record"], r["labels"].get("kpi") or r["labels"].get("slo")): r["expr"]
               for r in rules_of(tmp_path) if "record" in r}
    good = 'sum(rate(http_requests_total{job="checkout-api",code!~"5.."}[5m]))'
    total = 'sum(rate(http_requests_total{job="checkout-api"}[5m]))'
    assert records[("tars_ci:kpi:numerator", "availability")] == good
    assert records[("tars_ci:kpi:numerator", "error_rate")] == f"({total}) - ({good})"
    assert records[("tars_ci:kpi:value", "error_rate")] == (
        '100 * tars_ci:kpi:numerator{kpi="error_rate",release="checkout-api-v2-4-0"} / '
        '(tars_ci:kpi:denominator{kpi="error_rate",release="checkout-api-v2-4-0"} > 0)')
    assert records[("tars_ci:kpi:value_1d", "availability")].startswith(
        '100 * sum_over_time(tars_ci:kpi:numerator{kpi="availability",')
    assert records[("slo:sli_bad:rate", "availability")] == f"({total}) - ({good})"
    assert records[("slo:sli_bad:rate", "latency_p99")] == (
        'sum without (kpi) (tars_ci:kpi:value{kpi="p99_latency_ms",'
        'release="checkout-api-v2-4-0"} > bool 250)')
    assert records[("slo:sli_error:ratio_rate3d", "availability")].endswith(">= 2160)")
    assert records[("slo:error_budget:ratio", "availability")] == "vector(0.001)"


def test_burn_alerts_are_the_workbook_pairs_without_for(tmp_path: Path) -> None:
    write_rules(example(), tmp_path, demo_baselines())
    burns = [r for r in rules_of(tmp_path) if r.get("alert") == "TarsCiSloBurn"]
    assert len(burns) == 8 and all("for" not in r for r in burns)
    page = burns[0]
    assert page["expr"] == (
        'slo:sli_error:ratio_rate1h{release="checkout-api-v2-4-0",slo="availability"} / 0.001 '
        '> 14.4 and slo:sli_error:ratio_rate5m{release="checkout-api-v2-4-0",'
        'slo="availability"} / 0.001 > 14.4')
    assert page["labels"] == {"burn_alert": "page_fast", "long_window": "1h",
                              "short_window": "5m", "priority": "P0", "severity": "critical",
                              "release": SLUG, "slo": "availability", "tars_ci": "slo_burn"}


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors."""
    out = set()
    for line in markdown.splitlines():
        m = re.match(r"^#{1,6} (.*)$", line)
        if m:
            text = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower())
            out.add(text.replace(" ", "-"))
    return out


def test_every_alert_has_priority_severity_release_and_working_links(tmp_path: Path) -> None:
    write_rules(example(), tmp_path, demo_baselines())
    alerts = [r for r in rules_of(tmp_path) if "alert" in r]
    anchors = _anchors((ROOT / "README.md").read_text(encoding="utf-8"))
    assert set(ANCHORS.values()) <= anchors
    kinds = {r["alert"] for r in alerts}
    assert kinds == {"TarsCiBand", "TarsCiDrift", "TarsCiRollback", "TarsCiNoData",
                     "TarsCiSloBurn"}
    for r in alerts:
        labels, notes = r["labels"], r["annotations"]
        assert labels["priority"] in ("P0", "P1", "P2", "P3")
        assert labels["severity"] in ("low", "medium", "high", "critical")
        assert labels["release"] == SLUG and ("kpi" in labels or "slo" in labels)
        assert notes["runbook_url"] == f"README.md#{ANCHORS[r['alert']]}"
        assert notes["day_summary"].startswith(f"reports/{SLUG}/stability/day_{{{{ with query")
    bands = {(r["labels"]["kpi"], r["labels"]["band"]): r for r in alerts
             if r["alert"] == "TarsCiBand"}
    assert bands[("availability", "P0")]["expr"].endswith("< 99")
    assert bands[("error_rate", "P1")]["expr"].endswith("> 2")
    assert bands[("error_rate", "P1")]["for"] == "5m"
    no_data = {r["labels"].get("kpi") or r["labels"]["slo"] for r in alerts
               if r["alert"] == "TarsCiNoData"}
    assert no_data == {"availability", "error_rate", "p99_latency_ms", "latency_p99"}


def test_before_day_zero_the_drift_alerts_are_omitted_with_the_reason(tmp_path: Path) -> None:
    write_rules(example(), tmp_path, None)
    text = (tmp_path / RULES).read_text(encoding="utf-8")
    assert ("# Drift alerts are omitted: the GA baseline (day 0) is not recorded yet in\n"
            "# reports/checkout-api-v2-4-0/ga_kpis/ga_kpi_summary.json; run `tars-ci rules "
            "--write` once it is.") in text
    alerts = {r.get("alert") for r in rules_of(tmp_path)}
    assert "TarsCiDrift" not in alerts and "TarsCiRollback" not in alerts
    assert "tars_ci:kpi:value_1d" not in text
    check_and_test(tmp_path)


def test_a_kpi_without_a_baseline_value_gets_no_drift_alert(tmp_path: Path) -> None:
    baselines = {**demo_baselines(), "cpu_percent": None}
    write_rules(example(), tmp_path, baselines)
    drifted = {r["labels"]["kpi"] for r in rules_of(tmp_path) if r.get("alert") == "TarsCiDrift"}
    assert "cpu_percent" not in drifted and "memory_percent" in drifted


# --------------------------------------------------------------------------- the tests bite


@pytest.fixture(scope="module")
def small_rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small spec's rules and tests, generated once."""
    folder = tmp_path_factory.mktemp("small")
    write_rules(small_spec(), folder, SMALL_BASELINES)
    return folder


def test_the_small_spec_passes_promtool(small_rules: Path) -> None:
    check_and_test(small_rules)


def _mutated(small_rules: Path, tmp_path: Path, old: str, new: str) -> Path:
    for f in small_rules.iterdir():
        shutil.copy(f, tmp_path / f.name)
    path = tmp_path / RULES
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert promtool("check", "rules", RULES, cwd=tmp_path).returncode == 0
    return tmp_path


@pytest.mark.parametrize(("old", "new", "tests"), [
    # a band bound moved by 0.5 %
    ('release="svc-v1"} < 98\'\n', 'release="svc-v1"} < 97.5\'\n', "test"),
    # a burn-rate factor 10 % higher
    ("/ 0.005 > 10 and", "/ 0.005 > 11 and", "slo.test"),
    # a band alert that waits a minute less
    ("        for: 5m\n", "        for: 4m\n", "test"),
    # a burn window judged from fewer samples
    ("[29m59s999ms]) >= 15)", "[29m59s999ms]) >= 14)", "test"),
    # a burn window holding one sample more (Prometheus 2's [30m] over 1m evaluations)
    ("[29m59s999ms]) > 0))", "[30m]) > 0))", "test"),
    # the wrong priority
    ("          priority: P0\n", "          priority: P1\n", "test"),
    # a threshold SLI that counts a sample on the bound as bad
    ("> bool 300)", ">= bool 299)", "test"),
])
def test_a_wrong_rule_fails_its_unit_tests(small_rules: Path, tmp_path: Path, old: str,
                                           new: str, tests: str) -> None:
    folder = _mutated(small_rules, tmp_path, old, new)
    tested = promtool("test", "rules", f"svc.rules.{tests}.yml", cwd=folder)
    assert tested.returncode == 1 and "FAILED" in tested.stdout + tested.stderr


def test_closed_ranges_fail_the_incident_case(small_rules: Path, tmp_path: Path) -> None:
    """Ranges of a full window (Prometheus 2 then holds one sample more than the daily check
    sums) keep the alerts firing a step too long after a burst: the incident case says so."""
    for f in small_rules.iterdir():
        shutil.copy(f, tmp_path / f.name)
    path = tmp_path / RULES
    text, count = re.subn(r"\[(\w*?)59s999ms\]",
                          lambda m: "[" + {"59m": "1h", "5h59m": "6h", "4m": "5m",
                                           "29m": "30m", "23h59m": "1d"}[m[1]] + "]",
                          path.read_text(encoding="utf-8"))
    assert count > 0
    path.write_text(text, encoding="utf-8")
    assert promtool("check", "rules", RULES, cwd=tmp_path).returncode == 0
    tested = promtool("test", "rules", "svc.rules.test.yml", cwd=tmp_path)
    assert tested.returncode == 1
    assert "TarsCiSloBurn incident on availability" in tested.stdout + tested.stderr


def test_drift_rules_moved_one_percent_fail_their_unit_tests(small_rules: Path,
                                                             tmp_path: Path) -> None:
    text = (small_rules / RULES).read_text(encoding="utf-8")
    pattern = re.compile(r'(tars_ci:kpi:value_1d\{kpi="latency_ms"[^}]*\} >=? )([0-9.]+)')
    assert [m[1] for m in pattern.findall(text)] == ["198", "207", "234", "270", "270"]
    matches = list(pattern.finditer(text))
    for i in (0, 3, 4):  # the low and critical drift steps, the rollback drift
        old = matches[i].group(0)
        new = f"{matches[i].group(1)}{float(matches[i].group(2)) * 1.01:g}"
        (tmp_path / str(i)).mkdir()
        folder = _mutated(small_rules, tmp_path / str(i), old, new)
        tested = promtool("test", "rules", "svc.rules.test.yml", cwd=folder)
        assert tested.returncode == 1, old
        assert ("TarsCiDrift" if i < 4 else "TarsCiRollback") in tested.stdout + tested.stderr


# --------------------------------------------------------------------------- --check, --write


def test_changing_an_slo_objective_fails_the_check(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    repo = repo_copy(tmp_path)
    monkeypatch.chdir(repo)
    assert main(["rules", "--check"], env={}) == 0
    spec = repo / "config" / "tars.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace(
        "  availability:\n    objective: 99.9", "  availability:\n    objective: 99.5"),
        encoding="utf-8")
    capsys.readouterr()
    assert main(["rules", "--check"], env={}) == 1
    out = capsys.readouterr().out
    assert f"error: config/{SLUG}.rules.yml disagrees with config/tars.yaml:" in out
    assert re.search(r"^-.*ratio_rate1h\{[^}]*\} / 0\.001 > 14\.4", out, re.MULTILINE)
    assert re.search(r"^\+.*ratio_rate1h\{[^}]*\} / 0\.005 > 14\.4", out, re.MULTILINE)
    assert "run `tars-ci rules --write` to regenerate it, then commit it" in out
    assert main(["rules", "--write"], env={}) == 0
    assert main(["rules", "--check"], env={}) == 0


def test_a_baseline_recorded_since_fails_the_check_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo = repo_copy(tmp_path, reports=False)
    monkeypatch.chdir(repo)
    assert main(["rules", "--write"], env={}) == 0
    before = (repo / "config" / COMMITTED[0]).read_text(encoding="utf-8")
    assert "Drift alerts are omitted" in before
    shutil.copytree(ROOT / "reports", repo / "reports")
    capsys.readouterr()
    assert main(["rules", "--check"], env={}) == 1
    assert ("disagrees with config/tars.yaml (the GA baseline has been recorded since: the "
            "drift alerts are missing):") in capsys.readouterr().out


def test_write_is_deterministic_and_reports_unchanged_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo = repo_copy(tmp_path)
    monkeypatch.chdir(repo)
    for name in COMMITTED:
        (repo / "config" / name).unlink()
    assert main(["rules", "--check"], env={}) == 1
    assert f"error: config/{COMMITTED[0]} is missing" in capsys.readouterr().out
    assert main(["rules", "--write"], env={}) == 0
    assert capsys.readouterr().out.count("wrote: ") == 3
    assert main(["rules", "--write"], env={}) == 0
    assert capsys.readouterr().out.count("unchanged: ") == 3
    for name in COMMITTED:
        assert (repo / "config" / name).read_bytes() == (CONFIG / name).read_bytes()


def test_print_and_a_custom_file_and_labels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    repo = repo_copy(tmp_path)
    spec = repo / "config" / "tars.yaml"
    spec.write_text(spec.read_text(encoding="utf-8") + (
        "\nrules:\n  file: ../prometheus/checkout.yml\n  band_for: 2m\n"
        "  runbook_url: https://example.com/tars-ci/README.md\n"
        "  labels: {team: payments}\n"), encoding="utf-8")
    monkeypatch.chdir(repo)
    assert main(["rules", "--write"], env={}) == 0
    out = capsys.readouterr().out
    assert "wrote: config/../prometheus/checkout.yml" in out
    assert (repo / "prometheus" / "checkout.test.yml").is_file()
    assert main(["rules", "--print"], env={}) == 0
    printed = capsys.readouterr().out
    assert printed == (repo / "prometheus" / "checkout.yml").read_text(encoding="utf-8")
    data = yaml.safe_load(printed)["groups"][0]["rules"]
    band = next(r for r in data if r.get("alert") == "TarsCiBand")
    assert band["for"] == "2m" and band["labels"]["team"] == "payments"
    assert band["annotations"]["runbook_url"].startswith("https://example.com/tars-ci/README.md#")
    assert all(r["labels"]["team"] == "payments" for r in data)
    tested = promtool("test", "rules", "checkout.test.yml", cwd=repo / "prometheus")
    assert tested.returncode == 0, tested.stdout[-4000:] + tested.stderr[-4000:]


@pytest.mark.parametrize(("setting", "message"), [
    ("labels: {severity: x}", "rules.labels.severity: is set by tars-ci on every rule"),
    ("labels: {1bad: x}", "rules.labels.1bad: must be a Prometheus label name"),
    ("file: rules.json", "rules.file: must end in .yml or .yaml"),
    ("interval: 0s", "rules.interval: must be positive"),
])
def test_bad_rules_settings_are_spec_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str], setting: str,
                                            message: str) -> None:
    repo = repo_copy(tmp_path, reports=False)
    spec = repo / "config" / "tars.yaml"
    spec.write_text(spec.read_text(encoding="utf-8") + f"\nrules:\n  {setting}\n",
                    encoding="utf-8")
    monkeypatch.chdir(repo)
    assert main(["rules", "--check"], env={}) == 2
    assert message in capsys.readouterr().err


def test_a_history_of_another_release_is_exit_2(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    repo = repo_copy(tmp_path)
    spec = repo / "config" / "tars.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace(
        'ga_time: "2026-11-02T00:00:00Z"', 'ga_time: "2026-11-03T00:00:00Z"'), encoding="utf-8")
    monkeypatch.chdir(repo)
    assert main(["rules", "--check"], env={}) == 2
    assert "error:" in capsys.readouterr().err


def test_rules_text_reads_back_as_the_records() -> None:
    from tars_ci import alerts

    text = rules_text(render(alerts.target(example(), "tars.yaml", demo_baselines(),
                                           "reports")))
    assert text.startswith("# Generated by `tars-ci rules --write` from tars.yaml; do not edit")
    assert yaml.safe_load(text)["groups"][0]["interval"] == "1m"
