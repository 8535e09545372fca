"""The inputs a scheduled trigger passes, checked against the flow's inputs at save.

A Schedule (or ScheduleOnDates) trigger is the only source of its executions' inputs, so a
value that does not parse as its input's type, a name the flow does not declare, or a
required input left without a value or a default would fail every execution it starts,
possibly months later. Values holding an expression (`{{ trigger.date }}`) are rendered at
fire time and cannot be checked here; neither can inputs shown only under a `dependsOn`
condition.

A disabled trigger is not checked: it starts no execution, and Kestra's own blueprint
library has one whose `inputs` name no input of the flow (parametrized-flow-with-multiple-
schedules). A required input left out is refused only when the trigger gives `inputs` at all: Kestra
accepts a Schedule with no `inputs` on a flow with required ones (its own test flows have
some), and such a flow's executions fail at input resolution as Kestra's do.
"""

from __future__ import annotations

from typing import Any

from podium.common.errors import InputError
from podium.common.flow.model import Flow
from podium.common.inputs import parse_input_value
from podium.common.plugins.fields import is_expression

RawProblem = tuple[tuple[Any, ...], str]

SCHEDULED_TRIGGERS = ("io.kestra.plugin.core.trigger.Schedule",
                      "io.kestra.plugin.core.trigger.ScheduleOnDates")


def check_scheduled_inputs(flow: Flow) -> list[RawProblem]:
    declared = {item.id: item for item in flow.inputs or [] if item.id is not None}
    problems = []
    for index, trigger in enumerate(flow.triggers or []):
        if trigger.TYPE in SCHEDULED_TRIGGERS and not trigger.disabled:
            # Only the scheduled triggers (checked above) have `inputs`.
            given = getattr(trigger, "inputs", None) or {}
            problems += _check_trigger(("triggers", index), given, declared)
    return problems


def _check_trigger(path: tuple[Any, ...], given: dict[str, Any],
                   declared: dict[str, Any]) -> list[RawProblem]:
    problems = []
    for name, value in given.items():
        here = (*path, "inputs", name)
        if name not in declared:
            known = ", ".join(declared) or "none"
            problems.append((here, f"the flow has no input '{name}' (its inputs: {known})"))
        elif value is not None and not _is_dynamic(value):
            problems += _check_value(here, declared[name], value)
    for name, declaration in declared.items():
        if given and name not in given and _needs_value(declaration):
            problems.append(((*path, "inputs"), f"input '{name}' is required and has no "
                             "default: this trigger must give it in `inputs`"))
    return problems


def _check_value(path: tuple[Any, ...], declaration: Any, value: Any) -> list[RawProblem]:
    try:
        parse_input_value(declaration, value, store_file=None)
    except InputError as exc:
        return [(path, f"invalid value for input '{declaration.id}': "
                 f"{str(exc).split(': ', 1)[-1]}")]
    return []


def _needs_value(declaration: Any) -> bool:
    return declaration.required and declaration.defaults is None \
        and declaration.depends_on is None


def _is_dynamic(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_is_dynamic(v) for v in value.values())
    if isinstance(value, list):
        return any(_is_dynamic(v) for v in value)
    return is_expression(value)
