"""Command line: where the real-world corpus stands, one line per flow, then a summary.

    python -m tests.realworld                 # validate and run everything
    python -m tests.realworld --only retries  # flows whose file contains "retries"
    python -m tests.realworld --no-run        # validation only
    python -m tests.realworld --skips         # what the flows not run here need
    python -m tests.realworld --sync          # rewrite manifest types/class from the files

Exit 0 whatever the results (the pytest module decides what is acceptable).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter

from tests.realworld.corpus import Entry, load_corpus, problems, sync_derived_fields
from tests.realworld.runner import (
    DEFAULT_TIMEOUT,
    DEFAULT_WORKERS,
    Outcome,
    elapsed,
    first_line,
    run_corpus,
    validate,
)


def validation_line(entry: Entry) -> str:
    """For a flow of core and Podium's families: whether it validates, as the manifest
    expects."""
    if not entry.validated:
        return f"not validated ({entry.klass})"
    try:
        validate(entry)
    except Exception as exc:
        if entry.invalid:
            return "refused, as Kestra does (docs error)"
        gap = f" [pending: {entry.pending_validation}]" if entry.pending_validation else ""
        return f"DOES NOT VALIDATE{gap}: {first_line(exc)}"
    if entry.invalid:
        return f"VALIDATES, but Kestra refuses it: {entry.invalid}"
    return ("validated, drop pending_validation" if entry.pending_validation
            else "validated")


def run_line(entry: Entry, outcomes: list[Outcome]) -> str:
    if entry.skip:
        return f"skipped ({entry.skip}): {entry.skip_why}"
    if not entry.runnable:
        return "not run"
    if outcomes and all(o.status == "skip" for o in outcomes):
        return f"skipped: {outcomes[0].detail}"
    failed = [o for o in outcomes if o.status == "fail"]
    states = ", ".join(o.run or "run" for o in outcomes)
    if entry.pending:
        if failed:
            return f"pending ({entry.pending}): {failed[0].label}: {failed[0].detail}"
        return f"PASSES although marked pending ({entry.pending}): drop the mark"
    if failed:
        return "FAILED " + "; ".join(f"{o.label}: {o.detail}" for o in failed)
    return f"ran as the page says ({states}: {expected_states(entry)})"


def expected_states(entry: Entry) -> str:
    found = []
    for expectation in entry.expectations():
        found.append("refused" if expectation.rejected is not None
                     else str(expectation.state or "?"))
    if entry.mode == "burst":
        found = [" ".join(entry.run.get("states") or [])]
    return ", ".join(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.realworld",
                                     description="Validate and run the real-world corpus.")
    parser.add_argument("--only", help="keep flows whose file name contains this text")
    parser.add_argument("--no-run", action="store_true", help="validate only")
    parser.add_argument("--sync", action="store_true",
                        help="rewrite the manifest's types and class from the flow files")
    parser.add_argument("--skips", action="store_true",
                        help="list the flows not run here, grouped by what they need")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help="seconds to wait for each execution")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help="flows run at the same time")
    args = parser.parse_args(argv)
    if args.sync:
        print(f"{sync_derived_fields()} manifest entries updated")
        return 0
    entries = load_corpus()
    if args.skips:
        print_skips(entries)
        return 0
    for problem in problems(entries):
        print(f"MANIFEST: {problem}")
    if args.only:
        entries = [entry for entry in entries if args.only in entry.file]
    started = time.monotonic()
    runs: dict[str, list[Outcome]] = {}
    if not args.no_run:
        runnable = [entry for entry in entries if entry.runnable]
        for outcomes in run_corpus(runnable, timeout=args.timeout, workers=args.workers):
            runs[outcomes[0].entry.file] = outcomes
    lines = Counter()
    for entry in entries:
        validation = validation_line(entry)
        outcome = run_line(entry, runs.get(entry.file, [])) if not args.no_run else ""
        print(f"{entry.file}: {validation}" + (f"; {outcome}" if outcome else ""), flush=True)
        lines[tally(entry, validation, outcome)] += 1
    print()
    print(f"{len(entries)} flows, {sum(1 for e in entries if e.klass == 'core')} core, "
          f"{sum(1 for e in entries if e.klass != 'core' and e.validated)} of Podium's "
          "plugin families, "
          f"{sum(1 for e in entries if e.runnable)} runnable ({elapsed(started)})")
    for key, count in sorted(lines.items()):
        print(f"  {count:4d}  {key}")
    return 0


def print_skips(entries: list[Entry]) -> None:
    """What the flows not run here need from outside the machine (the issue note's list)."""
    by_reason: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.skip:
            by_reason.setdefault(entry.skip, []).append(entry)
    for reason in sorted(by_reason):
        print(f"{reason} ({len(by_reason[reason])}):")
        for entry in by_reason[reason]:
            print(f"  {entry.file} [{entry.klass}]: {entry.skip_why}")


def tally(entry: Entry, validation: str, outcome: str) -> str:
    if entry.skip:
        return f"skipped: {entry.skip}"
    if entry.invalid:
        return "docs error (Kestra refuses the flow)"
    if not outcome:
        return "validated" if validation == "validated" else "does not validate"
    if outcome.startswith("skipped"):
        return "skipped: a program missing on this machine"
    if outcome.startswith("ran"):
        return "runs as its page says"
    if outcome.startswith("pending"):
        return "pending (an issue-12 gap)"
    if outcome.startswith("PASSES"):
        return "passes although marked pending"
    return "FAILED"


if __name__ == "__main__":
    sys.exit(main())
