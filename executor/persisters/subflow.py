"""Subflow persistence, in the transaction of the decision that asked for it.

- `StartSubflow`: load the child flow, build and insert the child execution (inputs checked,
  labels, trigger, `parent_id`, its chain of flows: common/call_chain.py) and its
  StartExecution; when it cannot be created, or when
  the task does not wait, answer the parent at once with a `SubflowEnded`.
- `ExecutionEnded` of a child started by a waiting Subflow: tell the parent, with the
  child's outputs (its flow outputs, else the task's deprecated `outputs` rendered on it).
- `ExecutionEnded` of a KILLED execution: kill its running children (Kestra's kill cascade);
  `KillChildren` the same while a killed execution still runs its afterExecution tasks.
Nothing here raises for a bad child: the parent task run fails instead.
"""

from __future__ import annotations

from typing import Any

from podium.common.call_chain import extended_chain
from podium.common.errors import PodiumError, TemplateError
from podium.common.messages import KillExecution, StartExecution, SubflowEnded
from podium.common.models.engine_state import EngineState, SubflowLink
from podium.common.models.execution import Execution
from podium.common.models.state import State
from podium.common.store import (
    append_logs,
    get_execution,
    get_flow,
    insert_execution,
    load_task_runs,
)
from podium.common.store.executions import list_children
from podium.common.store.logs import LogEntry
from podium.common.store.types import utcnow
from podium.common.submission import new_execution
from podium.common.templating import render_value
from podium.common.transport.base import EXECUTOR_QUEUE
from podium.executor.engine.commands import ExecutionEnded, KillChildren
from podium.executor.engine.context import EngineConfig, task_context
from podium.executor.engine.features.subflow import SUBFLOW_TYPES, StartSubflow
from podium.executor.engine.view import ExecutionTx
from podium.executor.flow_cache import FlowCache
from podium.executor.outgoing import Outgoing


def create_subflow_execution(conn, execution: Execution, command: StartSubflow,
                             out: Outgoing) -> None:
    try:
        chain = extended_chain(execution, command.namespace, command.flow_id,
                               out.config.max_chain_depth, "subflow")
        child = _child_execution(conn, out.flows, command, chain, out.config.cipher,
                                 out.config.render_services)
    except (PodiumError, ValueError) as exc:
        _answer(out, command, None, State.FAILED, error=str(exc))
        return
    insert_execution(conn, child)
    start = StartExecution(execution_id=child.id, without_runs=True)
    out.messages.append((EXECUTOR_QUEUE, start.encode()))
    append_logs(conn, [LogEntry(
        execution_id=execution.id, task_run_id=command.parent_task_run_id,
        task_id=command.task_id, attempt=None, level="INFO", timestamp=utcnow(),
        namespace=execution.namespace, flow_id=execution.flow_id,
        message=f'Created new execution [[link execution="{child.id}" '
                f'flowId="{child.flow_id}" namespace="{child.namespace}"]]')])
    if not command.wait:
        _answer(out, command, child.id, State.CREATED)


def _child_execution(conn, flows: FlowCache, command: StartSubflow, chain: list[str],
                     cipher=None, input_services=None) -> Execution:
    stored = get_flow(conn, command.namespace, command.flow_id, command.revision)
    if stored is None or stored.deleted:
        raise PodiumError(f"Unable to find flow '{command.namespace}'.'{command.flow_id}' "
                          f"with revision '{command.revision or 0}'")
    flow = flows.get(conn, command.namespace, command.flow_id, stored.revision)
    if flow.disabled:
        raise PodiumError("Cannot execute a flow which is disabled")
    link = SubflowLink(task_run_id=command.parent_task_run_id, wait=command.wait,
                       iteration=command.iteration, outputs=command.outputs or None)
    return new_execution(flow, stored.revision, command.inputs, utcnow(),
                         labels=command.labels, trigger=command.trigger,
                         parent_id=command.parent_execution_id,
                         execution_id=command.child_execution_id,
                         engine=EngineState(call_chain=chain, subflow=link),
                         schedule_date=command.schedule_date, cipher=cipher,
                         input_services=input_services)


def _answer(out: Outgoing, command: StartSubflow, child_id: str | None, state: State,
            error: str | None = None) -> None:
    message = SubflowEnded(execution_id=command.parent_execution_id,
                           task_run_id=command.parent_task_run_id,
                           child_execution_id=child_id, state=state, error=error,
                           iteration=command.iteration)
    out.messages.append((EXECUTOR_QUEUE, message.encode()))


def tell_parent_child_ended(conn, execution: Execution, command: ExecutionEnded,
                            out: Outgoing) -> None:
    message = child_ended_message(conn, command.execution, out.config, out.flows)
    if message is not None:
        out.messages.append((EXECUTOR_QUEUE, message.encode()))


def child_ended_message(conn, ended: Execution, config: EngineConfig,
                        flows: FlowCache) -> SubflowEnded | None:
    """What an ended child tells the Subflow task run waiting for it (None: nobody waits).
    Also what the executor sends again when that message was lost (lost_messages.py)."""
    trigger = ended.trigger or {}
    if trigger.get("type") not in SUBFLOW_TYPES or ended.state is State.RETRIED:
        return None
    first_id = ended.original_id or ended.id  # retried as new executions: the first one
    link = ended.engine.subflow
    if link is None and first_id != ended.id:
        first = get_execution(conn, first_id)
        link = first.engine.subflow if first else None
    parent_id = (trigger.get("variables") or {}).get("executionId")
    if link is None or not link.wait or not parent_id:
        return None
    outputs, error = _outputs(conn, ended, link, config, flows)
    return SubflowEnded(execution_id=parent_id, task_run_id=link.task_run_id,
                        child_execution_id=first_id, state=ended.state,
                        outputs=outputs, error=error, iteration=link.iteration)


def _outputs(conn, ended: Execution, link: SubflowLink, config: EngineConfig,
             flows: FlowCache) -> tuple[dict | None, str | None]:
    """The child flow's outputs; for a child flow without any, the parent task's deprecated
    `outputs`, rendered on the child execution (Kestra's createSubflowExecutionResult)."""
    flow = flows.get(conn, ended.namespace, ended.flow_id, ended.flow_revision)
    if flow.outputs:
        return ended.outputs, None
    templates: dict[str, Any] | None = link.outputs
    if not templates:
        return None, None
    tx = ExecutionTx(flow, ended, load_task_runs(conn, ended.id), utcnow(), folded_loaded=True)
    try:
        return render_value(templates, task_context(tx, config)), None
    except TemplateError as exc:
        return None, f"Failed to extract outputs with the error: '{exc}'"


def kill_children_if_killed(conn, execution: Execution, command: ExecutionEnded,
                            out: Outgoing) -> None:
    if command.execution.state is State.KILLED:
        _kill_running_children(conn, command.execution.id, out)


def kill_children(conn, execution: Execution, command: KillChildren,
                       out: Outgoing) -> None:
    _kill_running_children(conn, command.execution_id, out)


def _kill_running_children(conn, execution_id: str, out: Outgoing) -> None:
    for child in list_children(conn, execution_id, running=True):
        out.messages.append((EXECUTOR_QUEUE, KillExecution(execution_id=child.id).encode()))
