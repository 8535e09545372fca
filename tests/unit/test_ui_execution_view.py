"""The execution page's pure parts: how values are shown (secrets masked, files linked,
nested inputs under dotted keys), the form field each input declaration asks with, and
which control actions an execution's state allows."""

from __future__ import annotations

from datetime import datetime, timezone

from podium.api.ui.execution_view import MASK, Shown, field_of, shown_values, trigger_rows
from podium.application.control_options import control_options
from podium.common.flow.loader import parse_flow
from podium.common.models.execution import Execution, TaskRun
from podium.common.models.state import State, StateHistory

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
SEALED = {"type": "io.kestra.datatype:aes_encrypted", "value": "gAAAA..."}


def test_values_are_shown_masked_linked_or_as_text():
    rows = shown_values({"password": SEALED, "data": "kestra:///ns/f/executions/e/inputs/data/a.csv",
                         "request": {"name": "Ada", "days": 3}, "tags": ["a"]})
    assert rows == [Shown("password", "secret", MASK),
                    Shown("data", "file", "a.csv", "kestra:///ns/f/executions/e/inputs/data/a.csv"),
                    Shown("request.name", "text", "Ada"), Shown("request.days", "text", "3"),
                    Shown("tags", "text", '["a"]')]


def test_the_trigger_shows_its_id_type_and_variables():
    rows = trigger_rows({"id": "daily", "type": "io.kestra.plugin.core.trigger.Schedule",
                         "variables": {"date": "2026-01-02"}})
    assert [(r.key, r.text) for r in rows] == [
        ("id", "daily"), ("type", "io.kestra.plugin.core.trigger.Schedule"),
        ("variables.date", "2026-01-02")]
    assert trigger_rows(None) == []


PAUSE = """\
id: p
namespace: n
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - {id: level, type: INT}
      - {id: ok, type: BOOLEAN, defaults: true}
      - {id: when, type: STRING, defaults: "{{ now() }}"}
      - {id: colour, type: SELECT, values: [red, blue], displayName: Colour}
      - {id: tags, type: MULTISELECT, values: [a, b], required: false}
      - {id: body, type: JSON, required: false}
      - {id: upload, type: FILE}
      - {id: pin, type: SECRET}
"""


def test_each_declaration_gets_its_field():
    flow = parse_flow(PAUSE).flow
    fields = {f.id: f for f in map(field_of, flow.task_index()["wait"].on_resume)}
    assert (fields["level"].widget, fields["level"].html_type, fields["level"].required) \
        == ("input", "number", True)
    assert (fields["ok"].widget, fields["ok"].value, fields["ok"].required) \
        == ("boolean", "true", False)
    assert fields["when"].value == ""  # an expression default is the server's to apply
    assert (fields["colour"].widget, fields["colour"].options, fields["colour"].label) \
        == ("select", ("red", "blue"), "Colour")
    assert fields["tags"].widget == "multiselect" and not fields["tags"].required
    assert fields["body"].widget == "textarea"
    assert fields["upload"].widget == "file"
    assert fields["pin"].html_type == "password"


def execution(state: State) -> Execution:
    return Execution(id="e", namespace="n", flow_id="p", flow_revision=1,
                     history=StateHistory.new(AT, state))


def run(task_id: str, state: State, seq: int = 0) -> TaskRun:
    return TaskRun(id=f"r-{task_id}", execution_id="e", task_id=task_id, seq=seq,
                   history=StateHistory.new(AT, state))


def test_a_running_execution_may_only_be_killed():
    options = control_options(execution(State.RUNNING), [run("wait", State.RUNNING)])
    assert (options.kill, options.restart, options.replay, options.markable,
            options.waiting) == (True, False, False, {}, None)


def test_a_failed_execution_may_be_restarted_replayed_and_changed():
    runs = [run("first", State.SUCCESS), run("boom", State.FAILED, 1)]
    options = control_options(execution(State.FAILED), runs)
    assert (options.kill, options.restart, options.replay) == (False, True, True)
    assert options.markable == {"r-first": (State.FAILED, State.WARNING),
                                "r-boom": (State.SUCCESS, State.WARNING)}


def test_a_successful_execution_has_nothing_to_restart():
    options = control_options(execution(State.SUCCESS), [run("first", State.SUCCESS)])
    assert (options.restart, options.replay) == (False, True)


def test_a_paused_execution_waits_for_its_pauses_inputs():
    flow = parse_flow(PAUSE).flow
    options = control_options(execution(State.PAUSED), [run("wait", State.PAUSED)], flow)
    assert options.kill and options.waiting.kind == "resume"
    assert options.waiting.run.id == "r-wait"
    assert [d.id for d in options.waiting.inputs][:2] == ["level", "ok"]
