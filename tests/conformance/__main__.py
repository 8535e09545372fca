"""Command line: one line per case, then a summary. Exit 0 whatever the results (the
pytest wrapper decides what is acceptable); 2 when distributed mode is unavailable."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tests.conformance.runner import (
    DEFAULT_TIMEOUT,
    DEFAULT_WORKERS,
    DistributedUnavailable,
    iter_results,
    summary,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.conformance",
                                     description="Run the Kestra conformance corpus.")
    parser.add_argument("--corpus", required=True, type=Path,
                        help="directory holding manifest.jsonl and flows/")
    parser.add_argument("--mode", choices=("embedded", "distributed"), default="embedded")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--only", help="file name, file stem or flow id of the cases to run")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help="seconds to wait for each execution to end")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help="cases run at the same time")
    args = parser.parse_args(argv)
    if not (args.corpus / "manifest.jsonl").is_file():
        parser.error(f"{args.corpus} has no manifest.jsonl")
    results = []
    try:
        for result in iter_results(args.corpus, mode=args.mode, only=args.only,
                                   timeout=args.timeout, workers=args.workers):
            results.append(result)
            print(json.dumps(result.as_json()) if args.json else result.line(), flush=True)
    except DistributedUnavailable as exc:
        print(exc, flush=True)
        return 2
    counts = summary(results)
    if args.json:
        print(json.dumps(counts))
    else:
        print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
