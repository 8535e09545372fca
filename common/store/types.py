"""Column types shared by every table: UTC datetimes and portable JSON.

Datetimes go in and come out timezone-aware UTC on both backends. PostgreSQL stores
`timestamptz`; SQLite stores naive UTC text (`YYYY-MM-DD HH:MM:SS.ffffff`), which sorts
and compares correctly because every value is normalised to UTC first. Naive datetimes are
refused: a naive value is a bug upstream, not something to guess about.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.types import TypeDecorator

from podium.common.errors import PodiumError


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError(value)
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class NaiveDatetimeError(PodiumError, ValueError):
    def __init__(self, value: datetime) -> None:
        super().__init__(f"the store only accepts timezone-aware datetimes, got naive {value!r}")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# JSON that stores SQL NULL for None; PostgreSQL's `json`, never `jsonb`, which would sort
# an object's keys: outputs must read back in the task's own order on every backend
# (migration 0010).
JSONValue = JSON(none_as_null=True)
