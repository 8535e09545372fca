"""Execution-updating tasks the executor runs itself: execution.SetVariables,
UnsetVariables (the execution's `vars`) and Exit (ending the execution now). Kestra's
SetVariablesTest, UnsetVariablesTest and ExitTest flows, and the edges around them."""

from __future__ import annotations

from podium.common.models.state import State
from tests.unit.executor.harness import Harness

SET = "io.kestra.plugin.core.execution.SetVariables"
UNSET = "io.kestra.plugin.core.execution.UnsetVariables"
EXIT = "io.kestra.plugin.core.execution.Exit"
RET = "io.kestra.plugin.core.debug.Return"


def flow(body: str, variables: str = "", inputs: str = "") -> str:
    return "id: f\nnamespace: company.team\n" + variables + inputs + "tasks:\n" + body


def ret(task_id: str, extra: str = "", indent: int = 2) -> str:
    pad = " " * indent
    return f"{pad}- id: {task_id}\n{pad}  type: {RET}\n{pad}  format: x\n" + "".join(
        f"{pad}  {line}\n" for line in extra.splitlines())


def vars_seen_by(h: Harness, task_id: str) -> dict:
    """The `vars` the worker was given to render `task_id`."""
    return next(d.context["vars"] for d in h.dispatched if d.task_run.task_id == task_id)


def messages(h: Harness, level: str) -> list[str]:
    return [m for d in h.decisions for (_, lvl, m) in d.logs if lvl == level]


# ---------------------------------------------------------------- SetVariables
SET_EXAMPLE = flow(f"""  - id: set_vars
    type: {SET}
    variables:
      message: Hello
      name: Loïc
{ret("hello")}""", variables="variables:\n  name: World\n")


def test_set_variables_merges_into_vars_and_ends_without_a_worker():
    h = Harness(SET_EXAMPLE)
    assert h.run() is State.SUCCESS
    assert h.states() == {"set_vars": "SUCCESS", "hello": "SUCCESS"}
    assert [d.task_run.task_id for d in h.dispatched] == ["hello"]
    assert vars_seen_by(h, "hello") == {"name": "Loïc", "message": "Hello"}
    assert not h.by_task("set_vars")[0].attempts


def test_vars_are_the_flow_variables_until_a_task_changes_them():
    h = Harness(flow(ret("before") + f"""  - id: set
    type: {SET}
    variables: {{added: "{{{{ vars.name }}}}!"}}
""" + ret("after"), variables="variables:\n  name: World\n"))
    assert h.run() is State.SUCCESS
    assert vars_seen_by(h, "before") == {"name": "World"}
    assert vars_seen_by(h, "after") == {"name": "World", "added": "World!"}


def test_values_and_keys_are_rendered_and_nested_maps_merge():
    h = Harness(flow(f"""  - id: set
    type: {SET}
    variables:
      "{{{{ inputs.key }}}}": "{{{{ inputs.version | startsWith('1.3.') }}}}"
      db:
        port: 6543
      tags: [b]
      count: 3
""" + ret("after"), variables="variables:\n  db:\n    host: h\n    port: 5432\n  tags: [a]\n",
        inputs="inputs:\n  - id: key\n    type: STRING\n  - id: version\n    type: STRING\n"),
        inputs={"key": "isLts", "version": "1.3.9"})
    assert h.run() is State.SUCCESS
    assert vars_seen_by(h, "after") == {"db": {"host": "h", "port": 6543}, "tags": ["b"],
                                        "isLts": "true", "count": 3}


def test_an_expression_rendering_to_a_json_map_is_accepted():
    h = Harness(flow(f"""  - id: set
    type: {SET}
    variables: "{{{{ {{'a': 1, 'b': [1, 2]}} | toJson }}}}"
""" + ret("after")))
    assert h.run() is State.SUCCESS
    assert vars_seen_by(h, "after") == {"a": 1, "b": [1, 2]}


def test_an_expression_that_is_not_a_json_map_fails_the_task():
    h = Harness(flow(f"""  - id: set
    type: {SET}
    variables: "{{{{ 'nope' }}}}"
""" + ret("after")))
    assert h.run() is State.FAILED
    assert h.states() == {"set": "FAILED"}
    assert any("must render to a JSON map" in m for m in messages(h, "ERROR"))


def test_overwrite_false_fails_on_an_existing_variable_and_names_it():
    h = Harness(flow(f"""  - id: set
    type: {SET}
    overwrite: false
    variables:
      message: Hello
      name: Loïc
""" + ret("after"), variables="variables:\n  name: World\n"))
    assert h.run() is State.FAILED
    assert h.states() == {"set": "FAILED"}  # Kestra's SetVariablesTest: one task run
    assert messages(h, "ERROR") == [
        "`overwrite` is set to false and the following variables already exist: name"]


def test_overwrite_false_accepts_new_keys():
    h = Harness(flow(f"""  - id: set
    type: {SET}
    overwrite: "{{{{ false }}}}"
    variables: {{message: Hello}}
""" + ret("after"), variables="variables:\n  name: World\n"))
    assert h.run() is State.SUCCESS
    assert vars_seen_by(h, "after") == {"name": "World", "message": "Hello"}


