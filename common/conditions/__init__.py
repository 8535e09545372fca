"""Trigger conditions, evaluated in one place for every kind of trigger.

A Schedule's conditions (scheduler/conditions.py), a Flow trigger's (executor/flow_triggers/
conditions.py) and a Webhook's (api/webhooks.py) are the same Kestra condition types judged
against different facts. Each caller builds a `ConditionContext` saying what its trigger
can see (how to render a template, the moment a date condition reads, the execution that
changed state, which condition types it evaluates) and calls `holds`; the semantics of each
type live here only (evaluate.py: Expression, Not, Or, Execution*; dates.py: the date and
time conditions).
"""

from podium.common.conditions.evaluate import (
    FLOW_TRIGGER_CONDITIONS,
    SCHEDULE_CONDITIONS,
    WEBHOOK_CONDITIONS,
    ConditionContext,
    ConditionError,
    UnsupportedCondition,
    has_labels,
    holds,
    rendered_truth,
)

__all__ = ["FLOW_TRIGGER_CONDITIONS", "SCHEDULE_CONDITIONS", "WEBHOOK_CONDITIONS",
           "ConditionContext", "ConditionError", "UnsupportedCondition", "has_labels", "holds",
           "rendered_truth"]
