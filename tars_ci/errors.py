"""The one exception tree of tars-ci.

Every error the library raises on purpose derives from :class:`TarsError`. Each boundary
(YAML, httpx, PyGithub, git, the filesystem) translates its own errors exactly once, with
``raise ... from exc``, into one of these::

    TarsError
    ├── SpecError                 the spec cannot be used (exit 2); carries every problem
    ├── UsageError                bad command-line arguments (exit 2)
    ├── SourceError
    │   └── SourceUnavailable     the metrics source cannot be reached (exit 3)
    ├── ReplayFormatError         a replay file is corrupt (exit 2); names the file
    ├── ReportError               reports cannot be read or written (exit 4)
    ├── HistoryMismatch           the recorded history belongs to another release, GA time
    │                             or program length than the spec's (exit 2)
    ├── OpenSloError              an OpenSLO document is invalid or does not map to the spec
    │                             (exit 2); names the file, the document and the field
    └── PublishError              GitHub or git refused a write (exit 5)
        ├── GitError
        └── GitHubError

A query that Prometheus answers with an error is *not* an exception: it is a
:class:`tars_ci.sources.interface.QueryFailed` value, because one bad query must not stop the
other KPIs (see STYLE.md, "no data is a value").
"""

from __future__ import annotations

from dataclasses import dataclass


class TarsError(Exception):
    """Base class of every error tars-ci raises on purpose."""


@dataclass(frozen=True)
class SpecProblem:
    """One thing wrong with a spec: where (YAML path and line) and what."""

    path: str
    line: int | None
    message: str
    file: str = ""

    def __str__(self) -> str:
        where = self.file or "spec"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.path or '<root>'}: {self.message}"


class SpecError(TarsError):
    """The spec is invalid; ``problems`` lists every problem found, in file order."""

    def __init__(self, problems: list[SpecProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.path))
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(TarsError):
    """The command line asks for something that cannot be done."""


class SourceError(TarsError):
    """A metrics source failed as a whole (not one query)."""


class SourceUnavailable(SourceError):
    """The metrics source cannot be reached or keeps failing after retries."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"metrics source {url} is unavailable: {reason}")


class ReplayFormatError(TarsError):
    """A replay file is missing, corrupt or not in the documented format."""

    def __init__(self, file: str, reason: str) -> None:
        self.file = file
        self.reason = reason
        super().__init__(f"{file}: not a valid tars-ci replay file: {reason}")


class ReportError(TarsError):
    """The reports directory cannot be read or written."""


class HistoryMismatch(TarsError):
    """The recorded history and the spec disagree on the release (name, GA time, length)."""


class OpenSloError(TarsError):
    """OpenSLO documents that cannot be imported; ``problems`` lists every one, each naming
    the file, the document (index, kind, name) and the field."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class PublishError(TarsError):
    """A GitOps write (git push, GitHub API) failed."""


class GitError(PublishError):
    """A git command failed."""


class GitHubError(PublishError):
    """The GitHub API refused a request or kept failing after retries."""
