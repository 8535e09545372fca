"""Flow trigger conditions as plain functions (executor/flow_triggers/conditions.py)."""

from __future__ import annotations

import pytest

from common.models.execution import Execution
from common.models.state import State, StateHistory
from common.plugins.base import Trigger
from common.store.types import utcnow
from executor.flow_triggers.conditions import UnsupportedCondition, fires
from pydantic import TypeAdapter
from common.plugins.base import AnyTrigger

TRIGGERS = TypeAdapter(AnyTrigger)
LISTENER = ("company.listen", "listener")


def trigger(**props) -> Trigger:
    return TRIGGERS.validate_python({"id": "t", "type": "io.kestra.plugin.core.trigger.Flow",
                                     **props})


def source(namespace="company.team", flow_id="upstream", labels=None, outputs=None):
    return Execution(namespace=namespace, flow_id=flow_id, flow_revision=1,
                     history=StateHistory.new(utcnow()), labels=labels or [], outputs=outputs)


def no_render(text: str) -> str:
    return text


def test_terminal_states_by_default_and_never_the_flow_itself():
    t = trigger()
    assert fires(t, LISTENER, source(), "SUCCESS", no_render)
    assert fires(t, LISTENER, source(), "FAILED", no_render)
    assert not fires(t, LISTENER, source(), "RUNNING", no_render)
    assert not fires(t, LISTENER, source("company.listen", "listener"), "SUCCESS", no_render)
    assert fires(trigger(states=["RUNNING", "PAUSED"]), LISTENER, source(), "PAUSED", no_render)


@pytest.mark.parametrize("condition, matching, other", [
    ({"type": "io.kestra.plugin.core.condition.ExecutionFlow", "namespace": "company.team",
      "flowId": "upstream"}, source(), source(flow_id="else")),
    ({"type": "io.kestra.plugin.core.condition.ExecutionNamespace", "namespace": "company",
      "comparison": "PREFIX"}, source(), source(namespace="other")),
    ({"type": "io.kestra.plugin.core.condition.ExecutionNamespace",
      "namespace": "company.team"}, source(), source(namespace="company.team.sub")),
    ({"type": "io.kestra.plugin.core.condition.ExecutionLabels", "labels": {"env": "prod"}},
     source(labels=[{"key": "env", "value": "prod"}]), source(labels=[{"key": "env",
                                                                       "value": "dev"}])),
])
def test_execution_conditions(condition, matching, other):
    t = trigger(conditions=[condition])
    assert fires(t, LISTENER, matching, "SUCCESS", no_render)
    assert not fires(t, LISTENER, other, "SUCCESS", no_render)


def test_status_not_or_and_expressions():
    status = {"type": "io.kestra.plugin.core.condition.ExecutionStatus", "in": ["FAILED"]}
    assert fires(trigger(conditions=[status]), LISTENER, source(), "FAILED", no_render)
    assert not fires(trigger(conditions=[status]), LISTENER, source(), "SUCCESS", no_render)
    negated = {"type": "io.kestra.plugin.core.condition.Not", "conditions": [status]}
    assert fires(trigger(conditions=[negated]), LISTENER, source(), "SUCCESS", no_render)
    expression = {"type": "io.kestra.plugin.core.condition.Expression",
                  "expression": "{{ true }}"}
    assert fires(trigger(conditions=[expression]), LISTENER, source(), "SUCCESS",
                 lambda text: "true")
    assert not fires(trigger(conditions=[expression]), LISTENER, source(), "SUCCESS",
                     lambda text: "false")
    outputs = {"type": "io.kestra.plugin.core.condition.ExecutionOutputs",
               "expression": "{{ outputs.x == 1 }}"}
    assert not fires(trigger(conditions=[outputs]), LISTENER, source(), "SUCCESS",
                     lambda text: "true")  # no outputs at all: false, as Kestra
    assert fires(trigger(conditions=[outputs]), LISTENER, source(outputs={"x": 1}), "SUCCESS",
                 lambda text: "true")


def test_multiple_condition_adds_what_the_window_met():
    multiple = {"type": "io.kestra.plugin.core.condition.MultipleCondition", "id": "both",
                "window": "P1D", "windowAdvance": "P0D", "conditions": {
                    "a": {"type": "io.kestra.plugin.core.condition.ExecutionFlow",
                          "namespace": "company.team", "flowId": "a"},
                    "b": {"type": "io.kestra.plugin.core.condition.ExecutionFlow",
                          "namespace": "company.team", "flowId": "b"}}}
    t = trigger(conditions=[multiple])
    assert not fires(t, LISTENER, source(flow_id="b"), "SUCCESS", no_render,
                     windows=lambda cond: set())
    assert fires(t, LISTENER, source(flow_id="b"), "SUCCESS", no_render,
                 windows=lambda cond: {"a"})
    with pytest.raises(UnsupportedCondition):
        fires(t, LISTENER, source(flow_id="b"), "SUCCESS", no_render)
