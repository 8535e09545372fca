"""io.kestra.plugin.jdbc.sqlite.Queries: a `;`-separated script against a SQLite database."""

from __future__ import annotations

from typing import ClassVar

from podium.sdk import Example
from podium_jdbc.base import JdbcQueries
from podium_jdbc.sqlite.connection import SqliteConnection


class Queries(SqliteConnection, JdbcQueries):
    """Execute multiple SQL queries against SQLite.

    The statements run in order, in one transaction unless `transaction: false`; each that
    returns rows adds an entry to the output `outputs` (per `fetchType`). The database is
    chosen as for the Query task (`url`, `sqliteFile`, `outputDbFile` -> `databaseUri`).
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.jdbc.sqlite.Queries"
    EXAMPLES = (
        Example(
            title="Create a database file, then read it in the next task.",
            code="""\
id: sqlite_query_using_file
namespace: company.team

tasks:
  - id: init_db
    type: io.kestra.plugin.jdbc.sqlite.Queries
    url: jdbc:sqlite:myfile.db
    outputDbFile: true
    sql: |
      CREATE TABLE IF NOT EXISTS pgsql_types (
        play_time TEXT,
        concert_id INTEGER,
        timestamp_type TEXT
      );
      INSERT INTO pgsql_types (play_time, concert_id, timestamp_type) VALUES ('2024-01', 1, '2024-01-01T12:00:00');

  - id: select
    type: io.kestra.plugin.jdbc.sqlite.Queries
    url: jdbc:sqlite:myfile.db
    sqliteFile: "{{ outputs.init_db.databaseUri }}"
    outputDbFile: true
    sql: SELECT * FROM pgsql_types
    fetchType: FETCH
"""),
    )
