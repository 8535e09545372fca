"""Flow `checks`: the declaration, and how failed checks decide an execution's fate
(common/checks.py), with the real template engine."""

from __future__ import annotations

import pytest

from podium.common.checks import BLOCK, CREATE, FAIL, evaluate_checks
from podium.common.errors import FlowValidationError
from podium.common.flow.loader import parse_flow
from podium.common.templating import render_typed

HEAD = "id: f\nnamespace: n\ninputs:\n  - id: x\n    type: INT\n"
TASKS = "tasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"


def _checks(block: str):
    return parse_flow(HEAD + "checks:\n" + block + TASKS).flow.checks


def _render(template, context):
    return render_typed(template, dict(context))


def test_defaults_and_the_newer_when_spelling():
    (check,) = _checks("  - condition: \"{{ inputs.x > 1 }}\"\n    message: small\n")
    assert (check.style, check.behavior) == ("INFO", BLOCK)
    (when,) = _checks("  - when: \"{{ inputs.x > 1 }}\"\n")
    assert when.condition == "{{ inputs.x > 1 }}"


@pytest.mark.parametrize("block, expected", [
    ("  - message: m\n", "condition"),
    ("  - condition: \"{{ true }}\"\n    when: \"{{ true }}\"\n", "either `condition` or `when`"),
    ("  - condition: \"{{ true }}\"\n    behavior: STOP\n", "behavior"),
    ("  - condition: \"{{ true }}\"\n    style: LOUD\n", "style"),
    ("  - condition: \"\"\n", "condition"),
])
def test_bad_declarations_are_refused_naming_the_property(block, expected):
    with pytest.raises(FlowValidationError) as caught:
        _checks(block)
    assert expected in str(caught.value) and "checks" in str(caught.value)


def test_the_most_restrictive_behavior_of_the_failed_checks_wins():
    checks = _checks("  - condition: \"{{ inputs.x < 10 }}\"\n    message: big\n"
                     "    behavior: CREATE_EXECUTION\n"
                     "  - condition: \"{{ inputs.x < 20 }}\"\n    message: bigger\n"
                     "    behavior: FAIL_EXECUTION\n"
                     "  - condition: \"{{ inputs.x < 30 }}\"\n    message: huge\n")
    assert evaluate_checks(checks, {"x": 1}, _render).behavior == CREATE
    assert evaluate_checks(checks, {"x": 1}, _render).failed == []
    assert evaluate_checks(checks, {"x": 15}, _render).behavior == CREATE
    result = evaluate_checks(checks, {"x": 25}, _render)
    assert result.behavior == FAIL and result.messages() == "big, bigger"
    assert evaluate_checks(checks, {"x": 35}, _render).behavior == BLOCK


def test_only_boolean_true_passes_and_a_render_error_blocks():
    checks = _checks("  - condition: \"{{ 'yes' }}\"\n    behavior: CREATE_EXECUTION\n"
                     "  - condition: \"{{ inputs.missing.deeper }}\"\n"
                     "    behavior: CREATE_EXECUTION\n")
    result = evaluate_checks(checks, {"x": 1}, _render)
    assert [c.behavior for c in result.failed] == [CREATE, BLOCK]
    assert result.failed[1].message.startswith("Failed to evaluate check condition. Cause:")
    assert result.behavior == BLOCK
