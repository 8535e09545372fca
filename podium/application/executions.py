"""Executions: create, read, search, wait for, label, and read the files and outputs of.
Their control (kill, restart, replay, ...) is in control.py."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, BinaryIO

from podium.application.flows import deployed
from podium.application.flows import require as require_flow
from podium.application.parts import Parts, storage_of
from podium.common.errors import ConflictError, InvalidRequestError, NotFoundError, PodiumError
from podium.common.flow.model import Flow
from podium.common.inputs.preview import InputPreview, preview_inputs
from podium.common.models.execution import Execution, TaskRun
from podium.common.models.state import State
from podium.common.storage import StorageEntry, execution_prefix
from podium.common.storage.offload import load, resolve
from podium.common.storage.uploads import InputUploads
from podium.common.storage.uris import key_of
from podium.common.store import (
    count_executions,
    execution_stats,
    get_execution,
    list_executions,
    load_task_runs,
    lock_execution,
    update_execution,
)
from podium.common.store.executions import list_children
from podium.common.store.types import utcnow
from podium.common.submission import create_execution, input_renderer

# Labels under this prefix are Podium's own (system.correlationId, system.from...).
SYSTEM_PREFIX = "system."


def get(parts: Parts, execution_id: str) -> Execution | None:
    with parts.db.read() as conn:
        return get_execution(conn, execution_id)


def require(parts: Parts, execution_id: str) -> Execution:
    """The execution; NotFoundError when there is none."""
    execution = get(parts, execution_id)
    if execution is None:
        raise NotFoundError(f"Execution '{execution_id}' not found")
    return execution


def task_runs(parts: Parts, execution_id: str) -> list[TaskRun]:
    with parts.db.read() as conn:
        return load_task_runs(conn, execution_id)


def task_run(parts: Parts, execution_id: str, task_run_id: str) -> TaskRun:
    """One task run of the execution; NotFoundError when either is missing."""
    require(parts, execution_id)
    run = next((r for r in task_runs(parts, execution_id) if r.id == task_run_id), None)
    if run is None:
        raise NotFoundError(f"Task run '{task_run_id}' not found in execution "
                            f"'{execution_id}'")
    return run


def task_run_outputs(parts: Parts, execution_id: str, task_run_id: str) -> dict[str, Any]:
    """One task run's outputs, large ones read back from the internal storage."""
    return resolved_outputs(parts, task_run(parts, execution_id, task_run_id))


def resolved_outputs(parts: Parts, run: TaskRun) -> dict[str, Any]:
    """A task run's outputs, large ones read back from the internal storage."""
    outputs: dict[str, Any] = resolve(run.outputs or {},
                                      lambda uri: load(storage_of(parts), uri))
    return outputs


def search(parts: Parts, *, namespace: str | None = None, flow_id: str | None = None,
           states: list[State] | None = None, labels: dict[str, str] | None = None,
           since: datetime | None = None, until: datetime | None = None,
           limit: int = 20, offset: int = 0,
           count_cap: int | None = None) -> tuple[list[Execution], int]:
    """A page of executions, newest first, and how many match in all (at most
    `count_cap`: a UI pager need not count a million rows)."""
    filters: dict[str, Any] = dict(namespace=namespace, flow_id=flow_id, states=states, labels=labels,
                   since=since, until=until)
    with parts.db.read() as conn:
        found = list_executions(conn, **filters, limit=limit, offset=offset)
        return found, count_executions(conn, **filters, cap=count_cap)


def children(parts: Parts, execution_id: str, limit: int | None = None) -> list[Execution]:
    """The executions an execution started (subflows, ForEachItem batches, replays), oldest
    first; `limit`: the first that many."""
    with parts.db.read() as conn:
        return list_children(conn, execution_id, limit=limit)


