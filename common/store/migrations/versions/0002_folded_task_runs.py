"""folded task runs and loop values: the executor's working set stays small

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

A task run of a finished loop iteration is `folded`: its loop has counted it, and the
executor no longer loads it on every message (a partial index serves the live ones).
A loop's values live in `loop_values`, in chunks, instead of in the loop's task run.
"""
from typing import Any, Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ID = sa.String(length=64)


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("task_runs") as batch:
        batch.add_column(sa.Column("folded", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_index("ix_task_runs_live", "task_runs", ["execution_id", "seq"],
                    postgresql_where=sa.text("NOT folded"), sqlite_where=sa.text("NOT folded"))
    op.create_table(
        "loop_values",
        sa.Column("task_run_id", ID, nullable=False),
        sa.Column("chunk", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("execution_id", ID, nullable=False),
        sa.Column("values", _json(), nullable=False),
        sa.ForeignKeyConstraint(["execution_id"], ["executions.id"], ondelete="CASCADE",
                                name=op.f("fk_loop_values_execution_id_executions")),
        sa.PrimaryKeyConstraint("task_run_id", "chunk", name=op.f("pk_loop_values")),
    )
    op.create_index(op.f("ix_loop_values_execution_id"), "loop_values", ["execution_id"])


def downgrade() -> None:
    op.drop_table("loop_values")
    op.drop_index("ix_task_runs_live", table_name="task_runs")
    with op.batch_alter_table("task_runs") as batch:
        batch.drop_column("folded")
