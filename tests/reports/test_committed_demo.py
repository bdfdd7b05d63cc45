"""The committed reports/ tree is the demo's exact output: every renderer's expected bytes.

Regenerate after an intended change with `tars-ci demo` at the repository root, and read the
diff: it is the change users will see.
"""

from __future__ import annotations

from pathlib import Path

from tars_ci.cli import main

ROOT = Path(__file__).resolve().parents[2]
RELEASE = "checkout-api-v2-4-0"


def test_committed_demo_reports_match_a_fresh_demo_run(tmp_path: Path):
    assert main(["demo", "--out", str(tmp_path), "-q"]) == 0
    committed = ROOT / "reports" / RELEASE
    fresh = tmp_path / RELEASE
    names = sorted(p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(committed).as_posix()
                           for p in committed.rglob("*") if p.is_file())
    for name in names:
        assert (fresh / name).read_bytes() == (committed / name).read_bytes(), (
            f"reports/{RELEASE}/{name} differs from a fresh `tars-ci demo`: if the change is "
            "intended, run `tars-ci demo` at the repository root and commit the diff")