def submit(parts: Parts, namespace: str, flow_id: str, inputs: dict[str, Any] | None = None,
           *, labels: dict[str, Any] | None = None, validate_inputs: bool = True,
           trigger: dict[str, Any] | None = None) -> Execution:
    """Create an execution of the latest revision of a flow. A FILE input takes a local
    `Path`, `bytes` or an `Upload` (common.storage.uploads), stored before the execution is
    committed (and removed if it is not), or a kestra:// URI kept as is. `trigger` is
    Kestra's ExecutionTrigger (`id`, `type`, `variables`), e.g. a webhook's body, headers
    and parameters. The flow's `checks` apply to an execution asked for by hand (no
    `trigger`), as Kestra evaluates them in its create-execution route:
    ExecutionBlockedError when they block it."""
    uploads = InputUploads(parts.storage) if parts.storage else None
    try:
        with parts.db.begin() as conn:
            flow, revision = deployed(parts, conn, namespace, flow_id)
            execution, outgoing = create_execution(
                conn, flow, revision, inputs, utcnow(), labels=labels, trigger=trigger,
                validate_inputs=validate_inputs, uploads=uploads, cipher=parts.cipher,
                input_services=parts.input_services, checks=trigger is None)
    except BaseException:
        if uploads:
            uploads.discard()
        raise
    parts.relay.publish_committed(outgoing)
    return execution


def input_form(parts: Parts, namespace: str, flow_id: str,
               provided: dict[str, Any] | None = None) -> tuple[Flow, list[InputPreview]]:
    """The latest revision of a flow and what a form asking for its inputs shows: each
    input enabled or not by its `dependsOn`, computed SELECT values, rendered defaults,
    and the problems of the values `provided` so far (None: a new form). Expressions render
    as `submit` renders them. NotFoundError when the flow is not deployed."""
    require_flow(parts, namespace, flow_id)
    with parts.db.read() as conn:
        flow, revision = deployed(parts, conn, namespace, flow_id)
    renderer = input_renderer(flow, revision, parts.input_services)
    return flow, preview_inputs(flow.inputs or [], provided, render_typed=renderer)


def wait(parts: Parts, execution_id: str, timeout: float | None = None,
         poll: float = 0.02) -> Execution:
    """Block until the execution is terminated (or paused); raises TimeoutError."""
    deadline = time.monotonic() + timeout if timeout else None
    while True:
        execution = get(parts, execution_id)
        if execution and (execution.state.is_terminated or execution.state is State.PAUSED):
            return execution
        if deadline and time.monotonic() > deadline:
            raise TimeoutError(f"execution {execution_id} still {execution.state.value}")
        time.sleep(poll)


def set_labels(parts: Parts, execution_id: str, labels: list[tuple[str, str]]) -> Execution:
    """Add or replace labels of a terminated execution (Kestra refuses running ones); a
    system label may be given only with the value it already has."""
    def change(current: dict[str, Any]) -> None:
        for key, value in labels:
            if key.startswith(SYSTEM_PREFIX) and current.get(key) != value:
                raise PodiumError(f"System labels can only be set by Podium itself, "
                                  f"offending label: {key}={value}")
            current[key] = value
    return _relabel(parts, execution_id, change)


def remove_labels(parts: Parts, execution_id: str, keys: list[str]) -> Execution:
    """Remove labels of a terminated execution (the UI's label editor); system labels
    stay (Podium's own)."""
    def change(current: dict[str, Any]) -> None:
        for key in keys:
            if key.startswith(SYSTEM_PREFIX):
                raise PodiumError(f"System labels can only be removed by Podium itself, "
                                  f"offending label: {key}")
            current.pop(key, None)
    return _relabel(parts, execution_id, change)


def _relabel(parts: Parts, execution_id: str,
             change: Callable[[dict[str, Any]], None]) -> Execution:
    with parts.db.begin() as conn:
        execution = lock_execution(conn, execution_id)
        if execution is None:
            raise NotFoundError(f"Execution '{execution_id}' not found")
        if not execution.state.is_terminated:
            raise PodiumError("The execution is not terminated")
        current = {str(label["key"]): label.get("value") for label in execution.labels}
        change(current)
        updated = execution.model_copy(update={"labels": [
            {"key": key, "value": value} for key, value in current.items()]})
        update_execution(conn, updated)
    return updated


def wait_moved(parts: Parts, execution: Execution, timeout: float = 10.0) -> Execution | None:
    """The execution once its state has moved on from `execution`'s (the executor applied
    a control message: a restart, a resume...), or None after `timeout` seconds. A page
    shown after the action then shows its effect, not the state before it."""
    seen = len(execution.history.histories)
    deadline = time.monotonic() + timeout
    while True:
        current = get(parts, execution.id)
        if current is not None and len(current.history.histories) > seen:
            return current
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.05)


