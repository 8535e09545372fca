"""The executor's search for lost messages, on the embedded store and transport: a
SubflowEnded that never arrived is built again from the ended child and sent; nothing is
sent for what is still on its way."""

from __future__ import annotations

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.store.outbox import count_messages
from podium.runtime import Runtime
from tests.waiting import wait_for

CHILD = """
id: child
namespace: company.team
tasks:
  - id: hello
    type: io.kestra.plugin.core.debug.Return
    format: hi
outputs:
  - id: said
    type: STRING
    value: "{{ outputs.hello.value }}"
"""

PARENT = """
id: parent
namespace: company.team
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: company.team
    flowId: child
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.call.outputs.said }}"
"""


GPU = """
id: gpu
namespace: company.team
tasks:
  - id: render
    type: io.kestra.plugin.core.debug.Return
    format: frame
    workerGroup:
      key: gpu
"""
GPU_QUEUE = "podium.worker.gpu"


def outbox_empty(runtime: Runtime) -> bool:
    with runtime.db.read() as conn:
        return count_messages(conn) == 0


def test_a_lost_subflow_end_is_sent_again_from_the_ended_child(tmp_path):
    with Runtime.embedded(tmp_path, workers=1) as runtime:
        publish, dropped = runtime.transport.publish, []

        def lose_the_child_end(queue, payload):
            if payload.get("kind") == "subflow_ended" and not dropped:
                dropped.append(payload)
                return  # as if the executor holding it had been killed
            publish(queue, payload)

        runtime.transport.publish = lose_the_child_end
        for source in (CHILD, PARENT):
            runtime.deploy(parse_flow(source))
        parent = runtime.submit("company.team", "parent")
        wait_for(lambda: dropped, what="the child's end to be sent")
        wait_for(lambda: outbox_empty(runtime), what="its outbox row to be deleted (published)")
        (call,) = [r for r in runtime.task_runs(parent.id) if r.task_id == "call"]
        assert runtime.get(parent.id).state is State.RUNNING and call.state is State.RUNNING

        assert runtime.executor.resend_lost_messages() == 1
        ended = wait_for(lambda: (e := runtime.get(parent.id)).state.is_terminated and e,
                         what="the parent to end")
        assert ended.state is State.SUCCESS
        after = [r for r in runtime.task_runs(parent.id) if r.task_id == "after"]
        assert after[0].outputs == {"value": "hi"}
        assert runtime.executor.resend_lost_messages() == 0  # nothing waits any more


def test_nothing_is_resent_for_a_message_still_queued_and_a_lost_one_is(tmp_path):
    with Runtime.embedded(tmp_path, workers=1) as runtime:
        runtime.deploy(parse_flow(GPU))
        execution = runtime.submit("company.team", "gpu")
        # No worker of the group: the RunTask waits in its queue; open, not lost.
        wait_for(lambda: runtime.transport.pending(GPU_QUEUE), what="the RunTask queued")
        wait_for(lambda: outbox_empty(runtime), what="its outbox row to be deleted (published)")
        assert runtime.executor.resend_lost_messages() == 0
        runtime.transport._queues[GPU_QUEUE].clear()  # now it is lost
        assert runtime.executor.resend_lost_messages() == 1
        wait_for(lambda: runtime.transport.pending(GPU_QUEUE), what="the next attempt queued")
        (run,) = runtime.task_runs(execution.id)
        assert [(a.number, a.state) for a in run.attempts] == \
            [(1, State.KILLED), (2, State.RUNNING)]
