"""Whether an error says a dependency is unavailable, rather than that the work is wrong.

A handler that raised because PostgreSQL restarted, or its connection was terminated, or
the pool had no connection to give, would succeed later unchanged: its message must be
retried for as long as such an outage plausibly lasts, not dead-lettered after a few
quick failures like a message that breaks its handler (common/transport/base.py
`next_delivery`).
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import exc as sa_exc

try:  # psycopg raises these itself where SQLAlchemy does not wrap them (connect, pool)
    from psycopg import OperationalError as _PsycopgOperational
except ImportError:  # pragma: no cover - SQLite-only installs
    _PsycopgOperational = ()  # type: ignore[assignment,misc]

# Connection refused or lost, server shutting down or starting, statement or lock
# timeout, serialization failure, deadlock (SQLAlchemy's and the drivers' OperationalError),
# and no pooled connection free in time.
_OUTAGES = (sa_exc.OperationalError, sa_exc.TimeoutError, _PsycopgOperational)
# SQLite's OperationalError also says "no such table" or "syntax error": bugs, not outages.
_SQLITE_OUTAGES = ("locked", "busy", "unable to open", "disk i/o")


def is_outage(error: BaseException) -> bool:
    """True if `error`, or an error it was raised from, says the store was unreachable
    or transiently unable to serve."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sqlite3.OperationalError):
            return any(words in str(current).lower() for words in _SQLITE_OUTAGES)
        if isinstance(current, _OUTAGES) and not _sqlite_bug(current):
            return True
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        current = current.__cause__ or current.__context__
    return False


def _sqlite_bug(error: BaseException) -> bool:
    """SQLAlchemy's OperationalError around a SQLite error that is not an outage."""
    original = getattr(error, "orig", None)
    return isinstance(original, sqlite3.OperationalError) and not is_outage(original)