def wait_created(parts: Parts, execution_id: str, timeout: float = 5.0) -> Execution | None:
    """The execution once the executor has created it (a replay's new id is known before
    it exists), or None after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while (created := get(parts, execution_id)) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return created


def files(parts: Parts, execution_id: str) -> list[StorageEntry]:
    """Every stored file of an execution (inputs, task outputs), sorted by URI."""
    execution = get(parts, execution_id)
    if execution is None:
        raise NotFoundError(f"execution {execution_id} not found")
    return storage_of(parts).list(execution_prefix(execution.namespace, execution.flow_id,
                                                   execution.id))


def open_file(parts: Parts, execution_id: str, uri: str) -> tuple[BinaryIO, str]:
    """One stored file of the execution (its inputs and task outputs only), opened, and
    its name; InvalidRequestError for a file of anything else."""
    execution = require(parts, execution_id)
    storage = storage_of(parts)
    key = key_of(uri)
    prefix = key_of(execution_prefix(execution.namespace, execution.flow_id, execution.id),
                    prefix=True)
    if not key.startswith(prefix.rstrip("/") + "/"):
        raise InvalidRequestError("Invalid prefix path: the file is not one of this "
                                  "execution's")
    return storage.get(uri), key.rsplit("/", 1)[-1]


def file_head(parts: Parts, execution_id: str, uri: str,
              limit: int) -> tuple[str, int, bytes]:
    """The first `limit` bytes of one stored file of the execution (as `open_file`
    checks), with its name and its size in bytes."""
    stream, name = open_file(parts, execution_id, uri)
    with stream:
        head = stream.read(limit)
    return name, storage_of(parts).size(uri), head


def require_running(parts: Parts, execution_id: str) -> Execution:
    """The execution, when it has not ended; ConflictError when it has."""
    execution = require(parts, execution_id)
    if execution.state.is_terminated:
        raise ConflictError(f"Execution '{execution_id}' is already finished "
                            f"({execution.state.value})")
    return execution


# The dashboard's ranges: how far back, and the width of one bar.
RANGES = {"24h": (timedelta(hours=24), 3600), "7d": (timedelta(days=7), 86400)}


def counts_by_state_over_time(parts: Parts, range_key: str = "24h",
                              now: datetime | None = None) -> list[tuple[datetime, dict[str, int]]]:
    """Executions created in the range, counted per state in each bucket (an hour for
    `24h`, a day for `7d`), oldest bucket first, empty buckets included. The database
    counts (GROUP BY); no execution is loaded."""
    if range_key not in RANGES:
        raise InvalidRequestError(f"Unknown range '{range_key}': use one of "
                                  f"{', '.join(RANGES)}")
    span, seconds = RANGES[range_key]
    now = now or utcnow()
    first = int((now - span).timestamp()) // seconds + 1
    last = int(now.timestamp()) // seconds
    starts = [datetime.fromtimestamp(n * seconds, timezone.utc) for n in range(first, last + 1)]
    with parts.db.read() as conn:
        rows = execution_stats.counts_by_state_over_time(conn, starts[0], seconds)
    buckets: dict[datetime, dict[str, int]] = {start: {} for start in starts}
    for start, state, count in rows:
        if start in buckets:
            buckets[start][state] = buckets[start].get(state, 0) + count
    return list(buckets.items())


def failures(parts: Parts, limit: int = 10) -> list[tuple[Execution, dict[str, Any] | None]]:
    """The newest FAILED executions, each with its first ERROR log line (None when it
    logged none): two bounded queries."""
    with parts.db.read() as conn:
        failed = list_executions(conn, states=[State.FAILED], limit=limit)
        errors = execution_stats.first_errors(conn, [e.id for e in failed])
    return [(execution, errors.get(execution.id)) for execution in failed]


def not_ended(parts: Parts, limit: int = 5) -> tuple[int, list[Execution]]:
    """How many executions have not ended, and the newest `limit` of them."""
    with parts.db.read() as conn:
        newest = list_executions(conn, states=execution_stats.NOT_ENDED, limit=limit)
        return execution_stats.count_not_ended(conn), newest
