"""The shared condition evaluator (common/conditions): one meaning per condition type,
whatever trigger supplies the context. Pure: a context is a few plain functions."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from pydantic import TypeAdapter

from podium.common.conditions import (
    FLOW_TRIGGER_CONDITIONS,
    SCHEDULE_CONDITIONS,
    WEBHOOK_CONDITIONS,
    ConditionContext,
    ConditionError,
    UnsupportedCondition,
    holds,
)
from podium.common.models.execution import Execution
from podium.common.models.state import StateHistory
from podium.common.plugins.base import AnyCondition

CONDITIONS = TypeAdapter(AnyCondition)
C = "io.kestra.plugin.core.condition."
EVERY_KIND = SCHEDULE_CONDITIONS | FLOW_TRIGGER_CONDITIONS
SATURDAY = datetime(2025, 6, 7, 12, 0, tzinfo=timezone.utc)


def condition(kind: str, **props):
    return CONDITIONS.validate_python({"type": C + kind, **props})


def context(kinds=EVERY_KIND, rendered=None, moment=SATURDAY, execution=None, state=None):
    values = rendered or {}
    return ConditionContext("tests", kinds, lambda template: values.get(template, template),
                            lambda _date: moment, execution, state)


def execution(namespace="company.team", flow_id="f", labels=(), outputs=None) -> Execution:
    return Execution(namespace=namespace, flow_id=flow_id, flow_revision=1,
                     history=StateHistory.new(SATURDAY), labels=list(labels), outputs=outputs)


@pytest.mark.parametrize(("text", "expected"), [
    ("true", True), ("anything", True), ("False", True), ("false", False), ("0", False),
    ("", False), ("  false \n", False),  # trimmed before Kestra's truth rule
])
def test_expression_is_the_truth_of_its_rendered_text(text, expected):
    ctx = context(rendered={"{{ x }}": text})
    assert holds(condition("Expression", expression="{{ x }}"), ctx) is expected


def test_not_and_or_combine_any_other_condition():
    yes = {"type": C + "Expression", "expression": "true"}
    no = {"type": C + "Expression", "expression": "false"}
    assert holds(condition("Or", conditions=[no, yes]), context())
    assert not holds(condition("Or", conditions=[no, no]), context())
    assert not holds(condition("Not", conditions=[no, yes]), context())
    assert holds(condition("Not", conditions=[no]), context())


def test_date_conditions_judge_the_contexts_moment():
    assert holds(condition("Weekend"), context())
    assert not holds(condition("Weekend"), context(moment=SATURDAY.replace(day=9)))
    assert holds(condition("DayWeek", dayOfWeek="SATURDAY"), context())
    assert holds(condition("DateTimeBetween", after="2025-06-01T00:00:00Z"), context())
    assert not holds(condition("TimeBetween", before="11:00:00Z"), context())


def test_a_date_condition_without_a_moment_cannot_be_judged():
    ctx = ConditionContext("tests", EVERY_KIND, lambda text: text)
    with pytest.raises(ConditionError, match="no date"):
        holds(condition("Weekend"), ctx)


def test_execution_conditions_look_at_the_execution_and_its_state():
    source = execution(labels=[{"key": "team", "value": "data"}], outputs={"n": 1})
    ctx = context(execution=source, state="SUCCESS")
    assert holds(condition("ExecutionFlow", namespace="company.team", flowId="f"), ctx)
    assert holds(condition("ExecutionNamespace", namespace="company", prefix=True), ctx)
    assert not holds(condition("ExecutionNamespace", namespace="company"), ctx)
    assert holds(condition("ExecutionStatus", **{"in": ["SUCCESS"]}), ctx)
    assert not holds(condition("ExecutionStatus", notIn=["SUCCESS"]), ctx)
    assert holds(condition("ExecutionLabels", labels={"team": "data"}), ctx)
    assert not holds(condition("ExecutionLabels", labels={"team": "ops"}), ctx)
    assert holds(condition("ExecutionOutputs", expression="true"), ctx)
    assert not holds(condition("ExecutionOutputs", expression="true"),
                     context(execution=execution(), state="SUCCESS"))


def test_each_trigger_evaluates_only_its_kinds():
    weekend = condition("Weekend")
    with pytest.raises(UnsupportedCondition, match="by webhooks"):
        holds(weekend, ConditionContext("webhooks", WEBHOOK_CONDITIONS, str))
    flow = condition("ExecutionFlow", namespace="n", flowId="f")
    with pytest.raises(UnsupportedCondition):
        holds(flow, context(kinds=SCHEDULE_CONDITIONS))
    # inside Not / Or too: the kinds apply at every level
    with pytest.raises(UnsupportedCondition):
        holds(condition("Not", conditions=[{"type": C + "Weekend"}]),
              ConditionContext("webhooks", WEBHOOK_CONDITIONS, str))


def test_an_unsupported_condition_is_a_condition_error():
    assert issubclass(UnsupportedCondition, ConditionError)
