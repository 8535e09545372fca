"""io.kestra.plugin.jdbc.sqlite.Query: one SQL statement against a SQLite database."""

from __future__ import annotations

from typing import ClassVar

from podium.sdk import Example
from podium_jdbc.base import JdbcQuery
from podium_jdbc.sqlite.connection import SqliteConnection


class Query(SqliteConnection, JdbcQuery):
    """Execute a single SQL query against SQLite.

    The database is the file of `url` (`jdbc:sqlite:/path/app.db`; the default `jdbc:sqlite:`
    is in memory), or `sqliteFile`, a database file of the internal storage downloaded into
    the working directory. `outputDbFile: true` uploads the database file used and outputs
    it as `databaseUri`, for the next task's `sqliteFile`. `fetchType` as every JDBC query:
    `FETCH` (`rows`, `size`), `FETCH_ONE` (`row`, `size`), `STORE` (`uri`, `size`), `NONE`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.jdbc.sqlite.Query"
    EXAMPLES = (
        Example(
            title="Execute a query and pass the results to another task.",
            code="""\
id: sqlite_query
namespace: company.team

tasks:
  - id: create_table
    type: io.kestra.plugin.jdbc.sqlite.Query
    url: jdbc:sqlite:myfile.db
    outputDbFile: true
    sql: |
      CREATE TABLE IF NOT EXISTS pgsql_types (
          concert_id INTEGER,
          available INTEGER,
          play_time TEXT,
          timestamp_type DATETIME
      );
    fetchType: NONE

  - id: select
    type: io.kestra.plugin.jdbc.sqlite.Query
    url: jdbc:sqlite:myfile.db
    sqliteFile: "{{ outputs.create_table.databaseUri }}"
    outputDbFile: true
    sql: SELECT concert_id, available, play_time, timestamp_type FROM pgsql_types;
    fetchType: FETCH
"""),
    )
