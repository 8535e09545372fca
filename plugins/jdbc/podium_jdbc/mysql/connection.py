"""MySQL and MariaDB through PyMySQL: the adapter and what every
`io.kestra.plugin.jdbc.mysql` / `mariadb` type has (Kestra's MySqlConnectionInterface).

`url` is `jdbc:mysql://host:3306/db` (or `jdbc:mariadb://...`); credentials come from
`username`/`password`, else from the URL (`user:pw@host` or `?user=&password=`). TIME
columns become times of day (Kestra's LocalTime), not durations. `LOAD DATA LOCAL INFILE`
is allowed only for a Query with an `inputFile` (Kestra also allows it only for the
worker's working directory): that file is downloaded as `{{ inputFile }}`.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any, ClassVar

from pydantic import PrivateAttr

from podium.sdk import RunContext
from podium_jdbc.adapter import Adapter, Target
from podium_jdbc.base import JdbcConnection
from podium_jdbc.convert import cell

# PyMySQL is imported by the functions that connect, not here: the executor and the
# scheduler load this module for the task classes alone. So the cursor class, which
# subclasses PyMySQL's, is made on the first connection.

_TIME = 11  # pymysql.constants.FIELD_TYPE.TIME: the MySQL protocol's number of TIME


@functools.cache
def _streaming_cursor() -> type:
    import pymysql

    class _StreamingCursor(pymysql.cursors.SSCursor):
        """An unbuffered cursor whose close does not fail once its connection is closed (a
        killed statement's cursor is collected after the connection went away)."""

        def close(self) -> None:
            try:
                super().close()
            except (AttributeError, pymysql.err.Error):
                result = getattr(self, "_result", None)
                if result is not None:
                    result.unbuffered_active = False  # nothing left to read: socket gone
                self._result = None

        __del__ = close  # SSCursor binds its own close as __del__

    return _StreamingCursor


class MysqlAdapter(Adapter):
    scheme: ClassVar[str] = "jdbc:mysql"
    placeholder: ClassVar[str] = "%s"
    escape_percent: ClassVar[bool] = True

    @property
    def errors(self) -> tuple[type[BaseException], ...]:
        import pymysql

        return (pymysql.err.MySQLError,)

    def connect(self, target: Target, ctx: RunContext) -> Any:
        import pymysql

        url = target.url
        return pymysql.connect(
            host=url.host or "localhost", port=url.port or 3306, user=target.username,
            password=target.password or "", database=url.database or None,
            charset="utf8mb4", local_infile=bool(target.options.get("local_infile")),
            # Rows stream from the server (Kestra's cursor fetch): a STORE of a large table
            # never sits in the worker's memory whole.
            cursorclass=_streaming_cursor(),
            connect_timeout=int(url.params.get("connectTimeout", 10_000)) // 1000 or 10)

    def set_autocommit(self, connection: Any, enabled: bool) -> None:
        connection.autocommit(enabled)  # PyMySQL: a method, not DB-API's attribute

    def cancel(self, connection: Any) -> None:
        import pymysql

        # The server stops a statement when another session asks it to (KILL QUERY).
        with pymysql.connect(host=connection.host, port=connection.port, user=connection.user,
                             password=connection.password, connect_timeout=5) as other, \
                other.cursor() as cursor:
            cursor.execute(f"KILL QUERY {int(connection.thread_id())}")

    def convert(self, value: Any, type_code: Any, zone: Any) -> Any:
        if type_code == _TIME and isinstance(value, dt.timedelta):
            return (dt.datetime.min + value).time() if dt.timedelta(0) <= value < \
                dt.timedelta(days=1) else str(value)
        return cell(value, zone)

    def error_message(self, error: BaseException) -> str:
        args = getattr(error, "args", ())
        if len(args) == 2 and isinstance(args[1], str):  # (code, message)
            return f"({args[0]}) {args[1]}"
        return super().error_message(error)


class MariaDbAdapter(MysqlAdapter):
    scheme: ClassVar[str] = "jdbc:mariadb"


class MysqlConnection(JdbcConnection):
    """`url` (jdbc:mysql://host:port/db), `username`, `password`."""

    ADAPTER: ClassVar[Adapter] = MysqlAdapter()


class MariaDbConnection(JdbcConnection):
    """`url` (jdbc:mariadb://host:port/db), `username`, `password`."""

    ADAPTER: ClassVar[Adapter] = MariaDbAdapter()


class InputFile(JdbcConnection):
    """Kestra's `inputFile` of the MySQL and MariaDB Query: a kestra:// file downloaded to
    the working directory as `inputFile`, its path `{{ inputFile }}` in the SQL."""

    input_file: str | None = None
    _local: Path | None = PrivateAttr(None)

    def connection_options(self, ctx: RunContext) -> dict[str, Any]:
        return {"local_infile": self._local is not None}

    def render_variables(self, ctx: RunContext) -> dict[str, Any]:
        return {"inputFile": str(ctx.working_dir / "inputFile")}

    def run(self, ctx: RunContext) -> dict[str, Any]:
        if self.input_file:
            self._local = ctx.working_dir / "inputFile"
            ctx.download(ctx.render(self.input_file), self._local)
        return super().run(ctx)  # type: ignore[misc, no-any-return]  # JdbcQuery
