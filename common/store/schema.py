"""The tables of the SQL store (SQLAlchemy Core). The Alembic migrations in
`common/store/migrations/versions/` must build exactly this metadata; a contract test
checks that autogenerate finds no difference.

Every timestamp column is UTC (`UTCDateTime`); every JSON column is `json` on PostgreSQL
(never `jsonb`, which would sort an object's keys).
Rows that change often (executions, task runs) carry `updated` and `version`: `version`
goes up by one on every write of that row, so "which rows did this event touch" is
observable.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    false,
    text,
)

from podium.common.store.types import JSONValue, UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

ID = String(64)
NAMESPACE = String(150)
FLOW_ID = String(100)
TASK_ID = String(255)
STATE = String(16)
# Autoincrement ids: BIGINT on PostgreSQL, INTEGER PRIMARY KEY (the rowid) on SQLite.
SERIAL = BigInteger().with_variant(Integer(), "sqlite")

# One row per revision. A delete is a row too (deleted=true, source of the last revision).
flows = Table(
    "flows", metadata,
    Column("namespace", NAMESPACE, primary_key=True),
    Column("flow_id", FLOW_ID, primary_key=True),
    Column("revision", Integer, primary_key=True, autoincrement=False),
    Column("source", Text, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("saved_at", UTCDateTime, nullable=False),
)

# One row (id 1): how many times the flows table was written. Readers ask "did flows change?"
# in one lookup (`flows_stamp`), whatever the number of revisions kept.
flow_changes = Table(
    "flow_changes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("changes", BigInteger, nullable=False),
)

executions = Table(
    "executions", metadata,
    Column("id", ID, primary_key=True),
    Column("namespace", NAMESPACE, nullable=False),
    Column("flow_id", FLOW_ID, nullable=False),
    Column("flow_revision", Integer, nullable=False),
    Column("state", STATE, nullable=False),
    Column("created", UTCDateTime, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Column("history", JSONValue, nullable=False),
    Column("inputs", JSONValue, nullable=False),
    Column("outputs", JSONValue, nullable=True),
    Column("labels", JSONValue, nullable=False),
    Column("variables", JSONValue, nullable=True),
    Column("trigger", JSONValue, nullable=True),
    Column("parent_id", ID, nullable=True),
    Column("original_id", ID, nullable=True),
    Column("attempt_number", Integer, nullable=False),
    Column("original_created_date", UTCDateTime, nullable=True),
    Column("schedule_date", UTCDateTime, nullable=True),
    Column("error", Text, nullable=True),
    Column("engine", JSONValue, nullable=True),  # common/models/engine_state.py
    Index(None, "namespace", "flow_id", "state"),
    Index(None, "state"),
    # (created, state): the dashboard's counts per state and time read the index alone.
    Index(None, "created", "state"),
    Index(None, "parent_id"),
)

# Labels again, one row each, so label filters are plain indexed joins on both backends.
execution_labels = Table(
    "execution_labels", metadata,
    Column("execution_id", ID, ForeignKey("executions.id", ondelete="CASCADE"),
           primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("value", Text, nullable=False),
    Index(None, "key", "value"),
)

task_runs = Table(
    "task_runs", metadata,
    Column("id", ID, primary_key=True),
    Column("execution_id", ID, ForeignKey("executions.id", ondelete="CASCADE"),
           nullable=False),
    Column("task_id", TASK_ID, nullable=False),
    Column("parent_task_run_id", ID, nullable=True),
    Column("value", Text, nullable=True),
    Column("iteration", Integer, nullable=True),
    Column("state", STATE, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Column("history", JSONValue, nullable=False),
    Column("attempts", JSONValue, nullable=False),
    Column("outputs", JSONValue, nullable=True),
    Column("flowable", JSONValue, nullable=False),
    # Counted by its loop and left out of the executor's working set (executor/engine/loops.py).
    Column("folded", Boolean, nullable=False, server_default=false()),
    Index(None, "execution_id", "seq"),
    Index(None, "execution_id", "task_id"),
    # What the executor loads on every message: the runs not folded yet, a handful even when
    # the execution holds 100,000 runs.
    Index("ix_task_runs_live", "execution_id", "seq", postgresql_where=text("NOT folded"),
          sqlite_where=text("NOT folded")),
)

# The values of a loop, rendered once when it starts, in chunks, so the loop's task run
# stays small and the executor reads only the next window of values.
loop_values = Table(
    "loop_values", metadata,
    Column("task_run_id", ID, primary_key=True),
    Column("chunk", Integer, primary_key=True, autoincrement=False),
    Column("execution_id", ID, ForeignKey("executions.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("values", JSONValue, nullable=False),
)

# No foreign key: workers append logs out of band and logs outlive nothing else.
logs = Table(
    "logs", metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    Column("execution_id", ID, nullable=False),
    Column("task_run_id", ID, nullable=True),
    Column("task_id", TASK_ID, nullable=True),
    Column("attempt", Integer, nullable=True),
    Column("level", String(8), nullable=False),
    Column("level_no", SmallInteger, nullable=False),
    Column("message", Text, nullable=False),
    Column("timestamp", UTCDateTime, nullable=False),
    Column("namespace", NAMESPACE, nullable=True),
    Column("flow_id", FLOW_ID, nullable=True),
    Index(None, "execution_id", "id"),
)

outbox = Table(
    "outbox", metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    Column("queue", String(255), nullable=False),
    Column("payload", JSONValue, nullable=False),
    Column("created", UTCDateTime, nullable=False),
)

timers = Table(
    "timers", metadata,
    Column("id", ID, primary_key=True),
    Column("execution_id", ID, ForeignKey("executions.id", ondelete="CASCADE"),
           nullable=False),
    Column("kind", String(64), nullable=False),
    Column("fire_at", UTCDateTime, nullable=False),
    Column("payload", JSONValue, nullable=False),
    Column("created", UTCDateTime, nullable=False),
    Index(None, "fire_at"),
    Index(None, "execution_id", "kind"),
)

# The namespace KV store (Kestra's `_kv`): one typed JSON value per (namespace, key). An
# entry whose `expires` has passed reads as absent; a write in the namespace removes it.
kv_entries = Table(
    "kv_entries", metadata,
    Column("namespace", NAMESPACE, primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("type", String(16), nullable=False),
    Column("value", JSONValue, nullable=True),
    Column("created", UTCDateTime, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
    Column("expires", UTCDateTime, nullable=True),
)

# The scheduler's state of each Schedule / ScheduleOnDates trigger (scheduler/). A scheduler
# replica advances a row under its lock, in the transaction that inserts the execution.
triggers = Table(
    "triggers", metadata,
    Column("namespace", NAMESPACE, primary_key=True),
    Column("flow_id", FLOW_ID, primary_key=True),
    Column("trigger_id", TASK_ID, primary_key=True),
    Column("fingerprint", String(64), nullable=False),  # of the trigger's definition
    Column("last_date", UTCDateTime, nullable=True),  # the last scheduled date evaluated
    Column("next_date", UTCDateTime, nullable=True),  # the next date to evaluate; None: none
    Column("execution_id", ID, nullable=True),  # the last execution it created
    Column("disabled", Boolean, nullable=False, server_default=false()),  # e.g. by stopAfter
    Column("backfill", JSONValue, nullable=True),
    Column("updated", UTCDateTime, nullable=False),
    Index(None, "next_date"),
)

# Debounce (common/debounce.py): the events of one burst of a trigger, folded into one
# execution (id `execution_id`, fixed when the burst opens) when the scheduler flushes it.
# `seq` numbers the bursts of one (trigger, key); appenders extend only the newest, open one.
debounce_buffers = Table(
    "debounce_buffers", metadata,
    Column("namespace", NAMESPACE, primary_key=True),
    Column("flow_id", FLOW_ID, primary_key=True),
    Column("trigger_id", TASK_ID, primary_key=True),
    Column("burst_key", String(64), primary_key=True),  # sha256 of the rendered key
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("key", Text, nullable=False),  # the rendered key
    Column("execution_id", ID, nullable=False),
    Column("trigger", JSONValue, nullable=False),  # {id, type} of the execution's trigger
    Column("events", JSONValue, nullable=False),  # a list, oldest first
    Column("size", Integer, nullable=False),
    Column("inputs", JSONValue, nullable=True),  # of the execution (the latest event's)
    Column("labels", JSONValue, nullable=True),
    Column("first_at", UTCDateTime, nullable=False),
    Column("last_at", UTCDateTime, nullable=False),
    Column("flush_at", UTCDateTime, nullable=False),  # when the burst fires
    Index(None, "flush_at"),
)

# One row per running service process (executor, worker, scheduler, webserver), refreshed
# by its heartbeat (common/heartbeat.py). A worker's row also lists the attempts it runs,
# so an executor can resubmit them when the worker falls silent (common/store/services.py).
service_instances = Table(
    "service_instances", metadata,
    Column("id", ID, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("hostname", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("version", String(32), nullable=False),
    Column("state", String(16), nullable=False),  # RUNNING, DRAINING, DEAD
    Column("started_at", UTCDateTime, nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
    Column("info", JSONValue, nullable=False),  # queues, concurrency, management port
    Column("running", JSONValue, nullable=False),  # a worker's attempts in flight
    Index(None, "kind", "heartbeat_at"),
)

# Kestra's taskCache: a runnable task's outputs by the SHA-256 of its rendered definition
# (common/task_cache.py), per flow. Written by the executor only; read by workers.
task_cache = Table(
    "task_cache", metadata,
    Column("namespace", NAMESPACE, primary_key=True),
    Column("flow_id", FLOW_ID, primary_key=True),
    Column("cache_key", String(64), primary_key=True),
    Column("task_id", TASK_ID, nullable=False),
    Column("outputs", JSONValue, nullable=True),
    Column("created", UTCDateTime, nullable=False),
)

ALL_TABLES = (flows, executions, execution_labels, task_runs, loop_values, logs, outbox, timers,
              kv_entries, triggers, debounce_buffers, service_instances, task_cache)
