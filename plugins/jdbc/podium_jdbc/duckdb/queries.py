"""io.kestra.plugin.jdbc.duckdb.Queries: a `;`-separated script in DuckDB."""

from __future__ import annotations

from typing import ClassVar

from podium.sdk import Example
from podium_jdbc.base import JdbcQueries
from podium_jdbc.duckdb.connection import DuckDbConnection


class Queries(DuckDbConnection, JdbcQueries):
    """Execute multiple SQL queries against DuckDB.

    The statements run in order, in one transaction unless `transaction: false`; each that
    returns rows adds an entry to the output `outputs`. The database, `inputFiles`,
    `outputFiles` and `outputDbFile` are as for the Query task.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.jdbc.duckdb.Queries"
    EXAMPLES = (
        Example(
            title="Load a CSV file into a table and export a summary as CSV.",
            code="""\
id: duckdb_queries
namespace: company.team

tasks:
  - id: queries
    type: io.kestra.plugin.jdbc.duckdb.Queries
    inputFiles:
      orders.csv: |
        id,amount
        1,10
        2,32
    outputFiles:
      - summary
    sql: |
      CREATE TABLE orders AS SELECT * FROM read_csv_auto('{{ workingDir }}/orders.csv');
      COPY (SELECT sum(amount) AS total FROM orders) TO '{{ outputFiles.summary }}' (HEADER);
      SELECT count(*) AS n FROM orders;
    fetchType: FETCH_ONE
"""),
    )
