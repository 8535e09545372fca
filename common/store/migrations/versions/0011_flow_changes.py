"""flow_changes: one row counting the writes of the flows table

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

The executor asks "did flows change?" at every execution's start and end (the Flow-trigger
listeners), the scheduler at every round. The answer was `max(saved_at), count(*)` over
every revision kept, which grows with them. A counter moved by every save, delete and purge
in the same transaction answers it in one row.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: Union[str, Sequence[str], None] = "0010"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    table = op.create_table(
        "flow_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("changes", sa.BigInteger(), nullable=False),
    )
    op.bulk_insert(table, [{"id": 1, "changes": 0}])


def downgrade() -> None:
    op.drop_table("flow_changes")
