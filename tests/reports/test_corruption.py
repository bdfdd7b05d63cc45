"""Property: any single-field corruption of any recorded file is a ReportError (exit 4) that
names the file and the field — never a traceback, never a silently different history.

Corruptions (on the committed demo history, every file kind): a value replaced by one of
another JSON type, a record field deleted, an enum value no version wrote, a file truncated.
Free-form parts are out of scope: the settings a file records as it found them
(``provenance.thresholds``, the anomaly ``settings``) and the retrospective's rendered
sections, which nothing reads back.
"""

from __future__ import annotations

import functools
import json
import types
import typing
from pathlib import Path
from typing import Any, Literal, Union

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tars_ci.cli import main
from tars_ci.errors import ReportError
from tars_ci.reports import records
from tars_ci.reports.codec import is_record
from tars_ci.reports.store import HistoryStore

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "reports" / "checkout-api-v2-4-0"
RELEASE = records.ReleaseBlock("checkout-api v2.4.0", "checkout-api-v2-4-0",
                               "2026-11-02T00:00:00Z", 7)
KIND = {"ga_kpis": records.GaSummary, "stability": records.DaySummary,
        "health": records.HealthReport, "anomalies": records.AnomalyEvents,
        "regression": records.RegressionSummary, "output": records.Retrospective}
FILES = sorted(p.relative_to(DEMO).as_posix() for p in DEMO.rglob("*.json"))
FREE_FORM = ("provenance", "thresholds"), ("settings",)

Part = str | int


def _unwrap(tp: Any) -> list[Any]:
    if typing.get_origin(tp) in (Union, types.UnionType):
        return [a for a in typing.get_args(tp) if a is not type(None)]
    return [tp]


@functools.cache
def field_type(cls: type, name: str) -> Any:
    return typing.get_type_hints(cls)[name]


def type_at(root: Any, path: tuple[Part, ...]) -> Any:
    """The declared type of the value at ``path`` (None in free-form parts)."""
    tp = root
    for part in path:
        options = _unwrap(tp)
        tp = None
        for option in options:
            origin = typing.get_origin(option)
            if is_record(option) and isinstance(part, str):
                if option is records.Retrospective and part not in {
                        "release", "executive_summary", "final_recommendation", "action_items"}:
                    return None
                tp = field_type(option, part)
            elif origin is dict and isinstance(part, str):
                tp = typing.get_args(option)[1]
            elif origin is tuple and isinstance(part, int):
                args = typing.get_args(option)
                tp = args[0] if len(args) == 2 and args[1] is Ellipsis else args[part]
            if tp is not None:
                break
        if tp is None or tp is Any:
            return None
    return tp


