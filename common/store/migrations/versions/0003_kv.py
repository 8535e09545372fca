"""the namespace KV store

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

One row per (namespace, key): the value as JSON with its Kestra type (STRING, NUMBER,
BOOLEAN, DATETIME, DATE, DURATION, JSON) and an optional expiration date from the TTL.
The state store (`state.Set/Get/Delete`) lives here too, under reserved keys.
"""
from typing import Any, Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "kv_entries",
        sa.Column("namespace", sa.String(length=150), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("value", _json(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("namespace", "key", name=op.f("pk_kv_entries")),
    )


def downgrade() -> None:
    op.drop_table("kv_entries")
