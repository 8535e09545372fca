"""Engines and transactions.

`Database(url)` builds the engine for SQLite or PostgreSQL (psycopg 3). `begin()` yields a
Connection inside a transaction that commits on exit and rolls back on error; every store
function takes such a Connection and never commits itself.

SQLite: WAL journal, foreign keys on, a busy timeout, and `BEGIN IMMEDIATE` for every write
transaction, so two handlers that both read-then-write serialise on the write lock up front
instead of deadlocking when the second one upgrades its read lock. `read()` gives a plain
deferred (SQLite) / read-only (PostgreSQL) transaction for readers that never write.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from podium.common.store.errors import StoreError

_READ_ONLY = "podium_read_only"


def normalize_url(url: str) -> str:
    """`postgresql://` and `postgres://` mean psycopg 3; anything else passes through."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Database:
    def __init__(self, url: str, *, busy_timeout: float = 30.0, pool_size: int = 10,
                 echo: bool = False, statement_timeout: float | None = None,
                 pre_ping: bool = False, synchronous_commit: bool = True) -> None:
        """`statement_timeout` (seconds, PostgreSQL): a statement, and a connection
        attempt, that takes longer fails instead of blocking its caller. `pre_ping`: test
        each pooled connection before use (a round trip), for callers off the hot path
        that must not fail once after a database restart (the heartbeat).
        `synchronous_commit=False` (PostgreSQL): commits do not wait for the disk flush
        (settings.database.synchronous_commit says what that risks)."""
        self.url = normalize_url(url)
        parsed = make_url(self.url)
        backend = parsed.get_backend_name()
        if backend == "sqlite":
            self.engine = _sqlite_engine(self.url, busy_timeout, echo)
        elif backend == "postgresql":
            if parsed.get_driver_name() != "psycopg":
                raise StoreError(f"PostgreSQL URLs must use psycopg 3 "
                                 f"(postgresql+psycopg://...), got {parsed.drivername}")
            self.engine = create_engine(self.url, pool_size=pool_size, max_overflow=pool_size,
                                        pool_pre_ping=pre_ping, pool_recycle=600, echo=echo,
                                        connect_args=_pg_connect_args(statement_timeout,
                                                                       synchronous_commit))
            # No pre-ping by default: it costs a round trip on every checkout of the hot
            # path. After a database restart the first statement on a stale connection
            # fails and invalidates the whole pool (every older connection is replaced at
            # its next checkout); the failed handler is retried (common/outage.py).
        else:
            raise StoreError(f"unsupported database URL {parsed.render_as_string()!r}: "
                             f"use sqlite:///path or postgresql+psycopg://...")

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A write transaction: commit on normal exit, rollback on exception."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A transaction for readers: takes no write lock on SQLite, READ ONLY on PostgreSQL."""
        with self.engine.connect() as conn:
            conn.execution_options(**{_READ_ONLY: True})
            with conn.begin():
                if not self.is_sqlite:
                    conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                yield conn

    def dispose(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.dispose()


def execute_rows(conn: Connection, statement: Any, rows: list[dict[str, Any]]) -> Any:
    """Run `statement` for each of `rows`: one row as a plain execute, several as an
    executemany. An executemany of one row pays for the batch machinery (a pipeline on
    psycopg) for nothing, and the executor writes one row per table with most events."""
    return conn.execute(statement, rows[0] if len(rows) == 1 else rows)


def _pg_connect_args(statement_timeout: float | None, synchronous_commit: bool) -> dict[str, Any]:
    args: dict[str, Any] = {}
    options = []
    if statement_timeout is not None:
        args["connect_timeout"] = max(1, round(statement_timeout))
        options.append(f"-c statement_timeout={int(statement_timeout * 1000)}")
    if not synchronous_commit:
        options.append("-c synchronous_commit=off")
    if options:
        args["options"] = " ".join(options)
    return args


def _sqlite_engine(url: str, busy_timeout: float, echo: bool) -> Engine:
    parsed = make_url(url)
    memory = parsed.database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {
        # isolation_level=None: pysqlite must not issue its own BEGINs; we emit them below.
        "connect_args": {"check_same_thread": False, "timeout": busy_timeout,
                         "isolation_level": None},
        "echo": echo,
    }
    if memory:  # one shared connection, or every connection sees an empty database
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        read_only = conn.get_execution_options().get(_READ_ONLY)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine
