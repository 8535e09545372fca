"""The shared base of every JDBC-like task (Kestra's AbstractJdbcBaseQuery family).

A database is an ``Adapter`` (podium_jdbc.adapter): how its Python DB-API 2 driver
connects, which placeholder its paramstyle uses, how its values become Kestra's. A task type is then a few lines::

    class Query(JdbcQuery):
        TYPE: ClassVar[str] = "io.kestra.plugin.jdbc.sqlite.Query"
        ADAPTER: ClassVar[Adapter] = SqliteAdapter()

The fields are Kestra's (`url`, `username`, `password`, `sql`, `parameters`, `fetchType`,
`fetchSize`, `afterSQL`, `timeZoneId`, `outputFiles`; the deprecated `fetch`, `fetchOne`,
`store` booleans, still read by Kestra, win over `fetchType` in that order). Running a
statement and shaping its outputs is in ``podium_jdbc.execute``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, ClassVar

from pydantic import Field

from podium.sdk import Expr, RunContext, Task, TaskFailure
from podium_jdbc.adapter import Adapter, FetchType, Target
from podium_jdbc.cancel import cancelled_on_kill
from podium_jdbc.execute import run_queries, run_query
from podium_jdbc.url import JdbcUrl, JdbcUrlError, parse_jdbc_url


class JdbcConnection(Task):
    """Connection properties of every JDBC task (Kestra's JdbcConnectionInterface)."""

    ADAPTER: ClassVar[Adapter]

    url: str
    username: str | None = None
    password: str | None = None

    def connection_options(self, ctx: RunContext) -> dict[str, Any]:
        """The rendered database-specific connection properties (none here)."""
        return {}

    def target(self, ctx: RunContext) -> Target:
        try:
            url = parse_jdbc_url(ctx.render(self.url), self.ADAPTER.scheme or None)
        except JdbcUrlError as exc:
            raise TaskFailure(str(exc)) from None
        username = ctx.render(self.username) if self.username is not None else url.user
        password = ctx.render(self.password) if self.password is not None else url.password
        return Target(url, username or None, password, self.connection_options(ctx))

    @contextlib.contextmanager
    def connect(self, ctx: RunContext) -> Iterator[Any]:
        """An open connection, closed at the end, its statement cancelled if the task is
        killed or times out meanwhile (podium_jdbc.cancel). Driver errors raised inside
        `driver_errors` become TaskFailure."""
        target = self.target(ctx)
        with self.driver_errors("connect to " + _where(target.url)):
            connection = self.ADAPTER.connect(target, ctx)
        try:
            with cancelled_on_kill(ctx, lambda: self.ADAPTER.cancel(connection)):
                yield connection
        finally:
            with contextlib.suppress(Exception):
                connection.close()

    @contextlib.contextmanager
    def driver_errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except self.ADAPTER.errors as exc:
            raise TaskFailure(f"Unable to {doing}: {self.ADAPTER.error_message(exc)}") from None


def _where(url: JdbcUrl) -> str:
    if url.host:
        return f"{url.host}:{url.port}" if url.port else url.host
    return url.path or url.database or url.driver


class AbstractJdbcQuery(JdbcConnection):
    """The query properties Query and Queries share (Kestra's AbstractJdbcBaseQuery)."""

    sql: str
    time_zone_id: str | None = None
    # Kestra pools connections per URL; a Podium attempt opens its own and closes it, so
    # both are read (flows keep validating) and have no effect.
    connection_pooling: bool = True
    connection_pool_size: int = 10
    after_sql: str | None = Field(None, alias="afterSQL")
    fetch_type: FetchType = FetchType.NONE
    fetch_size: int = 10000
    parameters: dict[str, Any] | Expr | None = None
    output_files: list[str] | Expr | None = None
    # Deprecated in Kestra 0.19 and still read, before `fetchType`.
    fetch: bool = False
    fetch_one: bool = False
    store: bool = False
    # Removed from Kestra (each statement commits unless in a transaction); older flows set it.
    auto_commit: bool | None = None

    # ---- hooks for a database's own tasks (e.g. DuckDB's `inputFiles`)
    def render_variables(self, ctx: RunContext) -> dict[str, Any]:
        """Variables added when `sql` and `afterSQL` are rendered (Kestra's additionalVars,
        e.g. DuckDB's `workingDir`); `outputFiles` is added by the base."""
        return {}

    def before_execute(self, ctx: RunContext, connection: Any) -> None:
        """Called once connected, before the first statement (Kestra's beforeExecute)."""
        return None

    def effective_fetch_type(self) -> FetchType:
        if self.fetch:
            return FetchType.FETCH
        if self.fetch_one:
            return FetchType.FETCH_ONE
        if self.store:
            return FetchType.STORE
        return self.fetch_type

    def rendered_parameters(self, ctx: RunContext) -> dict[str, Any] | None:
        """`parameters` rendered (None when the task has none: the SQL is sent as it is)."""
        if self.parameters is None:
            return None
        value = ctx.render_typed(self.parameters) if isinstance(self.parameters, str) \
            else ctx.render_value(self.parameters)
        if not isinstance(value, dict):
            raise TaskFailure(f"`parameters` must be a map of names to values, "
                              f"got {type(value).__name__}")
        return value


class JdbcQuery(AbstractJdbcQuery):
    """Runs one SQL statement (Kestra's AbstractJdbcQuery); see podium_jdbc.execute."""

    def run(self, ctx: RunContext) -> dict[str, Any]:
        return run_query(self, ctx)


class JdbcQueries(AbstractJdbcQuery):
    """Runs several `;`-separated statements, by default in one transaction (Kestra's
    AbstractJdbcQueries): outputs `outputs`, one entry per statement that returned rows."""

    transaction: bool = True

    def run(self, ctx: RunContext) -> dict[str, Any]:
        return run_queries(self, ctx)
