"""The SQL store: SQLAlchemy Core over SQLite (embedded mode) or PostgreSQL (psycopg 3).

Every function takes a `Connection` inside a transaction the caller owns
(`Database.begin()`), and never commits. Datetimes are timezone-aware UTC in and out.
`upgrade(url)` migrates a database to the newest schema (Alembic, scripts in the package).
"""

from podium.common.store.admin import execution_counts, purge_executions, purge_logs
from podium.common.store.database import Database, normalize_url
from podium.common.store.debounce import (
    Burst,
    add_debounce_event,
    delete_burst,
    due_bursts,
    list_bursts,
    lock_burst,
    next_flush_at,
)
from podium.common.store.errors import NotFoundError, StoreError
from podium.common.store.executions import (
    bumped_execution,
    count_executions,
    get_execution,
    insert_execution,
    list_executions,
    lock_and_bump_execution,
    lock_and_bump_executions,
    lock_execution,
    lock_executions,
    running_ids,
    unbump_execution,
    update_execution,
)
from podium.common.store.flows import (
    FlowRevision,
    delete_flow,
    delete_revisions,
    flow_namespaces,
    flows_stamp,
    get_flow,
    list_flows,
    list_revisions,
    revisions_in_use,
    save_flow,
)
from podium.common.store.kv import (
    KVRow,
    clear_kv,
    delete_expired_kv,
    delete_kv,
    delete_kv_keys,
    get_kv,
    kv_namespaces,
    list_all_kv,
    list_kv,
    namespace_in_use,
    put_kv,
)
from podium.common.store.logs import LEVELS, LogEntry, LogRecord, append_logs, fetch_logs
from podium.common.store.migrate import (
    current_revision,
    ensure_schema,
    head_revision,
    schema_diff,
    shown_url,
    upgrade,
    upgrade_database,
)
from podium.common.store.outbox import (
    OutboxMessage,
    delete_messages,
    enqueue_messages,
    take_messages,
)
from podium.common.store.services import (
    ServiceInstance,
    beat,
    claim_silent_services,
    forget_dead_services,
    list_services,
    remove_service,
)
from podium.common.store.task_runs import (
    get_task_run,
    insert_task_runs,
    load_task_runs,
    load_task_runs_by_task,
    unfinished_attempts,
    update_task_runs,
)
from podium.common.store.timers import (
    Timer,
    add_timer,
    delete_timer,
    delete_timers,
    get_timer,
    list_timers,
    next_timer_at,
    take_due_timers,
)
from podium.common.store.triggers import (
    TriggerKey,
    TriggerState,
    delete_triggers,
    due_triggers,
    earliest_next_date,
    ensure_trigger,
    execution_state,
    get_trigger,
    list_triggers,
    lock_trigger,
    save_trigger,
    set_backfill,
    set_trigger_disabled,
    set_trigger_execution,
)
from podium.common.store.types import NaiveDatetimeError

__all__ = [
    "Database", "normalize_url", "upgrade", "upgrade_database", "current_revision", "head_revision",
    "ensure_schema", "shown_url", "schema_diff", "StoreError", "NotFoundError", "NaiveDatetimeError",
    "FlowRevision", "save_flow", "get_flow", "list_flows", "list_revisions", "delete_flow",
    "flow_namespaces", "delete_revisions", "revisions_in_use",
    "insert_execution", "get_execution", "lock_execution", "lock_executions",
    "lock_and_bump_executions", "bumped_execution", "unbump_execution", "update_execution",
    "list_executions", "running_ids", "unfinished_attempts", "count_executions", "lock_and_bump_execution",
    "insert_task_runs", "update_task_runs", "load_task_runs", "load_task_runs_by_task",
    "get_task_run",
    "LEVELS", "LogEntry", "LogRecord", "append_logs", "fetch_logs",
    "OutboxMessage", "enqueue_messages", "take_messages", "delete_messages",
    "Timer", "add_timer", "take_due_timers", "get_timer", "list_timers", "delete_timer",
    "delete_timers", "next_timer_at",
    "execution_counts", "purge_executions", "purge_logs",
    "KVRow", "get_kv", "put_kv", "delete_kv", "list_kv", "delete_expired_kv", "clear_kv",
    "list_all_kv", "delete_kv_keys", "kv_namespaces",
    "namespace_in_use", "flows_stamp",
    "TriggerKey", "TriggerState", "ensure_trigger", "get_trigger", "lock_trigger",
    "save_trigger", "list_triggers", "delete_triggers", "due_triggers", "earliest_next_date",
    "set_trigger_disabled", "set_backfill", "execution_state", "set_trigger_execution",
    "Burst", "add_debounce_event", "due_bursts", "lock_burst", "delete_burst", "list_bursts",
    "next_flush_at",
    "ServiceInstance", "beat", "claim_silent_services", "forget_dead_services", "list_services",
    "remove_service",
]
