"""The Subflow task in the pure core: start command, results, retry, kill."""

from __future__ import annotations

from podium.common.messages import SubflowEnded
from podium.common.models.state import State
from podium.executor.engine.commands import ExecutionEnded
from podium.executor.engine.features.subflow import RETRY_TIMER, StartSubflow, guess_state
from tests.unit.executor.harness import Harness

SUBFLOW = "io.kestra.plugin.core.flow.Subflow"


def flow(options: str = "", head: str = "") -> str:
    return (f"id: parent\nnamespace: company.team\n{head}tasks:\n"
            f"  - id: call\n    type: {SUBFLOW}\n    namespace: company.team\n"
            f"    flowId: \"{{{{ 'child' }}}}\"\n"
            f"    inputs:\n      who: \"{{{{ inputs.who }}}}\"\n{options}"
            f"  - id: after\n    type: io.kestra.plugin.core.debug.Return\n"
            f"    format: \"{{{{ outputs.call.state }}}}\"\n")


def started(options: str = "", head: str = "", labels=None) -> tuple[Harness, StartSubflow]:
    h = Harness(flow(options, head), inputs={"who": "ada"})
    if labels is not None:
        h.execution = h.execution.model_copy(update={"labels": labels})
    decision = h.start()
    commands = [c for c in decision.commands if isinstance(c, StartSubflow)]
    assert len(commands) == 1
    return h, commands[0]


def ended(h: Harness, command: StartSubflow, state: str, **fields):
    return h.send(SubflowEnded(execution_id=h.execution.id,
                               task_run_id=command.parent_task_run_id,
                               child_execution_id=fields.pop("child", command.child_execution_id),
                               state=state, **fields))


def test_start_renders_the_child_and_waits():
    labels = [{"key": "system.correlationId", "value": "root"}, {"key": "team", "value": "a"}]
    h, command = started("    labels:\n      k: \"{{ inputs.who }}\"\n", labels=labels)
    assert (command.namespace, command.flow_id, command.revision) == ("company.team", "child",
                                                                       None)
    assert command.inputs == {"who": "ada"}
    # Parent system labels always pass (correlation id), others only with inheritLabels.
    assert command.labels == {"system.correlationId": "root", "k": "ada"}
    assert command.wait is True
    assert command.trigger == {"id": "call", "type": SUBFLOW, "variables": {
        "executionId": h.execution.id, "namespace": "company.team", "flowId": "parent",
        "flowRevision": 1}}
    run = h.by_task("call")[0]
    assert run.state is State.RUNNING and len(run.attempts) == 1
    assert h.dispatched == []
    # Nothing else happens until the child reports; a redelivery creates nothing twice.
    assert not any(isinstance(c, StartSubflow) for c in h.start().commands)


def test_inherit_labels_passes_every_parent_label():
    labels = [{"key": "system.correlationId", "value": "root"}, {"key": "team", "value": "a"}]
    _, command = started("    inheritLabels: true\n", labels=labels)
    assert command.labels == {"system.correlationId": "root", "team": "a"}


def test_successful_child_gives_outputs_and_the_flow_goes_on():
    h, command = started()
    ended(h, command, "SUCCESS", outputs={"o": 1})
    run = h.by_task("call")[0]
    assert run.state is State.SUCCESS
    assert run.outputs == {"executionId": command.child_execution_id, "state": "SUCCESS",
                           "outputs": {"o": 1}}
    assert run.attempts[-1].state is State.SUCCESS
    assert h.dispatched[-1].task_run.task_id == "after"
    h.result(h.dispatched[-1], "SUCCESS")
    assert h.execution.state is State.SUCCESS


def test_failed_child_fails_the_task_and_the_execution():
    h, command = started()
    ended(h, command, "FAILED")
    assert h.states() == {"call": "FAILED"}
    assert h.execution.state is State.FAILED


def test_transmit_failed_false_turns_a_failed_child_into_success():
    h, command = started("    transmitFailed: false\n")
    ended(h, command, "FAILED")
    assert h.by_task("call")[0].state is State.SUCCESS
    assert h.by_task("call")[0].outputs["state"] == "FAILED"


def test_allow_failure_and_allow_warning_apply_to_the_child_state():
    h, command = started("    allowFailure: true\n    allowWarning: true\n")
    ended(h, command, "FAILED")
    assert h.by_task("call")[0].state is State.SUCCESS


def test_guess_state_follows_kestra():
    assert guess_state(State.KILLED, True) is State.KILLED
    assert guess_state(State.WARNING, True) is State.WARNING
    assert guess_state(State.WARNING, False) is State.SUCCESS
    assert guess_state(State.SUCCESS, True) is State.SUCCESS


def test_duplicate_and_stale_results_are_ignored():
    h, command = started()
    assert ended(h, command, "SUCCESS", child="someone-else").ignored
    ended(h, command, "FAILED")
    assert ended(h, command, "SUCCESS").ignored
    assert h.by_task("call")[0].state is State.FAILED


def test_creation_error_fails_the_task_with_the_error_logged():
    h, command = started()
    decision = ended(h, command, "FAILED", child=None, error="Unable to find flow 'x'.'y'")
    assert h.by_task("call")[0].state is State.FAILED
    assert (command.parent_task_run_id, "ERROR", "Unable to find flow 'x'.'y'") in decision.logs


def test_no_wait_succeeds_once_the_child_is_created():
    h, command = started("    wait: false\n")
    assert command.wait is False
    ended(h, command, "CREATED")
    run = h.by_task("call")[0]
    assert run.state is State.SUCCESS
    assert run.outputs == {"executionId": command.child_execution_id, "state": "CREATED"}


def test_render_error_fails_the_task_without_a_child():
    h = Harness(flow().replace("{{ inputs.who }}", "{{ nope.nope }}"))
    decision = h.start()
    assert not any(isinstance(c, StartSubflow) for c in decision.commands)
    assert h.by_task("call")[0].state is State.FAILED


def test_retry_starts_a_new_child_per_attempt():
    h, command = started("    retry:\n      type: constant\n      interval: PT1S\n"
                         "      maxAttempt: 2\n")
    ended(h, command, "FAILED")
    assert h.by_task("call")[0].state is State.RETRYING
    assert h.timers[-1].kind == RETRY_TIMER
    h.fire_timers()
    second = [c for c in h.decisions[-1].commands if isinstance(c, StartSubflow)]
    assert len(second) == 1 and second[0].child_execution_id != command.child_execution_id
    assert ended(h, command, "FAILED").ignored  # the first child again: stale
    ended(h, second[0], "FAILED")
    run = h.by_task("call")[0]
    assert run.state is State.FAILED and len(run.attempts) == 2
    assert h.execution.state is State.FAILED


def test_kill_kills_the_waiting_task_and_reports_the_end():
    h, _ = started()
    decision = h.kill()
    assert h.by_task("call")[0].state is State.KILLED
    assert h.execution.state is State.KILLED
    assert any(isinstance(c, ExecutionEnded) and c.execution.state is State.KILLED
               for c in decision.commands)
