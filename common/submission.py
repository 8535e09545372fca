"""Creating an execution: the one way every entry point (CLI, API, scheduler, subflows)
starts a flow. The execution row and its StartExecution message are written in the same
transaction, so a submission is never lost: if the process dies before publishing, the
outbox sweeper publishes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from common.errors import PodiumError
from common.flow.model import Flow
from common.inputs import resolve_inputs, to_json_value
from common.messages import StartExecution
from common.models.execution import Execution, new_id
from common.models.state import StateHistory
from common.store import enqueue_messages, insert_execution
from common.templating import render_typed
from common.transport.base import EXECUTOR_QUEUE

CORRELATION_LABEL = "system.correlationId"


class FlowDisabledError(PodiumError):
    pass


def create_execution(conn: Any, flow: Flow, revision: int, inputs: dict[str, Any] | None,
                     now: datetime, *, labels: dict[str, Any] | None = None,
                     trigger: dict[str, Any] | None = None, parent_id: str | None = None,
                     validate_inputs: bool = True) -> tuple[Execution, list[tuple[int, str, dict]]]:
    """Insert a CREATED execution and its StartExecution message (outbox).

    Returns the execution and the outbox rows `(id, queue, payload)` to publish once the
    caller's transaction has committed. Raises InputErrors for bad inputs and
    FlowDisabledError for a disabled flow; nothing is written then.
    """
    execution = new_execution(flow, revision, inputs, now, labels=labels, trigger=trigger,
                              parent_id=parent_id, validate_inputs=validate_inputs)
    insert_execution(conn, execution)
    payload = StartExecution(execution_id=execution.id).encode()
    ids = enqueue_messages(conn, [(EXECUTOR_QUEUE, payload)])
    return execution, [(ids[0], EXECUTOR_QUEUE, payload)]


def new_execution(flow: Flow, revision: int, inputs: dict[str, Any] | None, now: datetime, *,
                  labels: dict[str, Any] | None = None, trigger: dict[str, Any] | None = None,
                  parent_id: str | None = None, execution_id: str | None = None,
                  variables: dict[str, Any] | None = None,
                  schedule_date: datetime | None = None,
                  validate_inputs: bool = True) -> Execution:
    """The CREATED execution `create_execution` inserts, built without I/O (the executor
    inserts subflow executions itself). Raises InputErrors or FlowDisabledError."""
    if flow.disabled:
        raise FlowDisabledError(f"flow {flow.namespace}.{flow.id} is disabled")
    typed = _inputs(flow, inputs, validate_inputs)
    execution_id = execution_id or new_id()
    return Execution(
        id=execution_id, namespace=flow.namespace, flow_id=flow.id, flow_revision=revision,
        history=StateHistory.new(now), inputs=to_json_value(typed),
        labels=execution_labels(flow, labels, execution_id), trigger=trigger,
        parent_id=parent_id, original_created_date=now, variables=variables,
        schedule_date=schedule_date)


def _inputs(flow: Flow, inputs: dict[str, Any] | None, validate: bool) -> dict[str, Any]:
    # Kestra's test harness skips input validation when no inputs are given; the
    # conformance runner relies on that, users never do (validate defaults to True).
    if not validate and not inputs:
        return {}
    return resolve_inputs(flow.inputs or [], inputs or {}, render_typed=render_typed)


def execution_labels(flow: Flow, extra: dict[str, Any] | None, execution_id: str) -> list[dict]:
    """Flow labels (never system ones), then the caller's, then the correlation id."""
    merged = {k: v for k, v in flow.label_map().items() if not k.startswith("system.")}
    merged.update(extra or {})
    merged.setdefault(CORRELATION_LABEL, execution_id)
    return [{"key": k, "value": v if isinstance(v, str) else str(v).lower()
             if isinstance(v, bool) else str(v)} for k, v in merged.items()]