def test_run_if_and_later_sets_read_the_new_vars_in_the_executor():
    h = Harness(flow(f"""  - id: set
    type: {SET}
    variables: {{go: false, n: 1}}
  - id: again
    type: {SET}
    variables: {{n: "{{{{ vars.n + 1 }}}}"}}
""" + ret("skipped", 'runIf: "{{ vars.go }}"') + ret("after")))
    assert h.run() is State.SUCCESS
    assert h.states()["skipped"] == "SKIPPED"
    assert vars_seen_by(h, "after") == {"go": False, "n": "2"}


def test_a_render_error_fails_the_task_and_runs_errors_branch():
    h = Harness(flow(f"""  - id: set
    type: {SET}
    variables: {{x: "{{{{ nope.missing }}}}"}}
errors:
{ret("handler")}"""))
    assert h.run() is State.FAILED
    assert h.states() == {"set": "FAILED", "handler": "SUCCESS"}


def test_allow_failure_turns_a_failed_update_into_a_warning():
    h = Harness(flow(f"""  - id: set
    type: {SET}
    allowFailure: true
    overwrite: false
    variables: {{name: x}}
""" + ret("after"), variables="variables:\n  name: World\n"))
    assert h.run() is State.WARNING
    assert h.states() == {"set": "WARNING", "after": "SUCCESS"}
    assert vars_seen_by(h, "after") == {"name": "World"}


# ---------------------------------------------------------------- UnsetVariables
def test_unset_removes_keys_set_before():
    h = Harness(flow(f"""  - id: set
    type: {SET}
    variables: {{message: Hello World, keep: 1}}
  - id: unset
    type: {UNSET}
    variables: [message]
""" + ret("after")))
    assert h.run() is State.SUCCESS
    assert vars_seen_by(h, "after") == {"keep": 1}


def test_unset_reaches_flow_variables_and_dotted_paths():
    h = Harness(flow(f"""  - id: unset
    type: {UNSET}
    variables: ["db.password", "{{{{ inputs.drop }}}}"]
""" + ret("after"), variables="variables:\n  db: {host: h, password: p}\n  other: 1\n",
        inputs="inputs:\n  - id: drop\n    type: STRING\n"), inputs={"drop": "other"})
    assert h.run() is State.SUCCESS
    assert vars_seen_by(h, "after") == {"db": {"host": "h"}}


def test_unset_of_a_missing_key_is_not_an_error_as_in_kestra_but_is_logged():
    h = Harness(flow(f"""  - id: unset
    type: {UNSET}
    variables: [absent]
""" + ret("after"), variables="variables:\n  name: World\n"))
    assert h.run() is State.SUCCESS
    assert vars_seen_by(h, "after") == {"name": "World"}
    assert messages(h, "WARN") == ["Variable 'absent' is not set: nothing to unset"]


def test_unset_through_a_missing_map_fails_unless_ignore_missing():
    body = f"""  - id: unset
    type: {UNSET}
    variables: [db.password]
{{extra}}""" + ret("after")
    h = Harness(flow(body.format(extra=""), variables="variables:\n  db: text\n"))
    assert h.run() is State.FAILED
    assert messages(h, "ERROR") == ["Cannot unset 'db.password': variable 'db' is not a map"]
    h = Harness(flow(body.format(extra="    ignoreMissing: true\n"),
                     variables="variables:\n  db: text\n"))
    assert h.run() is State.SUCCESS
    assert vars_seen_by(h, "after") == {"db": "text"} and not messages(h, "WARN")


# ---------------------------------------------------------------- Exit
EXIT_FLOW = flow(f"""  - id: if
    type: io.kestra.plugin.core.flow.If
    condition: "{{{{ inputs.state == 'CONTINUE' }}}}"
    then:
{ret("hello", indent=6)}    else:
      - id: exit
        type: {EXIT}
        state: {{state}}
{ret("end")}""", inputs="inputs:\n  - id: state\n    type: STRING\n")


def test_exit_ends_the_execution_in_its_state_with_its_parents():
    h = Harness(EXIT_FLOW.replace("{state}", "WARNING"), inputs={"state": "END"})
    assert h.run() is State.WARNING
    assert h.states() == {"if": "WARNING", "exit": "WARNING"}  # ExitTest: 2 task runs
    assert not h.dispatched  # `end` never starts


def test_exit_is_not_reached_on_the_other_branch():
    h = Harness(EXIT_FLOW.replace("{state}", "WARNING"), inputs={"state": "CONTINUE"})
    assert h.run() is State.SUCCESS
    assert h.states() == {"if": "SUCCESS", "hello": "SUCCESS", "end": "SUCCESS"}


def test_exit_killed_kills_the_execution_and_every_unfinished_run():
    h = Harness(EXIT_FLOW.replace("{state}", "KILLED"), inputs={"state": "END"})
    assert h.run() is State.KILLED
    assert h.states() == {"if": "KILLED", "exit": "KILLED"}


