"""io.kestra.plugin.jdbc.mariadb.Queries: a `;`-separated script against MariaDB."""

from __future__ import annotations

from typing import ClassVar

from podium.sdk import Example
from podium_jdbc.base import JdbcQueries
from podium_jdbc.mysql.connection import MariaDbConnection


class Queries(MariaDbConnection, JdbcQueries):
    """Execute multiple SQL queries against MariaDB.

    The statements run in order, in one transaction unless `transaction: false` (as in
    MariaDB itself, DDL statements commit on their own); each that returns rows adds an
    entry to the output `outputs`, per `fetchType`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.jdbc.mariadb.Queries"
    EXAMPLES = (
        Example(
            title="Run several statements in one transaction.",
            code="""\
id: mariadb_queries
namespace: company.team

tasks:
  - id: queries
    type: io.kestra.plugin.jdbc.mariadb.Queries
    url: jdbc:mariadb://127.0.0.1:3306/shop
    username: mariadb_user
    password: "{{ secret('MARIADB_PASSWORD') }}"
    sql: |
      INSERT INTO orders (id, amount) VALUES (1, 10);
      SELECT count(*) AS n FROM orders;
    fetchType: FETCH_ONE
"""),
    )
