"""Flows from Kestra's documentation and blueprint library, run unchanged (issues 12 and
16; see README.md here).

Every flow of `core` and Podium's plugin families must validate, and every runnable one
must end as its page describes. A flow that fails today because of a known gap carries
`pending` (or `pending_validation`) in the manifest and is a strict xfail: the fix that
closes the gap turns it into a failure that says to drop the mark.
"""

from __future__ import annotations

from typing import Any

import pytest

from podium.common.errors import FlowValidationError, YamlSyntaxError
from tests.realworld.corpus import Entry, load_corpus, problems
from tests.realworld.runner import Outcome, run_corpus, validate

ENTRIES = load_corpus()
VALIDATED = [entry for entry in ENTRIES if entry.validated]
RUNNABLE = [entry for entry in ENTRIES if entry.runnable]


def _param(entry: Entry, pending: str | None) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=f"known gap: {pending}")] if pending else []
    return pytest.param(entry, id=entry.name, marks=marks)


def test_manifest_agrees_with_the_flow_files() -> None:
    # Also: every flow not run here says why (`python -m tests.realworld --skips`).
    assert list(problems(ENTRIES)) == []


def test_the_corpus_is_the_size_the_issue_asks() -> None:
    # At least 150 flows from the docs; all but plugin flows count as core per the issue.
    assert len(ENTRIES) >= 150
    assert len(VALIDATED) >= 150


@pytest.mark.parametrize("entry", [_param(e, e.pending_validation) for e in VALIDATED])
def test_flow_validates(entry: Entry) -> None:
    # Core and Podium's families: a flow of an installed family validates for real.
    if entry.invalid:  # a docs error: Kestra refuses it, so must we
        with pytest.raises((FlowValidationError, YamlSyntaxError)):
            validate(entry)
        return
    loaded = validate(entry)
    assert (loaded.flow.namespace, loaded.flow.id) == entry.key


@pytest.fixture(scope="module")
def outcomes(request: pytest.FixtureRequest) -> dict[str, list[Outcome]]:
    """Every selected runnable flow, run once on one embedded runtime (concurrently)."""
    selected = {item.callspec.params["entry"].file for item in request.session.items
                if getattr(item, "originalname", "") == "test_flow_runs_as_its_page_says"
                and hasattr(item, "callspec")}
    entries = [entry for entry in RUNNABLE if entry.file in selected]
    return {runs[0].entry.file: runs for runs in run_corpus(entries)}


@pytest.mark.parametrize("entry", [_param(e, e.pending) for e in RUNNABLE])
def test_flow_runs_as_its_page_says(entry: Entry, outcomes: dict[str, list[Outcome]]) -> None:
    runs = outcomes[entry.file]
    if all(outcome.status == "skip" for outcome in runs):
        pytest.skip(runs[0].detail)
    failed = [f"{o.label}: {o.detail}" for o in runs if o.status != "pass"]
    assert not failed, "\n".join(failed)
