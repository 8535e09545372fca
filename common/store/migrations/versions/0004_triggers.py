"""the scheduler's trigger state

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

One row per (namespace, flow_id, trigger_id) of a Schedule or ScheduleOnDates trigger: the
last scheduled date evaluated, the next one, the last execution created, whether the
trigger was disabled (stopAfter) and a backfill in progress.
"""
from typing import Any, Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "triggers",
        sa.Column("namespace", sa.String(length=150), nullable=False),
        sa.Column("flow_id", sa.String(length=100), nullable=False),
        sa.Column("trigger_id", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("last_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("execution_id", sa.String(length=64), nullable=True),
        sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("backfill", _json(), nullable=True),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("namespace", "flow_id", "trigger_id", name=op.f("pk_triggers")),
    )
    op.create_index(op.f("ix_triggers_next_date"), "triggers", ["next_date"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_triggers_next_date"), table_name="triggers")
    op.drop_table("triggers")
