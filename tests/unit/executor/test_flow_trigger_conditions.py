"""Flow trigger conditions as plain functions (executor/flow_triggers/conditions.py)."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter

from podium.common.errors import PodiumError
from podium.common.models.execution import Execution
from podium.common.models.state import StateHistory
from podium.common.plugins.base import AnyTrigger, Trigger
from podium.common.store.types import utcnow
from podium.executor.flow_triggers.conditions import UnsupportedCondition, fires

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


def test_paused_is_listened_to_by_default():
    # Kestra 0.23 migration guide: the Flow trigger reacts to PAUSED as well by default.
    assert fires(trigger(), LISTENER, source(), "PAUSED", no_render)
    assert not fires(trigger(states=["SUCCESS"]), LISTENER, source(), "PAUSED", no_render)
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


# ---------------------------------------------------------------- preconditions
from podium.executor.flow_triggers.conditions import listens, parts_met, window_conditions  # noqa: E402

PRECONDITIONS = {"id": "pre", "flows": [
    {"namespace": "company.team", "flowId": "a", "states": ["SUCCESS", "WARNING", "FAILED"]},
    {"namespace": "company.team", "flowId": "b"}],
    "where": [{"id": "a_labelled", "filters": [
        {"field": "FLOW_ID", "type": "EQUAL_TO", "value": "a"},
        {"field": "EXPRESSION", "type": "IS_TRUE", "value": "{{ labels.some == 'label' }}"}]}]}


def strict_render(labels: dict):
    """Renders the one expression of PRECONDITIONS against `labels`, failing as Pebble's
    strict variables do on a label the execution lacks."""
    def render(text: str) -> str:
        if "some" not in labels:
            raise PodiumError("Unable to find `labels.some`")
        return "true" if labels["some"] == "label" else "false"
    return render


def test_a_where_group_short_circuits_before_an_expression_it_does_not_need():
    # flow-trigger-preconditions-flow-listen: flow-b has no `some` label; its FLOW_ID filter
    # already fails the group, so the expression is never rendered (Kestra's allMatch)
    [pre] = window_conditions(trigger(preconditions=PRECONDITIONS))
    b = source(flow_id="b")
    assert parts_met(pre, b, "SUCCESS", strict_render({})) == {"flow1"}
    a = source(flow_id="a", labels=[{"key": "some", "value": "label"}])
    assert parts_met(pre, a, "FAILED", strict_render({"some": "label"})) == {"flow0",
                                                                            "where:a_labelled"}


def test_a_part_that_cannot_be_evaluated_is_not_met_and_the_others_still_are():
    group = {"id": "expr_first", "filters": [
        {"field": "EXPRESSION", "type": "IS_TRUE", "value": "{{ labels.some == 'label' }}"}]}
    [pre] = window_conditions(trigger(preconditions={**PRECONDITIONS, "where": [group]}))
    assert parts_met(pre, source(flow_id="a"), "SUCCESS", strict_render({})) == {"flow0"}


def test_an_upstream_flow_without_states_accepts_every_state_the_trigger_listens_to():
    [pre] = window_conditions(trigger(preconditions=PRECONDITIONS))
    assert "flow1" in parts_met(pre, source(flow_id="b"), "FAILED", no_render)
    assert "flow1" in parts_met(pre, source(flow_id="b"), "WARNING", no_render)
    assert "flow0" not in parts_met(pre, source(flow_id="a"), "KILLED", no_render)


def test_listens_applies_states_and_plain_conditions_but_no_window():
    status = {"type": "io.kestra.plugin.core.condition.ExecutionStatus", "in": ["SUCCESS"]}
    t = trigger(conditions=[status], preconditions=PRECONDITIONS)
    assert listens(t, LISTENER, source(flow_id="b"), "SUCCESS", no_render)
    assert not listens(t, LISTENER, source(flow_id="b"), "FAILED", no_render)
    assert not listens(t, LISTENER, source(flow_id="b"), "RUNNING", no_render)


def test_canceled_with_one_l_is_read_as_cancelled():
    # Kestra 1.x accepted the CANCELED alias in `states` (2.0's migration guide drops it).
    t = trigger(states=["CANCELED"])
    assert t.states == ["CANCELLED"]
    assert fires(t, LISTENER, source(), "CANCELLED", no_render)
