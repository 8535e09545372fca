"""Creating an execution: the one way every entry point (CLI, API, scheduler, subflows)
starts a flow. The execution row and its StartExecution message are written in the same
transaction, so a submission is never lost: if the process dies before publishing, the
outbox sweeper publishes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Mapping

from podium.common.checks import BLOCK, FAIL, FAILED_BY_CHECKS, evaluate_checks
from podium.common.errors import ExecutionBlockedError, LabelError, PodiumError
from podium.common.flow.model import Flow
from podium.common.inputs import resolve_inputs, to_json_value
from podium.common.inputs.definitions import FileInput
from podium.common.labels import label_limit_problems
from podium.common.messages import StartExecution
from podium.common.models.engine_state import EngineState
from podium.common.models.execution import Execution, new_id
from podium.common.models.state import StateHistory
from podium.common.secrets import SecretCipher, seal_secret_inputs
from podium.common.storage.uploads import InputUploads
from podium.common.store.write_together import insert_execution_with_messages
from podium.common.templating import RenderServices, render_typed
from podium.common.templating.context import MAIN_TENANT
from podium.common.transport.base import EXECUTOR_QUEUE

CORRELATION_LABEL = "system.correlationId"
# What the expressions of inputs (`defaults`, `expression`, `dependsOn.condition`) may call
# that needs I/O (secret(), kv(), http(), read()): (namespace, context) -> RenderServices,
# as the executor's (podium/wiring.py render_services).
InputServices = Callable[[str, dict[str, Any]], RenderServices]


class FlowDisabledError(PodiumError):
    pass


def create_execution(conn: Any, flow: Flow, revision: int, inputs: dict[str, Any] | None,
                     now: datetime, *, labels: dict[str, Any] | None = None,
                     trigger: dict[str, Any] | None = None, parent_id: str | None = None,
                     validate_inputs: bool = True, uploads: InputUploads | None = None,
                     cipher: SecretCipher | None = None, execution_id: str | None = None,
                     schedule_date: datetime | None = None,
                     input_services: InputServices | None = None, checks: bool = False,
                     error: str | None = None
                     ) -> tuple[Execution, list[tuple[int, str, dict[str, Any]]]]:
    """Insert a CREATED execution and its StartExecution message (outbox).

    Returns the execution and the outbox rows `(id, queue, payload)` to publish once the
    caller's transaction has committed. Raises InputErrors for bad inputs and
    FlowDisabledError for a disabled flow; nothing is written then. FILE inputs given as
    files are stored through `uploads` before the row is inserted; when this raises, or the
    caller's transaction fails, the caller calls `uploads.discard()`. `execution_id`: a
    caller-chosen id (the scheduler's are derived from the scheduled date); inserting an
    id that exists raises the database's IntegrityError. `input_services`: what the inputs'
    expressions may call (InputServices); without, secret(), kv()... fail clearly.
    `checks`: evaluate the flow's `checks` (an execution asked for through the API or the
    CLI, as Kestra does); ExecutionBlockedError when they block it. `error`: create it
    already failed for this reason (a polling trigger's failOnTriggerError): the executor
    fails it as it starts.
    """
    execution = new_execution(flow, revision, inputs, now, labels=labels, trigger=trigger,
                              parent_id=parent_id, validate_inputs=validate_inputs,
                              uploads=uploads, cipher=cipher, execution_id=execution_id,
                              schedule_date=schedule_date, input_services=input_services,
                              checks=checks, error=error)
    payload = StartExecution(execution_id=execution.id, without_runs=True).encode()
    ids = insert_execution_with_messages(conn, execution, [(EXECUTOR_QUEUE, payload)])
    return execution, [(ids[0], EXECUTOR_QUEUE, payload)]


def new_execution(flow: Flow, revision: int, inputs: dict[str, Any] | None, now: datetime, *,
                  labels: dict[str, Any] | None = None, trigger: dict[str, Any] | None = None,
                  parent_id: str | None = None, execution_id: str | None = None,
                  engine: EngineState | None = None,
                  schedule_date: datetime | None = None,
                  validate_inputs: bool = True,
                  uploads: InputUploads | None = None,
                  cipher: SecretCipher | None = None,
                  input_services: InputServices | None = None,
                  checks: bool = False, error: str | None = None) -> Execution:
    """The CREATED execution `create_execution` inserts, built without I/O but the FILE
    inputs stored through `uploads` (the executor inserts subflow executions itself; their
    FILE inputs are kestra:// URIs already). Raises InputErrors, LabelError or
    FlowDisabledError, and with `checks` ExecutionBlockedError; a FAIL_EXECUTION check leaves its reason in
    `error`, which makes the executor fail the execution as it starts."""
    if flow.disabled:
        raise FlowDisabledError(f"flow {flow.namespace}.{flow.id} is disabled")
    execution_id = execution_id or new_id()  # first: uploaded files are stored under it
    # Before any upload is stored: LabelError when the labels break a limit.
    all_labels = execution_labels(flow, labels, execution_id)
    store_file = uploads.for_execution(flow.namespace, flow.id, execution_id,
                                       file_extensions(flow)) if uploads else None
    typed = _inputs(flow, revision, inputs, validate_inputs, store_file, input_services)
    if error is None and checks:
        error = _checked(flow, revision, typed, input_services)
    # SECRET inputs are stored encrypted (common/secrets.py); SecretError without a cipher.
    typed = seal_secret_inputs(flow.inputs, typed, cipher)
    return Execution(
        id=execution_id, namespace=flow.namespace, flow_id=flow.id, flow_revision=revision,
        history=StateHistory.new(now), inputs=to_json_value(typed),
        labels=all_labels, trigger=trigger,
        parent_id=parent_id, original_created_date=now, engine=engine or EngineState(),
        schedule_date=schedule_date, error=error)


def _checked(flow: Flow, revision: int, typed: dict[str, Any],
             services: InputServices | None) -> str | None:
    """Evaluate the flow's checks on the inputs (as tasks will see them): raise when they
    block the execution, return the reason it fails with when they fail it."""
    if not flow.checks:
        return None
    result = evaluate_checks(flow.checks, to_json_value(typed),
                             input_renderer(flow, revision, services))
    if result.behavior == BLOCK:
        raise ExecutionBlockedError([(c.message, c.style) for c in result.failed])
    if result.behavior == FAIL:
        return f"{FAILED_BY_CHECKS}: {result.messages()}"
    return None


def _inputs(flow: Flow, revision: int, inputs: dict[str, Any] | None, validate: bool,
            store_file: Any, services: InputServices | None) -> dict[str, Any]:
    # Kestra's test harness skips input validation when no inputs are given; the
    # conformance runner relies on that, users never do (validate defaults to True).
    if not validate and not inputs:
        return {}
    return resolve_inputs(flow.inputs or [], inputs or {},
                          render_typed=input_renderer(flow, revision, services),
                          store_file=store_file)


def input_renderer(flow: Flow, revision: int,
                   services: InputServices | None) -> Callable[[str, Mapping[str, Any]], Any]:
    """How the inputs' expressions render: with `flow` and the inputs they depend on (no
    `execution` yet: it is being created), and the services the caller has."""
    base = {"flow": {"id": flow.id, "namespace": flow.namespace, "revision": revision,
                     "tenantId": MAIN_TENANT}}

    def render(template: str, context: Mapping[str, Any]) -> Any:
        variables = {**base, **context}
        given = services(flow.namespace, variables) if services is not None else None
        return render_typed(template, variables, given)
    return render


def file_extensions(flow: Flow) -> dict[str, str]:
    """Declared extension of each FILE input: names bytes uploaded without a file name."""
    return {decl.id: decl.extension for decl in flow.inputs or []
            if isinstance(decl, FileInput) and decl.id is not None}


def execution_labels(flow: Flow, extra: dict[str, Any] | None, execution_id: str) -> list[dict[str, Any]]:
    """Flow labels (never system ones), then the caller's, then the correlation id."""
    merged = {k: v for k, v in flow.label_map().items() if not k.startswith("system.")}
    merged.update(extra or {})
    too_big = label_limit_problems(merged.items())
    if too_big:
        raise LabelError("Invalid labels: " + "; ".join(too_big))
    merged.setdefault(CORRELATION_LABEL, execution_id)
    return [{"key": k, "value": v if isinstance(v, str) else str(v).lower()
             if isinstance(v, bool) else str(v)} for k, v in merged.items()]
