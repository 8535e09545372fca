"""io.kestra.plugin.jdbc.duckdb.Query: one SQL statement in DuckDB."""

from __future__ import annotations

from typing import ClassVar

from podium.sdk import Example
from podium_jdbc.base import JdbcQuery
from podium_jdbc.duckdb.connection import DuckDbConnection


class Query(DuckDbConnection, JdbcQuery):
    """Execute a single SQL query against DuckDB.

    Runs one statement in an embedded DuckDB database: a new one per run by default
    (`jdbc:duckdb:`), a database file (`url: jdbc:duckdb:/path/db.duckdb`) or one from the
    internal storage (`databaseUri`). `inputFiles` are written into the working directory,
    where the SQL reads them by name (or as `{{ workingDir }}/name`); `outputFiles` names
    files the SQL writes (`COPY t TO '{{ outputFiles.out }}'`), output as `outputFiles`.
    `outputDbFile: true` outputs the database file as `databaseUri`. `fetchType`: `FETCH`
    (`rows`, `size`), `FETCH_ONE` (`row`, `size`), `STORE` (`uri`, `size`), `NONE`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.jdbc.duckdb.Query"
    EXAMPLES = (
        Example(
            title="Execute a query that reads from an existing database file using a URL.",
            code="""\
id: query_duckdb
namespace: company.team

inputs:
  - id: my_db
    type: FILE

tasks:
  - id: query1
    type: io.kestra.plugin.jdbc.duckdb.Query
    databaseUri: "{{ inputs.my_db }}"
    sql: SELECT * FROM table_name;
    fetchType: STORE
"""),
        Example(
            title="Query a CSV file given inline and write the result to an output file.",
            code="""\
id: duckdb_csv
namespace: company.team

tasks:
  - id: query
    type: io.kestra.plugin.jdbc.duckdb.Query
    inputFiles:
      data.csv: |
        id,name
        1,a
    outputFiles:
      - out
    sql: COPY (SELECT * FROM read_csv_auto('{{ workingDir }}/data.csv')) TO '{{ outputFiles.out }}' (HEADER, DELIMITER ',');
"""),
    )
