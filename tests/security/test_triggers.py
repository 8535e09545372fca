"""Triggers and inputs checked at save: crons that can never fire or are invalid, Schedule
`inputs` and input `defaults` against their input types (docs/security.md, "Flow source")."""

from __future__ import annotations

import pytest

from tests.security.flow_cases import YAML, Case, flow_yaml, refusal_tests

SCHEDULE = "triggers:\n  - id: tick\n    type: io.kestra.plugin.core.trigger.Schedule\n"
COUNT_INPUT = "inputs:\n  - id: count\n    type: INT\n"  # lines 7-9


def _cron(case_id: str, cron: str, message: str) -> Case:
    return Case(case_id, flow_yaml(SCHEDULE + f"    cron: '{cron}'\n"), message, line=8,
                path="triggers[0]")


def _scheduled(case_id: str, inputs: str, trigger_inputs: str, message: str, line: int,
               path: str) -> Case:
    return Case(case_id, flow_yaml(inputs + SCHEDULE + "    cron: '@daily'\n" + trigger_inputs),
                message, line=line, path=path)


CRONS = [
    _cron("cron-february-30", "0 0 30 2 *", "day 30 does not exist in February"),
    _cron("cron-april-31", "0 0 31 4 *", "day 31 does not exist in April"),
    _cron("cron-31st-of-short-months", "0 0 31 2,4,6,9,11 *",
          "can never fire: day 31 does not exist in February, April, June, September, November"),
    _cron("cron-hour-25", "0 25 * * *", "hour field '25'"),
    _cron("cron-six-fields", "0 0 0 * * *", "set withSeconds: true"),
    _cron("cron-unknown-nickname", "@never", "unknown cron nickname"),
    _cron("cron-quartz-question-mark", "0 0 ? * MON", "not supported"),
]

INPUTS = [
    Case("int-default-not-a-number", flow_yaml(COUNT_INPUT + "    defaults: abc\n"),
         "invalid `defaults` for input `count`: expected INT", line=8, path="inputs[0]"),
    Case("datetime-default-not-a-date",
         flow_yaml("inputs:\n  - id: since\n    type: DATETIME\n    defaults: yesterday\n"),
         "invalid `defaults` for input `since`", line=8, path="inputs[0]"),
    _scheduled("schedule-input-not-an-int", COUNT_INPUT, "    inputs:\n      count: abc\n",
               "invalid value for input 'count': expected INT", line=15,
               path="triggers[0].inputs.count"),
    _scheduled("schedule-input-unknown", COUNT_INPUT + "    defaults: 1\n",
               "    inputs:\n      cuont: 3\n", "the flow has no input 'cuont'", line=16,
               path="triggers[0].inputs.cuont"),
    _scheduled("schedule-input-required-missing",
               COUNT_INPUT + "  - id: size\n    type: INT\n    defaults: 1\n",
               "    inputs:\n      size: 3\n", "input 'count' is required and has no default",
               line=17, path="triggers[0].inputs"),
    _scheduled("schedule-input-not-in-enum",
               "inputs:\n  - id: color\n    type: SELECT\n    values: [red, blue]\n",
               "    inputs:\n      color: green\n", "invalid value for input 'color'", line=16,
               path="triggers[0].inputs.color"),
    _scheduled("schedule-input-date-malformed",
               "inputs:\n  - id: day\n    type: DATE\n",
               "    inputs:\n      day: 2024-13-45\n", "invalid value for input 'day'", line=15,
               path="triggers[0].inputs.day"),
]

CASES = [*CRONS, *INPUTS]
DEPLOYED = [CRONS[0], INPUTS[2]]


test_api_refuses, test_flow_validate_refuses, test_flow_deploy_refuses = \
    refusal_tests(CASES, DEPLOYED)


@pytest.mark.parametrize("extra", [
    SCHEDULE + "    cron: '0 0 29 2 *'\n",                       # leap years
    SCHEDULE + "    cron: '0 0 31 2 MON'\n",                     # either day field matches
    COUNT_INPUT + "    defaults: '{{ 1 + 1 }}'\n",              # expressions: not checked
    COUNT_INPUT + SCHEDULE + "    cron: '@daily'\n    inputs:\n      count: '{{ 2 }}'\n",
    COUNT_INPUT + SCHEDULE + "    cron: '@daily'\n",             # no inputs at all: as Kestra
    # a disabled trigger starts nothing: its inputs are not checked (a Kestra blueprint)
    COUNT_INPUT + SCHEDULE + "    cron: '@daily'\n    disabled: true\n    inputs:\n"
    "      name: count\n",
], ids=["feb-29", "dom-or-dow", "expression-default", "expression-trigger-input",
        "schedule-without-inputs", "disabled-schedule-inputs"])
def test_valid_schedules_and_inputs_are_accepted(api, extra):
    response = api.post("/api/v1/flows", content=flow_yaml(extra), headers=YAML)
    assert response.status_code == 200, response.text
