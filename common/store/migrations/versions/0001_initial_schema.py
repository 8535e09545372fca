"""initial schema: flows (revisions), executions, labels, task runs, logs, outbox, timers

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Frozen: later changes go in new revisions, never here. Types are spelled out rather than
imported from `common.store.types` so this script keeps building the same tables.
"""
from typing import Any, Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ID = sa.String(length=64)
NAMESPACE = sa.String(length=150)
FLOW_ID = sa.String(length=100)
TASK_ID = sa.String(length=255)
STATE = sa.String(length=16)
SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql")


def _fk_execution(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["execution_id"], ["executions.id"], ondelete="CASCADE",
                                   name=op.f(f"fk_{table}_execution_id_executions"))


def upgrade() -> None:
    op.create_table(
        "flows",
        sa.Column("namespace", NAMESPACE, nullable=False),
        sa.Column("flow_id", FLOW_ID, nullable=False),
        sa.Column("revision", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("saved_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("namespace", "flow_id", "revision", name=op.f("pk_flows")),
    )

    op.create_table(
        "executions",
        sa.Column("id", ID, nullable=False),
        sa.Column("namespace", NAMESPACE, nullable=False),
        sa.Column("flow_id", FLOW_ID, nullable=False),
        sa.Column("flow_revision", sa.Integer(), nullable=False),
        sa.Column("state", STATE, nullable=False),
        sa.Column("created", _utc(), nullable=False),
        sa.Column("updated", _utc(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("history", _json(), nullable=False),
        sa.Column("inputs", _json(), nullable=False),
        sa.Column("outputs", _json(), nullable=True),
        sa.Column("labels", _json(), nullable=False),
        sa.Column("variables", _json(), nullable=True),
        sa.Column("trigger", _json(), nullable=True),
        sa.Column("parent_id", ID, nullable=True),
        sa.Column("original_id", ID, nullable=True),
        sa.Column("attempt_number", sa.Integer(), nullable=False),
        sa.Column("original_created_date", _utc(), nullable=True),
        sa.Column("schedule_date", _utc(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_executions")),
    )
    op.create_index(op.f("ix_executions_namespace_flow_id_state"), "executions",
                    ["namespace", "flow_id", "state"])
    op.create_index(op.f("ix_executions_state"), "executions", ["state"])
    op.create_index(op.f("ix_executions_created"), "executions", ["created"])
    op.create_index(op.f("ix_executions_parent_id"), "executions", ["parent_id"])

    op.create_table(
        "execution_labels",
        sa.Column("execution_id", ID, nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        _fk_execution("execution_labels"),
        sa.PrimaryKeyConstraint("execution_id", "key", name=op.f("pk_execution_labels")),
    )
    op.create_index(op.f("ix_execution_labels_key_value"), "execution_labels", ["key", "value"])

    op.create_table(
        "task_runs",
        sa.Column("id", ID, nullable=False),
        sa.Column("execution_id", ID, nullable=False),
        sa.Column("task_id", TASK_ID, nullable=False),
        sa.Column("parent_task_run_id", ID, nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("iteration", sa.Integer(), nullable=True),
        sa.Column("state", STATE, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("updated", _utc(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("history", _json(), nullable=False),
        sa.Column("attempts", _json(), nullable=False),
        sa.Column("outputs", _json(), nullable=True),
        sa.Column("flowable", _json(), nullable=False),
        _fk_execution("task_runs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_runs")),
    )
    op.create_index(op.f("ix_task_runs_execution_id_seq"), "task_runs", ["execution_id", "seq"])
    op.create_index(op.f("ix_task_runs_execution_id_task_id"), "task_runs",
                    ["execution_id", "task_id"])

    op.create_table(
        "logs",
        sa.Column("id", SERIAL, autoincrement=True, nullable=False),
        sa.Column("execution_id", ID, nullable=False),
        sa.Column("task_run_id", ID, nullable=True),
        sa.Column("task_id", TASK_ID, nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("level_no", sa.SmallInteger(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("timestamp", _utc(), nullable=False),
        sa.Column("namespace", NAMESPACE, nullable=True),
        sa.Column("flow_id", FLOW_ID, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_logs")),
    )
    op.create_index(op.f("ix_logs_execution_id_id"), "logs", ["execution_id", "id"])

    op.create_table(
        "outbox",
        sa.Column("id", SERIAL, autoincrement=True, nullable=False),
        sa.Column("queue", sa.String(length=255), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("created", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )

    op.create_table(
        "timers",
        sa.Column("id", ID, nullable=False),
        sa.Column("execution_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("fire_at", _utc(), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("created", _utc(), nullable=False),
        _fk_execution("timers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timers")),
    )
    op.create_index(op.f("ix_timers_fire_at"), "timers", ["fire_at"])
    op.create_index(op.f("ix_timers_execution_id_kind"), "timers", ["execution_id", "kind"])


def downgrade() -> None:
    for table in ("timers", "outbox", "logs", "task_runs", "execution_labels", "executions",
                  "flows"):
        op.drop_table(table)
