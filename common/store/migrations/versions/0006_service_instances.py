"""service instances

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

One row per running service process, refreshed by its heartbeat; a worker's row lists the
attempts it is running (common/store/services.py).
"""
from typing import Any, Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "service_instances",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("info", _json(), nullable=False),
        sa.Column("running", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_instances")),
    )
    op.create_index(op.f("ix_service_instances_kind_heartbeat_at"), "service_instances",
                    ["kind", "heartbeat_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_service_instances_kind_heartbeat_at"), table_name="service_instances")
    op.drop_table("service_instances")
