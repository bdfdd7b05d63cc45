"""``python -m tars_ci.scenario``: build the bundled demo data, write OpenMetrics, serve.

    python -m tars_ci.scenario demo-replay --out tars_ci/demo/demo_replay.json.gz
        Rebuild the bundled demo replay: generate the demo scenario, backfill it into a
        throw-away Prometheus (promtool + prometheus from PATH), record the spec's queries.
        --analytical computes the same series in numpy instead (no Prometheus needed).
    python -m tars_ci.scenario openmetrics --scenario demo --out DIR
        Write the scenario as OpenMetrics files (one per 2-hour block) into DIR.
    python -m tars_ci.scenario serve --scenario demo
        Backfill the scenario and serve it on a free loopback port until Ctrl-C.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from tars_ci.scenario.catalog import SCENARIOS, scenario
from tars_ci.scenario.demo_data import build_demo_replay
from tars_ci.scenario.openmetrics import write_openmetrics


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m tars_ci.scenario",
                                     description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo-replay", help="rebuild the bundled demo replay file")
    demo.add_argument("--out", type=Path, default=Path("tars_ci/demo/demo_replay.json.gz"))
    demo.add_argument("--spec", type=Path, default=Path("config/tars.yaml"))
    demo.add_argument("--analytical", action="store_true",
                      help="compute the series in numpy instead of recording from Prometheus")
    om = sub.add_parser("openmetrics", help="write a scenario as OpenMetrics files")
    om.add_argument("--scenario", choices=sorted(SCENARIOS), default="demo")
    om.add_argument("--out", type=Path, required=True)
    serve = sub.add_parser("serve", help="serve a backfilled scenario until Ctrl-C")
    serve.add_argument("--scenario", choices=sorted(SCENARIOS), default="demo")
    args = parser.parse_args(argv)
    if args.command == "demo-replay":
        started = time.monotonic()
        summary = build_demo_replay(args.out, args.spec, analytical=args.analytical)
        print(f"wrote {args.out}: {summary} ({time.monotonic() - started:.1f}s)")
        return 0
    if args.command == "openmetrics":
        from tars_ci.scenario.samples import generate

        files = write_openmetrics(generate(scenario(args.scenario)), args.out)
        print(f"wrote {len(files)} OpenMetrics files to {args.out}")
        return 0
    return _serve(args.scenario)


def _serve(name: str) -> int:
    from tars_ci.scenario.samples import generate
    from tars_ci.scenario.tsdb import PrometheusServer, backfill

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    sc = scenario(name)
    with tempfile.TemporaryDirectory(prefix=f"tars-{name}-") as tmp:
        blocks = backfill(generate(sc), Path(tmp) / "tsdb")
        with PrometheusServer(blocks) as server:
            end = sc.origin + timedelta(days=sc.days)
            print(f"Prometheus serving scenario {name!r} ({sc.origin:%Y-%m-%dT%H:%MZ} → "
                  f"{end:%Y-%m-%dT%H:%MZ}) at {server.url}; Ctrl-C to stop", flush=True)
            print(f"  PROMETHEUS_URL={server.url} tars-ci run --spec config/tars.yaml "
                  f"--now {end + timedelta(hours=1):%Y-%m-%dT%H:%M:%SZ}", flush=True)
            try:
                while server.running():
                    time.sleep(0.5)
            except KeyboardInterrupt:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
