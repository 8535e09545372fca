"""Every invalid flow of the corpus is rejected fast, with a clear message at the right place."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from podium.common.errors import FlowValidationError, YamlSyntaxError
from podium.common.flow.loader import parse_flow

CORPUS = Path(__file__).parents[2] / "fixtures" / "invalid_flows"
CASES = sorted(CORPUS.glob("*.yaml"))
VALID_TASK = "tasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"


def _expectations(path: Path) -> tuple[str, str]:
    text = path.read_text()
    return (re.search(r"^# expect-path: ?(.*)$", text, re.M).group(1).strip(),
            re.search(r"^# expect-message: (.*)$", text, re.M).group(1).strip())


def _rejected(source: str | bytes, name: str = "flow.yaml") -> FlowValidationError:
    started = time.perf_counter()
    with pytest.raises(FlowValidationError) as caught:
        parse_flow(source, name=name)
    assert time.perf_counter() - started < 1.0, "rejection must be fast"
    return caught.value


def test_corpus_is_large_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_invalid_flow_is_rejected_with_location(case: Path):
    expected_path, expected_message = _expectations(case)
    error = _rejected(case.read_bytes(), name=case.name)
    matching = [p for p in error.problems if expected_message in p.message]
    assert matching, f"no problem says {expected_message!r}: {error.problems}"
    problem = matching[0]
    if expected_path:
        assert problem.path == expected_path
    if case.stem != "yaml-empty":
        assert problem.line is not None and problem.column is not None
    assert case.name in str(error), "the message names the file"
    assert "Traceback" not in str(error) and "pydantic" not in str(error).lower()


def test_problem_points_at_the_offending_line():
    source = "id: f\nnamespace: company.team\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n    bogus: 1\n"
    problem = _rejected(source).problems[0]
    assert (problem.line, problem.column, problem.path) == (7, 5, "tasks[0].bogus")


def test_duplicate_key_points_at_second_occurrence():
    error = _rejected("id: f\nnamespace: a\nid: g\n" + VALID_TASK)
    assert isinstance(error, YamlSyntaxError)
    assert (error.problems[0].line, error.problems[0].column) == (3, 1)


def test_billion_laughs_is_rejected_fast_and_small():
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i-1}"] * 9) + "]" for i in range(1, 10)]
    error = _rejected("\n".join(lines) + "\nid: f\nnamespace: a\n" + VALID_TASK)
    assert "alias" in error.problems[0].message
    assert error.problems[0].line is not None


def test_huge_document_is_rejected():
    huge = "id: f\nnamespace: a\n" + VALID_TASK + "description: " + "x" * (2 * 1024 * 1024) + "\n"
    error = _rejected(huge)
    assert "too large" in error.problems[0].message


def test_non_utf8_document_is_rejected_with_position():
    source = b"id: f\nnamespace: a\ndescription: caf\xe9\n" + VALID_TASK.encode()
    problem = _rejected(source).problems[0]
    assert "not valid UTF-8" in problem.message
    assert (problem.line, problem.column) == (3, 17)


def test_deeply_nested_document_is_rejected_fast():
    error = _rejected("id: f\nnamespace: a\nvariables:\n  x: " + "[" * 50_000 + "\n" + VALID_TASK)
    assert "nested too deeply" in error.problems[0].message


def test_every_problem_is_reported_not_just_the_first():
    source = ("id: f\nnamespace: a\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n"
              "  - id: b\n    type: io.kestra.plugin.core.log.Nope\n")
    messages = [p.message for p in _rejected(source).problems]
    assert any("missing required property 'message'" in m for m in messages)
    assert any("unknown task type" in m for m in messages)
