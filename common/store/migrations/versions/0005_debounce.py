"""debounce buffers

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-10

One row per open or due burst of a debounced trigger (common/debounce.py): its events, its
deterministic execution id and when the scheduler flushes it.
"""
from typing import Any, Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "debounce_buffers",
        sa.Column("namespace", sa.String(length=150), nullable=False),
        sa.Column("flow_id", sa.String(length=100), nullable=False),
        sa.Column("trigger_id", sa.String(length=255), nullable=False),
        sa.Column("burst_key", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("execution_id", sa.String(length=64), nullable=False),
        sa.Column("trigger", _json(), nullable=False),
        sa.Column("events", _json(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("inputs", _json(), nullable=True),
        sa.Column("labels", _json(), nullable=True),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("flush_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("namespace", "flow_id", "trigger_id", "burst_key", "seq",
                                name=op.f("pk_debounce_buffers")),
    )
    op.create_index(op.f("ix_debounce_buffers_flush_at"), "debounce_buffers", ["flush_at"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_debounce_buffers_flush_at"), table_name="debounce_buffers")
    op.drop_table("debounce_buffers")
