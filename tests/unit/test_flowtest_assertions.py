"""Assertions of `podium flow test` (podium/flowtest/assertions.py): operators, numbers
against their text, a value that cannot be evaluated, and the diff a failure shows."""

from __future__ import annotations

import pytest

from podium.flowtest.assertions import check
from podium.flowtest.spec import Assertion

CONTEXT = {
    "state": "SUCCESS",
    "outputs": {"count": {"value": "3"}, "rows": {"value": [1, 2, 3]}},
    "tasks": {"load": {"state": "WARNING", "outputs": {"n": 7}}},
    "logs": "first line\nsecond line",
}


def results(**given):
    return check(1, Assertion.model_validate(given), CONTEXT)


@pytest.mark.parametrize(("given", "passed"), [
    ({"value": "{{ state }}", "equalTo": "SUCCESS"}, True),
    ({"value": "{{ state }}", "notEqualTo": "SUCCESS"}, False),
    ({"value": "{{ outputs.count.value }}", "equalTo": 3}, True),  # "3" and 3
    ({"value": "{{ outputs.count.value }}", "greaterThan": 2.5}, True),
    ({"value": "{{ outputs.count.value }}", "lessThanOrEqualTo": 2}, False),
    ({"value": "{{ outputs.rows.value }}", "contains": 2}, True),
    ({"value": "{{ outputs.rows.value }}", "notContains": 4}, True),
    ({"value": "{{ logs }}", "contains": "second"}, True),
    ({"value": "{{ logs }}", "startsWith": "first", "endsWith": "line"}, True),
    ({"value": "{{ logs }}", "matches": "^second", "description": "search, not full"}, False),
    ({"value": "{{ state }}", "in": ["SUCCESS", "WARNING"]}, True),
    ({"value": "{{ state }}", "notIn": ["FAILED"]}, True),
    ({"value": "{{ outputs.missing ?? null }}", "isNull": True}, True),
    ({"value": "{{ task.outputs.n }}", "taskId": "load", "equalTo": 7}, True),
    ({"value": "{{ true }}", "equalTo": "true"}, True),
    ({"value": "{{ 1 }}", "equalTo": True}, False),
])
def test_operators(given, passed):
    assert all(r.passed == passed for r in results(**given))


def test_each_operator_of_an_assertion_is_one_result():
    found = results(value="{{ logs }}", startsWith="first", endsWith="nope")
    assert [(r.operator, r.passed) for r in found] == [("startsWith", True),
                                                       ("endsWith", False)]


def test_a_value_that_cannot_be_evaluated_fails_with_the_reason():
    [result] = results(value="{{ outputs.nope.value }}", equalTo=1)
    assert not result.passed
    assert "cannot evaluate the value" in result.explain()
    assert "nope" in result.explain()


def test_a_task_id_that_did_not_run_fails_naming_it():
    [result] = results(value="{{ task.state }}", taskId="ghost", equalTo="SUCCESS")
    assert not result.passed
    assert "task 'ghost' (taskId) did not run in this execution" in result.explain()


def test_ordering_what_has_no_order_says_so():
    [result] = results(value="{{ outputs.rows.value }}", greaterThan=1)
    assert not result.passed
    assert "cannot order [1, 2, 3] against 1" in result.explain()


def test_a_failure_explains_expected_and_actual_with_a_line_diff_for_long_values():
    [result] = results(value="{{ logs }}", equalTo="first line\nthird line",
                       errorMessage="the log names the lines")
    text = result.explain()
    assert text.splitlines()[0] == ("assertion 1: {{ logs }} equalTo  "
                                    "(the log names the lines)")
    assert '  expected: "first line\\nthird line"' in text
    assert '  actual:   "first line\\nsecond line"' in text
    assert "    - third line" in text and "    + second line" in text
    assert "      first line" in text


def test_an_assertion_without_operator_is_refused():
    with pytest.raises(ValueError, match="an assertion needs an operator: one of equalTo"):
        Assertion.model_validate({"value": "x"})
