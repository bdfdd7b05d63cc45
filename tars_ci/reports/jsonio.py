"""Deterministic, atomic JSON (and text) files.

Deterministic: sorted keys, floats rounded to a fixed number of significant digits, NaN and
±Inf refused (missing data is ``null`` plus a status, never a number), two-space indent,
trailing newline. Atomic: written to a temporary file in the same directory, fsynced, then
renamed over the target, so a killed run leaves either the old file or the new one.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tars_ci.errors import ReportError

SCHEMA_VERSION = 1
FLOAT_DIGITS = 6
# The temporary of write_bytes: "." + the target's name + "." + mkstemp's 8 random characters
_TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def normalise(value: Any) -> Any:
    """Plain JSON data with stable floats; tuples become lists, NamedTuples dicts."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"non-finite float {value!r} cannot be written to JSON")
        if value == 0:
            return 0.0
        rounded = float(f"{value:.{FLOAT_DIGITS}g}")
        return rounded
    if hasattr(value, "_asdict"):
        return normalise(value._asdict())
    if isinstance(value, Mapping):
        return {str(k): normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalise(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        return normalise(value.item())
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def dumps(data: Any) -> str:
    """The canonical text of ``data``."""
    return json.dumps(normalise(data), sort_keys=True, indent=2, ensure_ascii=False,
                      allow_nan=False) + "\n"


def write_text(path: Path, text: str) -> bool:
    """Atomically write ``text`` as UTF-8; False (file untouched) when already identical."""
    return write_bytes(path, text.encode("utf-8"))


def write_bytes(path: Path, data: bytes) -> bool:
    """Atomically write ``data``; returns False (and leaves the file alone) when unchanged."""
    try:
        if path.exists() and path.read_bytes() == data:
            return False
    except OSError as exc:
        raise ReportError(f"cannot read {path}: {exc.strerror or exc}") from exc
    write_parts(path, [data])
    return True


def write_parts(path: Path, parts: Iterable[bytes | str]) -> None:
    """Atomically write ``parts`` in turn (text as UTF-8): a temporary file beside ``path``,
    fsynced, then renamed over it, so a reader sees the old file or the whole new one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask()
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            os.fchmod(fd, mode)  # mkstemp makes 0600; keep the file's mode or the umask's
            with os.fdopen(fd, "wb") as fh:
                for part in parts:
                    fh.write(part.encode("utf-8") if isinstance(part, str) else part)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise ReportError(f"cannot write {path}: {exc.strerror or exc}") from exc


def remove_temporaries(root: Path) -> list[Path]:
    """Delete the temporaries that writes stopped by SIGKILL left under ``root`` (a kill skips
    :func:`write_bytes`' own clean-up); returns what was removed."""
    removed: list[Path] = []
    if not root.is_dir():
        return removed
    try:
        for path in sorted(root.rglob(".*.tmp")):
            if _TEMPORARY.match(path.name) and path.is_file() and not path.is_symlink():
                path.unlink(missing_ok=True)
                removed.append(path)
    except OSError as exc:
        raise ReportError(f"cannot remove temporary files under {root}: "
                          f"{exc.strerror or exc}") from exc
    return removed


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_json(path: Path, data: Mapping[str, Any]) -> bool:
    """Atomically write ``data`` (with ``schema_version``) as canonical JSON."""
    return write_text(path, dumps({"schema_version": SCHEMA_VERSION, **data}))


def read_json(path: Path) -> Any:
    """Read a JSON file written by tars-ci; ReportError names the file when it is unusable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as exc:
        raise ReportError(f"cannot read {path}: {exc}") from exc
