"""JSON columns: PostgreSQL `json` in place of `jsonb`

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

`jsonb` stores an object's keys sorted (shorter keys first), so task outputs, inputs and
variables read back from PostgreSQL in another order than the task gave them, and than the
embedded SQLite store (text) keeps. `json` keeps the text as written. Nothing queries inside
these columns, so no operator or index depends on `jsonb`. Rows written before keep the
order `jsonb` gave them. SQLite stores JSON as text already: nothing to do there.
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0010"
down_revision: Union[str, Sequence[str], None] = "0009"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

JSON_COLUMNS = {
    "executions": ("history", "inputs", "outputs", "labels", "variables", "trigger", "engine"),
    "task_runs": ("history", "attempts", "outputs", "flowable"),
    "loop_values": ("values",),
    "outbox": ("payload",),
    "timers": ("payload",),
    "kv_entries": ("value",),
    "triggers": ("backfill",),
    "debounce_buffers": ("trigger", "events", "inputs", "labels"),
    "service_instances": ("info", "running"),
    "task_cache": ("outputs",),
}


def _retype(to: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in JSON_COLUMNS.items():
        changes = ", ".join(f'ALTER COLUMN "{column}" TYPE {to} USING "{column}"::{to}'
                            for column in columns)
        op.execute(f'ALTER TABLE "{table}" {changes}')


def upgrade() -> None:
    _retype("json")


def downgrade() -> None:
    _retype("jsonb")
