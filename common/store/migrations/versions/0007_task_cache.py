"""task cache

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

Kestra's taskCache: a runnable task's outputs by (namespace, flow id, SHA-256 of its
rendered definition), written by the executor, read by workers (common/store/task_cache.py).
"""
from typing import Any, Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: Union[str, Sequence[str], None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "task_cache",
        sa.Column("namespace", sa.String(length=150), nullable=False),
        sa.Column("flow_id", sa.String(length=100), nullable=False),
        sa.Column("cache_key", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.String(length=255), nullable=False),
        sa.Column("outputs", _json(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("namespace", "flow_id", "cache_key", name=op.f("pk_task_cache")),
    )


def downgrade() -> None:
    op.drop_table("task_cache")
