"""execution engine state out of the user's variables

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

The executor's bookkeeping (chain of flows, subflow link, pending final state, SLA
violations, retry and request ids) moves from `executions.variables`, where it sat beside
the user's `vars` under camelCase keys, to its own `engine` column in the shape of
common/models/engine_state.py. Existing rows are converted; the key table below is a
frozen copy (a migration must not change when the model does).
"""
from typing import Any, Callable, Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: Union[str, Sequence[str], None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_KEYS = {"callChain": "call_chain", "subflow": "subflow",
         "pendingFinalState": "pending_final_state", "slaViolations": "sla_violations",
         "retriedAs": "retried_as", "killRequest": "kill_request",
         "resumeRequest": "resume_request"}
_LINK_KEYS = {"taskRunId": "task_run_id", "wait": "wait", "iteration": "iteration",
              "outputs": "outputs"}


# (user variables, engine state) of one execution.
Pair = tuple[dict[str, Any], dict[str, Any]]


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql")


def _table() -> sa.TableClause:
    return sa.table("executions", sa.column("id", sa.String()),
                    sa.column("variables", _json()), sa.column("engine", _json()))


def upgrade() -> None:
    with op.batch_alter_table("executions") as batch:
        batch.add_column(sa.Column("engine", _json(), nullable=True))
    _rewrite(_split)


def downgrade() -> None:
    _rewrite(_merge)
    with op.batch_alter_table("executions") as batch:
        batch.drop_column("engine")


def _rewrite(convert: Callable[[dict[str, Any], dict[str, Any]], Pair]) -> None:
    """Every execution with variables or engine state, through `convert`."""
    conn, executions = op.get_bind(), _table()
    rows = conn.execute(sa.select(executions).where(
        sa.or_(executions.c.variables.is_not(None), executions.c.engine.is_not(None)))).all()
    for row in rows:
        variables, engine = convert(row.variables or {}, row.engine or {})
        if (variables, engine) != (row.variables or {}, row.engine or {}):
            conn.execute(sa.update(executions).where(executions.c.id == row.id).values(
                variables=variables or None, engine=engine or None))


def _split(variables: dict[str, Any], engine: dict[str, Any]) -> Pair:
    kept = {k: v for k, v in variables.items() if k not in _KEYS}
    moved = {_KEYS[k]: v for k, v in variables.items() if k in _KEYS}
    if isinstance(moved.get("subflow"), dict):
        moved["subflow"] = {_LINK_KEYS[k]: v for k, v in moved["subflow"].items()
                            if k in _LINK_KEYS}
    return kept, {**moved, **engine}


def _merge(variables: dict[str, Any], engine: dict[str, Any]) -> Pair:
    back = {v: k for k, v in _KEYS.items()}
    moved = {back[k]: v for k, v in engine.items() if k in back}
    if isinstance(moved.get("subflow"), dict):
        link_back = {v: k for k, v in _LINK_KEYS.items()}
        moved["subflow"] = {link_back[k]: v for k, v in moved["subflow"].items()
                            if k in link_back and v is not None}
    return {**variables, **moved}, {}
