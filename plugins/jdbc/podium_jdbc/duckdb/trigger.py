"""io.kestra.plugin.jdbc.duckdb.Trigger: poll a DuckDB database, start an execution when
the query returns rows (podium_jdbc.trigger)."""

from __future__ import annotations

from typing import ClassVar

from podium.sdk import Expr
from podium_jdbc.duckdb.query import Query
from podium_jdbc.trigger import JdbcTrigger, rows_example


class Trigger(JdbcTrigger):
    """Wait for query results on DuckDB and trigger a flow.

    Runs `sql` every `interval` (default 60 seconds) and starts an execution when it
    returns rows (`trigger.rows`, `trigger.row` or `trigger.uri`, and `trigger.size`, per
    `fetchType`). Kestra's DuckDB trigger always queries a fresh database (with its
    `inputFiles`); Podium also reads the database file of `url` when one is given.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.jdbc.duckdb.Trigger"
    QUERY: ClassVar[type[Query]] = Query
    EXAMPLES = (rows_example("duckdb", "url: jdbc:duckdb:/data/events.duckdb"),)

    url: str = "jdbc:duckdb:"
    input_files: dict[str, str] | Expr | None = None
    output_files: list[str] | Expr | None = None
    database_uri: str | None = None
    output_db_file: bool = False
    community_extensions: list[str] | Expr | None = None