def leaves(data: Any, path: tuple[Part, ...] = ()) -> list[tuple[Part, ...]]:
    """Every path in ``data`` (objects' members and lists' items), outside free-form parts."""
    if any(path[:len(f)] == f for f in FREE_FORM):
        return []
    out = [path] if path else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += leaves(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += leaves(v, (*path, i))
    return out


def jq(path: tuple[Part, ...]) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.replace("_", "a").isalnum() and not part[:1].isdigit():
            text += f".{part}"
        else:
            text += f"[{part!r}]"
    return text


def get(data: Any, path: tuple[Part, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def is_record_field(root: Any, path: tuple[Part, ...]) -> bool:
    """Whether the last part of ``path`` is a field of a record (not a map's entry)."""
    parent = type_at(root, path[:-1]) if len(path) > 1 else root
    return any(is_record(t) for t in _unwrap(parent)) and isinstance(path[-1], str)


def corruptions(name: str) -> st.SearchStrategy[tuple[str, tuple[Part, ...], str]]:
    return st.sampled_from(_options(name)).map(lambda o: (name, o[1], o[0]))


@functools.cache
def _options(name: str) -> list[tuple[str, tuple[Part, ...], str]]:
    """Every (corruption, path, description) that applies to file ``name``."""
    root = KIND[name.split("/")[0]]
    data = json.loads((DEMO / name).read_text())
    data.pop("schema_version")
    paths = [p for p in leaves(data) if type_at(root, p) is not None]
    options: list[tuple[str, tuple[Part, ...], str]] = []
    for p in paths:
        value = get(data, p)
        options.append(("object", p, "replace with an object"))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            options.append(("number-as-string", p, "a number as a string"))
        if isinstance(value, str):
            options.append(("string-as-number", p, "a string as a number"))
            if any(typing.get_origin(t) is Literal for t in _unwrap(type_at(root, p))):
                options.append(("enum", p, "an unknown enum value"))
        if isinstance(value, (list, dict)):
            options.append(("scalar", p, "a container as a number"))
        if is_record_field(root, p):
            options.append(("delete", p, "a field deleted"))
    return options


def apply(data: Any, path: tuple[Part, ...], how: str) -> None:
    parent = get(data, path[:-1])
    key = path[-1]
    value = parent[key]
    if how == "object":
        parent[key] = {"corrupt": True}
    elif how == "number-as-string":
        parent[key] = str(value)
    elif how == "string-as-number":
        parent[key] = 12345
    elif how == "enum":
        parent[key] = "not-a-known-value"
    elif how == "scalar":
        parent[key] = 7
    elif how == "delete":
        del parent[key]


@pytest.fixture(scope="module")
def pristine() -> dict[str, bytes]:
    return {name: (DEMO / name).read_bytes() for name in FILES}


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory, pristine: dict[str, bytes]) -> Path:
    """A copy of the demo history; each example corrupts one file and restores it."""
    root = tmp_path_factory.mktemp("history")
    for name, data in pristine.items():
        (root / RELEASE.slug / name).parent.mkdir(parents=True, exist_ok=True)
        (root / RELEASE.slug / name).write_bytes(data)
    (root / RELEASE.slug / "output" / "GA_7DAY_RETROSPECTIVE.md").write_text("# r\n")
    return root


def load_all(root: Path) -> None:
    store = HistoryStore(root, RELEASE)
    store.load()
    store.load_outputs()


def test_the_pristine_copy_loads(history: Path) -> None:
    load_all(history)


@settings(max_examples=500, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=st.sampled_from(FILES).flatmap(corruptions))
def test_any_single_field_corruption_names_the_file_and_the_field(
        case: tuple[str, tuple[Part, ...], str], history: Path,
        pristine: dict[str, bytes]) -> None:
    name, path, how = case
    doc = json.loads(pristine[name])
    apply(doc, path, how)
    target = history / RELEASE.slug / name
    target.write_text(json.dumps(doc))
    try:
        with pytest.raises(ReportError) as info:
            load_all(history)
    finally:
        target.write_bytes(pristine[name])
    message = str(info.value)
    assert message.startswith(f"{target}: "), message
    where = message[len(f"{target}: "):].split(":")[0]
    assert where.startswith(jq(path[:-1]) if how == "delete" else jq(path)), (message, path)


@pytest.mark.parametrize("name", FILES)
def test_a_truncated_file_names_the_file(name: str, tmp_path: Path,
                                         pristine: dict[str, bytes]) -> None:
    for other, data in pristine.items():
        (tmp_path / RELEASE.slug / other).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / RELEASE.slug / other).write_bytes(data)
    (tmp_path / RELEASE.slug / "output" / "GA_7DAY_RETROSPECTIVE.md").write_text("# r\n")
    target = tmp_path / RELEASE.slug / name
    for cut in (1, len(pristine[name]) // 3, len(pristine[name]) - 3):
        target.write_bytes(pristine[name][:cut])
        with pytest.raises(ReportError, match=f"^cannot read {target}: "):
            load_all(tmp_path)


def test_through_the_command_line_a_corrupt_file_is_exit_4_without_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil
    from importlib.resources import files

    demo = files("tars_ci.demo")
    for n in ("tars.yaml", "demo_replay.json.gz"):
        shutil.copyfile(str(demo / n), tmp_path / n)
    shutil.copytree(DEMO, tmp_path / "reports" / RELEASE.slug)
    day = tmp_path / "reports" / RELEASE.slug / "stability" / "day_05_summary.json"
    doc = json.loads(day.read_text())
    doc["rollback_recommendation"]["decision"] = "panic"
    day.write_text(json.dumps(doc))
    code = main(["run", "--spec", str(tmp_path / "tars.yaml"), "--reports",
                 str(tmp_path / "reports"), "--now", "2026-11-10T01:00:00Z", "-q"])
    out = capsys.readouterr()
    assert code == 4
    assert out.err == (
        f"error: {day}: .rollback_recommendation.decision: expected one of "
        "'immediate_rollback', 'rollback', 'monitor', got string 'panic'; `tars-ci run --force "
        "--day 5` rewrites it from the source without reading it\n")


def test_the_strategy_reaches_every_file_and_every_kind_of_corruption() -> None:
    kinds: set[str] = set()
    for name in FILES:
        data = json.loads((DEMO / name).read_text())
        data.pop("schema_version")
        root = KIND[name.split("/")[0]]
        assert [p for p in leaves(data) if type_at(root, p) is not None], name
        kinds |= {"delete"} if any(is_record_field(root, p) for p in leaves(data)) else set()
        kinds |= {"enum"} if any(
            any(typing.get_origin(t) is Literal for t in _unwrap(type_at(root, p)))
            for p in leaves(data) if type_at(root, p) is not None) else set()
    assert kinds == {"delete", "enum"}
