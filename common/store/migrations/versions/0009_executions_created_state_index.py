"""executions: index (created, state) in place of (created)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

The UI's dashboard counts executions per state and time bucket over a range of `created`;
with `state` in the index PostgreSQL answers it from the index alone (no heap read per
execution). The index still leads with `created`, so the executions list (newest first)
and the time filters use it as they used ix_executions_created.
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0009"
down_revision: Union[str, Sequence[str], None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index("ix_executions_created_state", "executions", ["created", "state"])
    op.drop_index("ix_executions_created", table_name="executions")


def downgrade() -> None:
    op.create_index("ix_executions_created", "executions", ["created"])
    op.drop_index("ix_executions_created_state", table_name="executions")