def test_exit_state_may_be_an_expression_and_canceled_means_cancelled():
    h = Harness(EXIT_FLOW.replace("{state}", '"{{ inputs.state | upper }}"'),
                inputs={"state": "canceled"})
    assert h.run() is State.CANCELLED
    assert h.states() == {"if": "CANCELLED", "exit": "CANCELLED"}


def test_exit_cancelled_as_kestra_2_spells_it():
    # Kestra's exit-cancelled.yaml test flow: `state: CANCELLED` (2.0 dropped CANCELED).
    h = Harness(EXIT_FLOW.replace("{state}", "CANCELLED"), inputs={"state": "END"})
    assert h.run() is State.CANCELLED
    assert h.states() == {"if": "CANCELLED", "exit": "CANCELLED"}


def test_an_unknown_exit_state_fails_the_task():
    h = Harness(EXIT_FLOW.replace("{state}", '"{{ inputs.state }}"'), inputs={"state": "END"})
    assert h.run() is State.FAILED
    assert h.states() == {"if": "FAILED", "exit": "FAILED"}
    assert any("must be one of SUCCESS, WARNING, KILLED, FAILED, CANCELED" in m
               for m in messages(h, "ERROR"))


def test_exit_failed_runs_no_errors_finally_nor_outputs():
    h = Harness(flow(f"""  - id: exit
    type: {EXIT}
    state: FAILED
errors:
{ret("handler")}finally:
{ret("cleanup")}outputs:
  - id: out
    type: STRING
    value: never
"""))
    assert h.run() is State.FAILED
    assert h.states() == {"exit": "FAILED"}
    assert h.execution.outputs is None
    assert messages(h, "INFO")[-1] == "Flow completed with state FAILED"


def test_exit_in_a_parallel_branch_leaves_the_other_branch_running():
    h = Harness(flow(f"""  - id: par
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
{ret("slow", indent=6)}      - id: seq
        type: io.kestra.plugin.core.flow.Sequential
        tasks:
          - id: exit
            type: {EXIT}
{ret("never", indent=10)}{ret("after")}"""))
    h.start()
    assert h.execution.state is State.SUCCESS
    assert h.states() == {"par": "SUCCESS", "slow": "RUNNING", "seq": "SUCCESS",
                          "exit": "SUCCESS"}
    h.result(h.dispatched[0], "FAILED")  # the late result is recorded, nothing starts
    assert h.states()["slow"] == "FAILED" and h.execution.state is State.SUCCESS
    assert [d.task_run.task_id for d in h.dispatched] == ["slow"]


def test_nothing_starts_after_exit_in_the_same_pass():
    # `seq` and `exit` start together; resolving `exit` first ends the execution, so `seq`
    # (resolved next in that pass) must not send its child to a worker.
    h = Harness(flow(f"""  - id: par
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: seq
        type: io.kestra.plugin.core.flow.Sequential
        tasks:
{ret("child", indent=10)}      - id: exit
        type: {EXIT}
"""))
    assert h.run() is State.SUCCESS
    assert not h.dispatched and "child" not in h.states()


# ---------------------------------------------------------------- restart and replay
def test_a_restart_keeps_the_vars_and_runs_the_failed_update_again():
    from podium.common.messages import RestartExecution
    source = flow(f"""  - id: set
    type: {SET}
    variables: {{n: 1}}
  - id: strict
    type: {SET}
    overwrite: "{{{{ inputs.strict }}}}"
    variables: {{n: 2}}
""" + ret("after"), inputs="inputs:\n  - id: strict\n    type: BOOLEAN\n")
    h = Harness(source, inputs={"strict": False})
    assert h.run() is State.FAILED
    assert h.states() == {"set": "SUCCESS", "strict": "FAILED"}
    h.execution = h.execution.model_copy(update={"inputs": {"strict": True}})
    h.send(RestartExecution(execution_id=h.execution.id))
    h.result(h.dispatched[-1], "SUCCESS")
    assert h.execution.state is State.SUCCESS
    assert vars_seen_by(h, "after") == {"n": 2}


def test_a_replay_starts_with_the_vars_of_the_replayed_execution():
    from tests.unit.executor.test_engine_restart import replayed
    source = flow(f"""  - id: set
    type: {SET}
    variables: {{n: 1}}
""" + ret("after"), variables="variables:\n  base: 0\n")
    h = Harness(source)
    assert h.run() is State.SUCCESS
    r = replayed(h, source, h.by_task("after")[0].id)
    assert r.run() is State.SUCCESS
    assert vars_seen_by(r, "after") == {"base": 0, "n": 1}
    assert r.execution.variables == {"vars": {"base": 0, "n": 1}}


# ---------------------------------------------------------------- Template (deprecated)
def test_a_template_task_fails_when_it_runs_as_kestra_with_templates_disabled():
    h = Harness(flow(ret("before") + """  - id: include
    type: io.kestra.plugin.core.flow.Template
    namespace: company.team
    templateId: shared
""" + ret("after")))
    assert h.run() is State.FAILED
    assert h.states() == {"before": "SUCCESS", "include": "FAILED"}
    [error] = [m for m in messages(h, "ERROR") if "include" in m]
    assert "Templates are disabled" in error and "company.team.shared" in error
    assert "call it as a Subflow" in error
