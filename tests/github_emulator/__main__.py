"""``python -m tests.github_emulator``: serve the emulator until interrupted.

Prints the API base URL (``http://127.0.0.1:PORT/api/v3``) as its first stdout line, so a
test can start it as a subprocess and read where to point ``--api-url``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from tests.github_emulator.server import GitHubEmulator


def main(argv: list[str] | None = None) -> int:
    """Run the emulator in the foreground."""
    parser = argparse.ArgumentParser(prog="python -m tests.github_emulator")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--prefix", default="/api/v3", help="API path prefix")
    parser.add_argument("--repo", action="append", default=[], metavar="OWNER/NAME",
                        help="repository to create (repeatable)")
    parser.add_argument("--git-dir", default=None, help="bare repository backing branch refs")
    parser.add_argument("--default-branch", default="main")
    args = parser.parse_args(argv)
    emulator = GitHubEmulator(port=args.port, prefix=args.prefix)
    for full_name in args.repo:
        emulator.add_repo(full_name, args.default_branch, args.git_dir)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    emulator.start()
    print(emulator.url, flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    emulator.stop()
    if emulator.schema_problems:
        for p in emulator.schema_problems:
            print(f"schema problem: {p.op_id} {p.where}: {p.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
