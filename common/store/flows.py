"""Flows and their revisions.

Every save that changes the source adds revision n+1 and keeps all earlier ones; saving the
same source as the latest live revision returns that revision untouched. A delete is a soft
delete: a new revision row with deleted=true (carrying the last source), so history stays
and numbering continues when the flow is created again. "Identical" means the same source
text, byte for byte: a comment or whitespace change is a new revision, as in Kestra, whose
revisions are what the user wrote.

The store keeps source text only; parsing it back into a Flow is the caller's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    text,
    update,
)

from podium.common.models.state import TERMINATED
from podium.common.store.schema import executions, flow_changes, flows
from podium.common.store.types import utcnow

if TYPE_CHECKING:
    from podium.common.flow.loader import LoadedFlow


@dataclass(frozen=True)
class FlowRevision:
    namespace: str
    id: str
    revision: int
    source: str
    deleted: bool
    created: bool = False  # True when this call wrote the row
    saved_at: datetime | None = None


def save_flow(conn: Connection, loaded: "LoadedFlow") -> FlowRevision:
    """Store `loaded` as the newest revision of its flow, unless the source is unchanged."""
    namespace, flow_id = loaded.flow.namespace, loaded.flow.id
    _lock_flow(conn, namespace, flow_id)
    latest = _latest_row(conn, namespace, flow_id)
    if latest is not None and not latest.deleted and latest.source == loaded.source:
        return _revision(latest)
    number = latest.revision + 1 if latest is not None else 1
    return _insert(conn, namespace, flow_id, number, loaded.source, deleted=False)


def delete_flow(conn: Connection, namespace: str, flow_id: str) -> FlowRevision | None:
    """Soft-delete the flow: a new deleted revision. None if there is no live flow."""
    _lock_flow(conn, namespace, flow_id)
    latest = _latest_row(conn, namespace, flow_id)
    if latest is None or latest.deleted:
        return None
    return _insert(conn, namespace, flow_id, latest.revision + 1, latest.source, deleted=True)


def get_flow(conn: Connection, namespace: str, flow_id: str,
             revision: int | None = None) -> FlowRevision | None:
    """The latest revision if the flow is live; or exactly `revision`, deleted or not."""
    if revision is None:
        row = _latest_row(conn, namespace, flow_id)
        return _revision(row) if row is not None and not row.deleted else None
    row = conn.execute(_REVISION, {"b_namespace": namespace, "b_flow_id": flow_id,
                                   "b_revision": revision}).first()
    return _revision(row) if row is not None else None


def list_flows(conn: Connection, namespace_prefix: str | None = None) -> list[FlowRevision]:
    """The latest revision of every live flow, ordered by namespace then id.
    `namespace_prefix` matches the namespace itself and its sub-namespaces (`a` matches
    `a` and `a.b`, not `ab`)."""
    latest = select(flows.c.namespace, flows.c.flow_id,
                    func.max(flows.c.revision).label("revision")) \
        .group_by(flows.c.namespace, flows.c.flow_id)
    if namespace_prefix:
        latest = latest.where(_namespace_under(namespace_prefix))
    latest_sq = latest.subquery()
    query = select(flows).join(latest_sq, and_(
        flows.c.namespace == latest_sq.c.namespace, flows.c.flow_id == latest_sq.c.flow_id,
        flows.c.revision == latest_sq.c.revision,
    )).where(flows.c.deleted.is_(False)).order_by(flows.c.namespace, flows.c.flow_id)
    return [_revision(row) for row in conn.execute(query)]


def flow_namespaces(conn: Connection, *, with_deleted: bool = False) -> list[str]:
    """The namespaces of the live flows, sorted (Kestra's findDistinctNamespace); with
    `with_deleted`, of every flow ever saved (whose executions may have left files)."""
    if with_deleted:
        return sorted(conn.execute(select(flows.c.namespace).distinct()).scalars())
    return sorted({flow.namespace for flow in list_flows(conn)})


def flows_stamp(conn: Connection) -> tuple[Any, ...]:
    """Changes whenever any flow is saved or deleted: a "did flows change?" probe that
    reads one row, however many revisions are kept."""
    return (conn.execute(_STAMP).scalar_one(),)


# Built once: the executor probes at every execution's start and end.
_STAMP = select(flow_changes.c.changes).where(flow_changes.c.id == 1)
_LOCK_CHANGES = _STAMP.with_for_update()
_COUNT_CHANGE = update(flow_changes).where(flow_changes.c.id == 1) \
    .values(changes=flow_changes.c.changes + 1)


def list_revisions(conn: Connection, namespace: str, flow_id: str) -> list[FlowRevision]:
    """Every revision row, oldest first, including the deleted markers."""
    rows = conn.execute(select(flows).where(
        flows.c.namespace == namespace, flows.c.flow_id == flow_id).order_by(flows.c.revision))
    return [_revision(row) for row in rows]


def revisions_in_use(conn: Connection, namespace: str, flow_id: str) -> set[int]:
    """Revisions of the flow that executions not ended yet run (they need their source)."""
    rows = conn.execute(select(executions.c.flow_revision).distinct().where(
        executions.c.namespace == namespace, executions.c.flow_id == flow_id,
        executions.c.state.not_in([state.value for state in TERMINATED])))
    return set(rows.scalars())


def delete_revisions(conn: Connection, namespace: str, flow_id: str,
                     revisions: list[int]) -> int:
    """Remove these revision rows of the flow; returns how many went."""
    if not revisions:
        return 0
    conn.execute(_LOCK_CHANGES)  # first, as `_lock_flow`
    deleted = conn.execute(flows.delete().where(
        flows.c.namespace == namespace, flows.c.flow_id == flow_id,
        flows.c.revision.in_(revisions))).rowcount
    if deleted:
        conn.execute(_COUNT_CHANGE)
    return deleted


def _namespace_under(prefix: str) -> ColumnElement[bool]:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(flows.c.namespace == prefix,
               flows.c.namespace.like(escaped + ".%", escape="\\"))


def _lock_flow(conn: Connection, namespace: str, flow_id: str) -> None:
    """Serialise concurrent saves of one flow. SQLite: the IMMEDIATE transaction already
    does; PostgreSQL: a transaction-scoped advisory lock on the flow's key. The change
    count's row is locked first: held to the commit, it is the first lock every flow write
    takes, so a transaction saving several flows never waits in a cycle with one saving
    another of them. The count moves only when a row is written (`_insert`): saving a flow
    unchanged leaves the executors' and schedulers' caches of the flows as they are."""
    conn.execute(_LOCK_CHANGES)
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                     {"key": f"podium.flow:{namespace}/{flow_id}"})


# Built once: every submission reads the latest revision, and building a statement costs
# more Python than running a cached one (a third of a submission's CPU).
_OF_FLOW = (flows.c.namespace == bindparam("b_namespace"),
            flows.c.flow_id == bindparam("b_flow_id"))
_LATEST = select(flows).where(*_OF_FLOW).order_by(flows.c.revision.desc()).limit(1)
_REVISION = select(flows).where(*_OF_FLOW, flows.c.revision == bindparam("b_revision"))


def _latest_row(conn: Connection, namespace: str, flow_id: str) -> Row[Any] | None:
    return conn.execute(_LATEST, {"b_namespace": namespace, "b_flow_id": flow_id}).first()


def _insert(conn: Connection, namespace: str, flow_id: str, number: int, source: str, *,
            deleted: bool) -> FlowRevision:
    saved_at = utcnow()
    conn.execute(_COUNT_CHANGE)
    conn.execute(insert(flows).values(namespace=namespace, flow_id=flow_id, revision=number,
                                      source=source, deleted=deleted, saved_at=saved_at))
    return FlowRevision(namespace, flow_id, number, source, deleted, created=True,
                        saved_at=saved_at)


def _revision(row: Row[Any]) -> FlowRevision:
    return FlowRevision(row.namespace, row.flow_id, row.revision, row.source, row.deleted,
                        created=False, saved_at=row.saved_at)
