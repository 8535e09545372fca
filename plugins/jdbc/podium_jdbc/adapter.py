"""How one database's Python DB-API 2 driver is used by the JDBC tasks (podium_jdbc.base)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar

from podium.sdk import RunContext
from podium_jdbc.convert import cell
from podium_jdbc.url import JdbcUrl


class FetchType(str, Enum):
    FETCH = "FETCH"          # outputs `rows` and `size`
    FETCH_ONE = "FETCH_ONE"  # outputs `row` and `size`
    STORE = "STORE"          # an ION file in internal storage: `uri` and `size`
    NONE = "NONE"            # no output


@dataclass(frozen=True)
class Target:
    """Everything needed to open a connection: the parsed URL, the rendered credentials
    (the task's `username`/`password` win over the URL's) and the task's own options
    (e.g. PostgreSQL's `sslMode`), rendered."""

    url: JdbcUrl
    username: str | None = None
    password: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


class Adapter(ABC):
    """One database's DB-API 2 driver, as the JDBC tasks use it.

    ``placeholder`` is the positional marker of the driver's paramstyle (``?`` for qmark,
    ``%s`` for format/pyformat: then ``escape_percent`` doubles literal ``%``).
    ``embedded`` drivers run in the worker's process (SQLite, DuckDB): they may write the
    task's `outputFiles`. ``errors`` are the driver's exception classes that become a task
    failure with the driver's message (anything else is a bug and keeps its traceback).
    """

    scheme: ClassVar[str] = ""              # e.g. "jdbc:postgresql", checked on `url`
    placeholder: ClassVar[str] = "?"
    escape_percent: ClassVar[bool] = False
    embedded: ClassVar[bool] = False
    supports_transactions: ClassVar[bool] = True

    @property
    @abstractmethod
    def errors(self) -> tuple[type[BaseException], ...]: ...

    @abstractmethod
    def connect(self, target: Target, ctx: RunContext) -> Any:
        """A new DB-API connection (closed by the caller)."""

    def cancel(self, connection: Any) -> None:
        """Stop the statement running on `connection`, called from another thread when the
        task is killed or times out (podium_jdbc.cancel); a driver without a way to do so
        keeps this no-op and the statement runs to its end."""
        return None

    def execute(self, cursor: Any, sql: str, params: list[Any] | None, size: int,
                stream: bool) -> tuple[bool, Iterator[Sequence[Any]]]:
        """Run one statement: whether it returned a result set, and its rows, read `size`
        at a time. `stream` (STORE) asks for rows not held in memory all at once, which a
        driver whose cursor buffers the whole result can do here another way."""
        if params is None:
            cursor.execute(sql)
        else:
            cursor.execute(sql, params)
        if cursor.description is None:
            return False, iter(())
        return True, _batches(cursor, size)

    def set_autocommit(self, connection: Any, enabled: bool) -> None:
        connection.autocommit = enabled

    def convert(self, value: Any, type_code: Any, zone: Any) -> Any:
        """A fetched value as Kestra's cell converter gives it (convert.cell's table).
        `type_code` is the column's `cursor.description[i][1]`."""
        return cell(value, zone)

    def error_message(self, error: BaseException) -> str:
        return str(error).strip() or type(error).__name__


def _batches(cursor: Any, size: int) -> Iterator[Sequence[Any]]:
    while batch := cursor.fetchmany(size):
        yield from batch
