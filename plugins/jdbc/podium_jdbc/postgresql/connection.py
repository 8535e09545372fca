"""PostgreSQL through psycopg 3: the adapter and the connection properties every
`io.kestra.plugin.jdbc.postgresql` task has (Kestra's PostgresConnectionInterface).

JDBC driver properties given in the URL (`?sslmode=require&currentSchema=x`) are mapped to
libpq's; the `ssl*` task properties win over them. PEM contents (`sslRootCert`, `sslCert`,
`sslKey`) are written to files in the attempt's working directory, as Kestra does, since
libpq reads files.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar

from podium.sdk import RunContext, TaskFailure
from podium_jdbc.adapter import Adapter, Target
from podium_jdbc.base import JdbcConnection

# psycopg is imported by the functions that connect, not here: the executor and the
# scheduler load this module for the task classes alone.

# JDBC property (pgJDBC's name) -> libpq keyword.
_URL_PARAMS = {
    "sslmode": "sslmode", "sslrootcert": "sslrootcert", "sslcert": "sslcert",
    "sslkey": "sslkey", "sslpassword": "sslpassword", "connecttimeout": "connect_timeout",
    "logintimeout": "connect_timeout", "applicationname": "application_name",
    "options": "options", "targetservertype": "target_session_attrs",
}
_TARGET_SESSION = {"any": "any", "primary": "primary", "master": "primary",
                   "secondary": "standby", "slave": "standby",
                   "prefersecondary": "prefer-standby", "preferprimary": "any"}


# A statement that returns rows: SELECT, WITH ..., VALUES, TABLE (after comments, "(").
_QUERY = re.compile(r"\s*(?:(?:--[^\n]*(?:\n|$)|/\*.*?\*/)\s*)*\(*\s*(select|with|values|table)\b",
                    re.IGNORECASE | re.DOTALL)


class SslMode(str, Enum):
    DISABLE = "DISABLE"
    ALLOW = "ALLOW"
    PREFER = "PREFER"
    REQUIRE = "REQUIRE"
    VERIFY_CA = "VERIFY_CA"
    VERIFY_FULL = "VERIFY_FULL"


class PostgresAdapter(Adapter):
    scheme: ClassVar[str] = "jdbc:postgresql"
    placeholder: ClassVar[str] = "%s"
    escape_percent: ClassVar[bool] = True

    @property
    def errors(self) -> tuple[type[BaseException], ...]:
        import psycopg

        return (psycopg.Error,)

    def connect(self, target: Target, ctx: RunContext) -> Any:
        import psycopg

        return psycopg.connect(**connect_kwargs(target))

    def execute(self, cursor: Any, sql: str, params: list[Any] | None, size: int,
                stream: bool) -> tuple[bool, Iterator[Sequence[Any]]]:
        # psycopg's cursor holds a whole result; for STORE, a query is streamed instead
        # (`size` rows a round trip). Other statements cannot be: stream() needs a result.
        if stream and _QUERY.match(sql):
            return True, _streamed(cursor, sql, params, size)
        return super().execute(cursor, sql, params, size, stream)

    def cancel(self, connection: Any) -> None:
        # cancel_safe (psycopg 3.2+) does not block the watcher on a dead server.
        getattr(connection, "cancel_safe", connection.cancel)()


def _streamed(cursor: Any, sql: str, params: list[Any] | None, size: int
              ) -> Iterator[Sequence[Any]]:
    import psycopg

    try:
        yield from cursor.stream(sql, params, size=size)
    except psycopg.ProgrammingError as exc:
        if "didn't produce a result" not in str(exc):  # e.g. WITH ... INSERT (no RETURNING)
            raise


def connect_kwargs(target: Target) -> dict[str, Any]:
    """psycopg.connect() keywords for a parsed URL and the task's options."""
    url = target.url
    kwargs: dict[str, Any] = {"host": url.host or "localhost", "port": url.port or 5432}
    if url.database:
        kwargs["dbname"] = url.database
    if target.username:
        kwargs["user"] = target.username
    if target.password is not None:
        kwargs["password"] = target.password
    for name, value in url.params.items():
        key = _URL_PARAMS.get(name.lower())
        if key == "target_session_attrs":
            value = _TARGET_SESSION.get(value.lower(), value)
        if name.lower() == "currentschema":
            kwargs["options"] = f"-c search_path={value}"
        elif name.lower() == "ssl" and value.lower() == "true":
            kwargs.setdefault("sslmode", "require")
        elif key:
            kwargs[key] = value
    kwargs.update(target.options)
    return kwargs


class PostgresConnection(JdbcConnection):
    """`url` (jdbc:postgresql://host:port/db), credentials and Kestra's `ssl*` options."""

    ADAPTER: ClassVar[Adapter] = PostgresAdapter()

    ssl: bool = False
    ssl_mode: SslMode | None = None
    ssl_root_cert: str | None = None   # PEM contents, not a path
    ssl_cert: str | None = None        # PEM contents
    ssl_key: str | None = None         # PEM contents (encrypted: give sslKeyPassword)
    ssl_key_password: str | None = None

    def connection_options(self, ctx: RunContext) -> dict[str, Any]:
        options: dict[str, Any] = {}
        if self.ssl:
            options["sslmode"] = "require"
        if self.ssl_mode is not None:
            options["sslmode"] = self.ssl_mode.value.lower().replace("_", "-")
        for field, key in (("ssl_root_cert", "sslrootcert"), ("ssl_cert", "sslcert"),
                           ("ssl_key", "sslkey")):
            pem = getattr(self, field)
            if pem is not None:
                options[key] = str(_pem_file(ctx, ctx.render(pem), field))
        if self.ssl_key_password is not None:
            options["sslpassword"] = ctx.render(self.ssl_key_password)
        return options


def _pem_file(ctx: RunContext, pem: str, field: str) -> Path:
    name = "".join(part.capitalize() if i else part for i, part in enumerate(field.split("_")))
    if "-----BEGIN" not in pem:
        raise TaskFailure(f"`{name}` must be the PEM contents (-----BEGIN ...), not a path")
    path = ctx.working_dir / f"{name}.pem"
    path.write_text(pem if pem.endswith("\n") else pem + "\n", encoding="utf-8")
    path.chmod(0o600)  # libpq refuses a private key others can read
    return path
