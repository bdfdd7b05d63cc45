"""A local GitHub REST emulator for tests and benchmarks.

Stateful (issues, comments, labels, pull requests and their review requests, git refs), served
over real HTTP on 127.0.0.1, with fault injection, and with every request and response body
validated against GitHub's own OpenAPI schemas (the project's copy in ``openapi/``)::

    from tests.github_emulator import GitHubEmulator, faults

    with GitHubEmulator() as gh:                       # port 0: a free port
        gh.add_repo("acme/shop", git_dir=str(tmp_path / "remote.git"))  # a bare repo
        gh.add_fault(faults.server_error_after("POST", r"/issues$"))
        Github(base_url=gh.url, ...)                   # PyGithub, through base_url
        assert gh.schema_problems == []

From another process: ``python -m tests.github_emulator --port 0 --repo acme/shop`` prints
the base URL on its first line, and ``GET <host>/_emulator/state`` dumps the state.
"""

from tests.github_emulator import faults
from tests.github_emulator.faults import Fault
from tests.github_emulator.repo import Reply
from tests.github_emulator.server import GitHubEmulator, Logged

__all__ = ["Fault", "GitHubEmulator", "Logged", "Reply", "faults"]
