"""Command line: `python -m tests.faults [SCENARIO...] [--seed N] [--ci]`; one report line
per scenario, exit status 1 if any missed a target (2: servers missing on this machine)."""

from __future__ import annotations

import argparse
import os
import signal
import sys

from tests.faults.harness import Cluster, Options, run_scenario
from tests.faults.scenarios import SCENARIOS
from tests.faults.scenarios.registry import ScenarioSkipped
from tests.support.servers import ServerUnavailable

CI_EXECUTIONS = (8, 12)
CI_TIMEOUT = 45.0


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.faults",
                                     description="Fault-injection scenarios (issue 13).")
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                        help=f"default: all ({', '.join(SCENARIOS)})")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ci", action="store_true",
                        help="the CI subset with a small workload (unless scenarios are named)")
    parser.add_argument("--executions", type=int, nargs=2, metavar=("MIN", "MAX"),
                        help="seeded number of executions between MIN and MAX (default 20 40)")
    parser.add_argument("--timeout", type=float,
                        help="seconds after the last fault for every execution to end "
                        "(default 90, 45 with --ci)")
    parser.add_argument("--product-defaults", action="store_true",
                        help="no liveness tuning (60 s heartbeat timeout, 120 s visibility)")
    parser.add_argument("--keep", action="store_true", help="keep logs, sink and data")
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser.parse_args(argv)


def _terminated(signum, frame) -> None:
    raise SystemExit(128 + signum)  # unwinds like Ctrl-C: servers and processes cleaned up


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminated)
    args = parse(argv)
    unknown = [name for name in args.scenarios if name not in SCENARIOS]
    if unknown:
        print(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
        return 2
    names = args.scenarios or [n for n, s in SCENARIOS.items() if s.ci or not args.ci]
    options = Options(seed=args.seed, tuned=not args.product_defaults, keep=args.keep,
                      verbose=args.verbose,
                      timeout=args.timeout or (CI_TIMEOUT if args.ci else Options.timeout))
    if args.executions:
        options.executions = tuple(args.executions)
    elif args.ci:
        options.executions = CI_EXECUTIONS
    try:
        cluster = Cluster(options)
    except ServerUnavailable as exc:
        print(f"cannot run: {exc}")
        return 2
    failed = 0
    try:
        cluster.start()
        for name in names:
            try:
                report = run_scenario(SCENARIOS[name], cluster, options)
            except ScenarioSkipped as exc:  # never under CI, which can run every scenario
                ci = os.environ.get("CI") == "true"
                print(f"{name:<20} seed={args.seed} {'FAIL' if ci else 'SKIP'} {exc}", flush=True)
                failed += ci
                continue
            except Exception as exc:  # noqa: BLE001 - one broken scenario, the next still runs
                print(f"{name:<20} seed={args.seed} ERROR {type(exc).__name__}: {exc}", flush=True)
                failed += 1
                continue
            print(report.line(), flush=True)
            failed += not report.passed
    finally:
        cluster.close()
    print(f"{len(names) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
