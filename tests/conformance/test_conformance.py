"""The conformance corpus as a regression floor: the pass count may only go up.

Failures are printed, not asserted: they are the engine's to-do list. Raise the numbers in
baseline.json whenever more cases pass.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conformance.runner import Result, iter_results, summary

REPO = Path(__file__).resolve().parents[2]
BASELINE = json.loads((Path(__file__).with_name("baseline.json")).read_text())


def corpus_dir() -> Path | None:
    candidates = [Path(os.environ["PODIUM_SHARED_DIR"])] if os.environ.get("PODIUM_SHARED_DIR") \
        else []
    candidates += [REPO.parent / "shared", Path("/work/shared")]
    for shared in candidates:
        corpus = shared / "conformance" / "kestra"
        if (corpus / "manifest.jsonl").is_file():
            return corpus
    return None


CORPUS = corpus_dir()
needs_corpus = pytest.mark.skipif(CORPUS is None, reason="conformance corpus not found "
                                  "(set PODIUM_SHARED_DIR)")


def _report(results: list[Result]) -> dict[str, int]:
    counts = summary(results)
    for result in results:
        if result.status == "fail":
            print(result.line())
    print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    return counts


@needs_corpus
def test_embedded_conformance_floor() -> None:
    counts = _report(list(iter_results(CORPUS, mode="embedded")))
    assert counts["passed"] >= BASELINE["embedded"], (
        f"conformance regressed: {counts['passed']} cases pass, baseline is "
        f"{BASELINE['embedded']} (see the FAIL lines above)")


@needs_corpus
@pytest.mark.service
def test_distributed_conformance_floor() -> None:
    results = iter_results(CORPUS, mode="distributed")
    try:
        first = next(results, None)  # opens the runtime: servers may be missing locally
    except Exception as exc:
        pytest.skip(f"distributed runtime could not start: {exc}")
    counts = _report(([first] if first else []) + list(results))
    assert counts["passed"] >= BASELINE["distributed"]
