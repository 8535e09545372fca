"""The namespace KV store's rows: one typed JSON value per (namespace, key).

Expiration is decided by the caller's clock (`now`): an entry whose `expires` is at or
before `now` is absent for every function here. Reads never delete (they may run in a read
transaction); `delete_expired_kv` removes a namespace's dead rows and `put_kv`'s callers
run it on each write, so expired keys do not pile up. The upsert is `INSERT ... ON CONFLICT
DO UPDATE ... RETURNING`, which SQLite (3.35+) and PostgreSQL both implement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, delete, exists, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from podium.common.errors import KVError
from podium.common.nul import nul_problem
from podium.common.store.schema import NAMESPACE, flows, kv_entries


@dataclass(frozen=True)
class KVRow:
    namespace: str
    key: str
    type: str
    value: Any
    created: datetime
    updated: datetime
    expires: datetime | None


def _live(now: datetime) -> ColumnElement[bool]:
    return or_(kv_entries.c.expires.is_(None), kv_entries.c.expires > now)


def _row(row: Any) -> KVRow:
    return KVRow(namespace=row.namespace, key=row.key, type=row.type, value=row.value,
                 created=row.created, updated=row.updated, expires=row.expires)


def get_kv(conn: Connection, namespace: str, key: str, now: datetime) -> KVRow | None:
    """The live entry, or None when it is missing or expired."""
    row = conn.execute(select(kv_entries).where(
        kv_entries.c.namespace == namespace, kv_entries.c.key == key, _live(now))).first()
    return _row(row) if row is not None else None


def put_kv(conn: Connection, namespace: str, key: str, type_: str, value: Any, *,
           now: datetime, expires: datetime | None = None, overwrite: bool = True) -> bool:
    """Write the entry. With `overwrite=False` a live entry is left alone and False is
    returned; an expired one is replaced (it no longer exists). True when written.
    A value holding a NUL character is refused (KVError) on every store, as PostgreSQL
    would refuse it."""
    if NAMESPACE.length is not None and len(namespace) > NAMESPACE.length:  # the column's width (a flow's namespace too)
        raise KVError(f"Invalid namespace '{namespace[:40]}...': longer than "
                      f"{NAMESPACE.length} characters")
    problem = nul_problem(value, f"Invalid value for key '{key}'")
    if problem:
        raise KVError(problem)
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(kv_entries).values(
        namespace=namespace, key=key, type=type_, value=value, created=now, updated=now,
        expires=expires)
    new = statement.excluded
    dead = and_(kv_entries.c.expires.is_not(None), kv_entries.c.expires <= now)
    statement = statement.on_conflict_do_update(
        index_elements=[kv_entries.c.namespace, kv_entries.c.key],
        set_={"type": new.type, "value": new.value, "updated": new.updated,
              "expires": new.expires,
              # An expired entry replaced is a new entry: it starts a new life.
              "created": case((dead, new.created), else_=kv_entries.c.created)},
        where=None if overwrite else dead)
    # RETURNING rather than rowcount, which psycopg does not report for an upsert.
    return conn.execute(statement.returning(kv_entries.c.key)).first() is not None


def delete_kv(conn: Connection, namespace: str, key: str, now: datetime) -> bool:
    """Remove the entry; True when a live one was there (an expired one is removed too,
    but it did not exist any more)."""
    deleted = conn.execute(delete(kv_entries).where(
        kv_entries.c.namespace == namespace, kv_entries.c.key == key
    ).returning(kv_entries.c.expires)).first()
    return deleted is not None and (deleted.expires is None or deleted.expires > now)


def list_kv(conn: Connection, namespace: str, now: datetime,
            prefix: str | None = None) -> list[KVRow]:
    """The live entries of the namespace in code-point order of their keys (the same on
    every backend, whatever PostgreSQL's collation); `prefix` is case-sensitive."""
    query = select(kv_entries).where(kv_entries.c.namespace == namespace, _live(now))
    if prefix:
        # substr rather than LIKE: LIKE ignores case on SQLite and treats `_` as a wildcard.
        query = query.where(func.substr(kv_entries.c.key, 1, len(prefix)) == prefix)
    return sorted((_row(row) for row in conn.execute(query)), key=lambda row: row.key)


def delete_expired_kv(conn: Connection, namespace: str, now: datetime) -> int:
    """Remove the namespace's expired entries; returns how many."""
    return conn.execute(delete(kv_entries).where(
        kv_entries.c.namespace == namespace, kv_entries.c.expires.is_not(None),
        kv_entries.c.expires <= now)).rowcount


def list_all_kv(conn: Connection, namespace: str) -> list[KVRow]:
    """Every entry of the namespace, expired ones included (what a purge looks at), in
    code-point order of their keys."""
    rows = conn.execute(select(kv_entries).where(kv_entries.c.namespace == namespace))
    return sorted((_row(row) for row in rows), key=lambda row: row.key)


def delete_kv_keys(conn: Connection, namespace: str, keys: list[str]) -> int:
    """Remove these keys of the namespace, expired or not; returns how many rows went."""
    if not keys:
        return 0
    return conn.execute(delete(kv_entries).where(
        kv_entries.c.namespace == namespace, kv_entries.c.key.in_(keys))).rowcount


def kv_namespaces(conn: Connection) -> list[str]:
    """The namespaces holding entries (expired ones count), sorted."""
    return sorted(conn.execute(select(kv_entries.c.namespace).distinct()).scalars())


def clear_kv(conn: Connection, namespace: str | None = None) -> int:
    """Remove every entry (of one namespace, or of all); for tests and resets."""
    statement = delete(kv_entries)
    if namespace is not None:
        statement = statement.where(kv_entries.c.namespace == namespace)
    return conn.execute(statement).rowcount


def namespace_in_use(conn: Connection, namespace: str, now: datetime) -> bool:
    """Kestra's test before reaching another namespace's store: some flow lives in the
    namespace or below it, or the namespace already holds live entries."""
    below = func.substr(flows.c.namespace, 1, len(namespace) + 1) == namespace + "."
    has_flow = exists().where(or_(flows.c.namespace == namespace, below),
                              flows.c.deleted.is_(False))
    has_entry = exists().where(kv_entries.c.namespace == namespace, _live(now))
    return bool(conn.execute(select(or_(has_flow, has_entry))).scalar())
