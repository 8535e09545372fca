"""SQLite through the standard library's sqlite3: the adapter and what every
`io.kestra.plugin.jdbc.sqlite` type has (Kestra's SqliteQueryInterface).

The database is the file of `url` (`jdbc:sqlite:/data/app.db`; `jdbc:sqlite:` and
`jdbc:sqlite::memory:` are in memory). As in Kestra, a relative file that exists in the
attempt's working directory is that one, else it is relative to the process's directory.
With `sqliteFile` (a kestra:// file) or `outputDbFile: true` the database is a file of the
working directory: `sqliteFile` is downloaded there under the URL's file name (a temporary
name for an in-memory URL), and `outputDbFile` uploads it afterwards as `databaseUri`.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any, ClassVar

from pydantic import PrivateAttr

from podium.sdk import RunContext, TaskFailure
from podium_jdbc.adapter import Adapter, Target
from podium_jdbc.base import JdbcConnection
from podium_jdbc.url import JdbcUrlError, parse_jdbc_url


class SqliteAdapter(Adapter):
    scheme: ClassVar[str] = "jdbc:sqlite"
    placeholder: ClassVar[str] = "?"
    embedded: ClassVar[bool] = True

    @property
    def errors(self) -> tuple[type[BaseException], ...]:
        return (sqlite3.Error,)

    def connect(self, target: Target, ctx: RunContext) -> Any:
        database = target.options.get("database") or ":memory:"
        # isolation_level None: sqlite3 starts no transaction of its own; set_autocommit
        # opens one explicitly when the task wants one (afterSQL, Queries).
        return sqlite3.connect(database, isolation_level=None, check_same_thread=False)

    def set_autocommit(self, connection: Any, enabled: bool) -> None:
        if not enabled:
            connection.execute("BEGIN")

    def cancel(self, connection: Any) -> None:
        connection.interrupt()  # safe from another thread: the statement stops at once


def _in_memory(path: str) -> bool:
    text = path.strip().lower()
    return text in ("", ":memory:") or text.startswith("file::memory:") or \
        (text.startswith("file:") and "mode=memory" in text)


class SqliteConnection(JdbcConnection):
    """`url` (jdbc:sqlite:<file>), `sqliteFile` and `outputDbFile`."""

    ADAPTER: ClassVar[Adapter] = SqliteAdapter()

    url: str = "jdbc:sqlite:"
    sqlite_file: str | None = None
    output_db_file: bool = False
    _database: str | None = PrivateAttr(None)

    def connection_options(self, ctx: RunContext) -> dict[str, Any]:
        return {"database": self._database} if self._database else {}

    def run(self, ctx: RunContext) -> dict[str, Any]:
        database = self._prepare(ctx)
        outputs = super().run(ctx)  # type: ignore[misc]  # JdbcQuery / JdbcQueries
        if self.output_db_file and database is not None:
            if not database.exists():
                database.touch()  # nothing was written: still an (empty) database file
            outputs["databaseUri"] = ctx.put_file(database, database.name)
        return outputs

    def _prepare(self, ctx: RunContext) -> Path | None:
        """Choose the database file (Kestra's rules, see the module); None: as the URL."""
        try:
            path = parse_jdbc_url(ctx.render(self.url), self.ADAPTER.scheme).path
        except JdbcUrlError as exc:
            raise TaskFailure(str(exc)) from None
        workdir = ctx.working_dir
        source = ctx.render(self.sqlite_file) if self.sqlite_file else None
        if source or self.output_db_file:
            name = f"{uuid.uuid4().hex}.sqlite" if _in_memory(path) else Path(path).name
            database = workdir / name
            if source:
                ctx.download(source, database)
            self._database = str(database)
            return database
        if not _in_memory(path) and (workdir / path).exists():
            self._database = str(workdir / path)
        else:
            self._database = None if _in_memory(path) else path
        return None
