"""The deployment's service processes (their heartbeat rows) and the store's health."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from podium.application.parts import Parts
from podium.common.heartbeat import new_instance
from podium.common.observability.metrics import QueueDepth
from podium.common.settings import WorkerSettings
from podium.common.store import (
    Database,
    get_execution,
    get_task_run,
    list_services,
    unfinished_attempts,
)
from podium.common.store.outbox import count_messages
from podium.common.store.services import KINDS, LIVE_STATES, ServiceInstance
from podium.common.store.types import utcnow
from podium.common.transport.memory import InProcessTransport

SERVICE_KINDS = KINDS
# A live row whose heartbeat is older than the heartbeat timeout: the process ended
# without a clean stop (or froze), and no executor declared it DEAD yet.
SILENT = "SILENT"
SILENT_AFTER_SECONDS = WorkerSettings.model_fields["heartbeat_timeout_seconds"].default
# A worker runs as many attempts as its concurrency; a page lists this many of them.
MAX_RUNNING_SHOWN = 50
# When this module was loaded: the start of the services an embedded process runs.
_STARTED = utcnow()


def services(parts: Parts | Database, kind: str | None = None, include_dead: bool = False,
             silent_after: float = SILENT_AFTER_SECONDS,
             now: datetime | None = None) -> list[ServiceInstance]:
    """Live services (RUNNING or DRAINING) by kind then start, each with only the attempts
    it still runs; `include_dead` adds those that ended: declared DEAD lately, or SILENT
    (no heartbeat for `silent_after` seconds, not yet declared dead: no executor ran
    since), with no attempt listed (theirs were resubmitted, or will be)."""
    database = parts if isinstance(parts, Database) else parts.db
    now = now or utcnow()
    with database.read() as conn:
        rows = list_services(conn, kind=kind, include_dead=True)
        running = unfinished_attempts(conn, [str(attempt.get("task_run_id"))
                                             for row in rows for attempt in row.running])
    shown = []
    for row in rows:
        if row.state in LIVE_STATES and (now - row.heartbeat_at).total_seconds() > silent_after:
            row = row.but(state=SILENT)
        if row.state in LIVE_STATES:
            shown.append(row.but(running=[a for a in row.running if _still_runs(a, running)]))
        elif include_dead:
            shown.append(row.but(running=[]))
    return shown


def _still_runs(attempt: dict[str, Any], running: dict[str, int]) -> bool:
    """The heartbeat row lists what the worker ran at its last beat: this attempt is the
    task run's current one and the task run has not ended since."""
    attempts = running.get(str(attempt.get("task_run_id")))
    return attempts is not None and int(attempt.get("attempt") or 0) >= attempts


def check_store(parts: Parts) -> None:
    """Raises when the store does not answer a trivial query."""
    with parts.db.read() as conn:
        conn.exec_driver_sql("SELECT 1")


@dataclass(frozen=True)
class RunningTask:
    """An attempt a worker runs, with what names it for a person."""
    execution_id: str
    task_run_id: str
    attempt: int
    namespace: str | None = None  # None: the execution is gone (e.g. purged meanwhile)
    flow_id: str | None = None
    task_id: str | None = None
    value: str | None = None


def running_tasks(parts: Parts, attempts: list[dict[str, Any]],
                  limit: int = MAX_RUNNING_SHOWN) -> list[RunningTask]:
    """The first `limit` attempts of a heartbeat row (`ServiceInstance.running`) with
    their execution's flow and their task run's task, in one read: one row each (a page
    asks each second, and a loop's execution may hold thousands of task runs)."""
    executions: dict[str, Any] = {}
    found = []
    with parts.db.read() as conn:
        for attempt in attempts[:limit]:
            execution_id = str(attempt.get("execution_id"))
            known = RunningTask(execution_id, str(attempt.get("task_run_id")),
                                int(attempt.get("attempt") or 0))
            if execution_id not in executions:
                executions[execution_id] = get_execution(conn, execution_id)
            execution = executions[execution_id]
            run = get_task_run(conn, known.task_run_id) if execution is not None else None
            found.append(known if execution is None else replace(
                known, namespace=execution.namespace, flow_id=execution.flow_id,
                task_id=run.task_id if run else None, value=run.value if run else None))
    return found


def in_process(parts: Parts) -> list[ServiceInstance]:
    """The services this process runs itself without a heartbeat row (an embedded
    runtime: `podium server local`, tests), described as rows would describe them: a
    worker with the attempts it runs now. Empty for a process that runs none."""
    now = utcnow()
    found = []
    for kind in ("executor", "worker", "scheduler"):
        service = getattr(parts, kind, None)
        if service is None:
            continue
        running = service.running_attempts() if kind == "worker" else []
        instance = new_instance(kind, {"inProcess": True}, now=_STARTED)
        name = getattr(service, "worker_id", None) or f"{instance.hostname}:{instance.pid}"
        found.append(instance.but(id=f"{kind}@{name}", heartbeat_at=now, running=running))
    return found


@dataclass(frozen=True)
class ServiceView:
    """A service as a page shows it: its row, what it runs now (a worker), how long ago
    it beat, and whether this process runs it itself (no heartbeat row)."""
    instance: ServiceInstance
    running: list[RunningTask]
    heartbeat_age: float  # seconds
    in_process: bool


def overview(parts: Parts, include_dead: bool = False) -> list[ServiceView]:
    """The heartbeat rows (`services`), then the services this process runs itself
    (`in_process`), each worker's attempts named (`running_tasks`)."""
    now = utcnow()
    local = in_process(parts)
    return [ServiceView(instance, running_tasks(parts, instance.running),
                        max(0.0, (now - instance.heartbeat_at).total_seconds()),
                        instance in local)
            for instance in [*services(parts, include_dead=include_dead), *local]]
def outbox_backlog(parts: Parts) -> int:
    """Messages committed to the store's outbox and not yet published (or not yet
    cleaned up): what piles up first when the broker is slow or down."""
    with parts.db.read() as conn:
        return count_messages(conn)


def queue_depths(parts: Parts) -> dict[str, int] | None:
    """Messages waiting per transport queue, when the transport can tell cheaply: the
    in-process one counts its queues; the Redis broker (Celery) is read as the executor's
    `podium_queue_depth` metric reads it. None when unknown or unreachable."""
    transport = getattr(parts, "transport", None)
    if isinstance(transport, InProcessTransport):
        return transport.busy()
    app = getattr(transport, "app", None)
    url = getattr(getattr(app, "conf", None), "broker_url", None) or ""
    if not str(url).startswith(("redis://", "rediss://")):
        return None
    return _redis_depths(str(url), app.conf.broker_transport_options.get("global_keyprefix", ""))


def _redis_depths(url: str, prefix: str) -> dict[str, int] | None:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        return QueueDepth(client, prefix).depths()
    except redis.RedisError:
        return None  # shown as unavailable; the page must not fail on the broker
    finally:
        client.close()
