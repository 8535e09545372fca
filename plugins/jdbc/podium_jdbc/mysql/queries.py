"""io.kestra.plugin.jdbc.mysql.Queries: a `;`-separated script against MySQL."""

from __future__ import annotations

from typing import ClassVar

from podium.sdk import Example
from podium_jdbc.base import JdbcQueries
from podium_jdbc.mysql.connection import MysqlConnection


class Queries(MysqlConnection, JdbcQueries):
    """Execute multiple SQL queries against MySQL.

    The statements run in order, in one transaction unless `transaction: false` (as in
    MySQL itself, DDL statements commit on their own); each that returns rows adds an
    entry to the output `outputs`, per `fetchType`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.jdbc.mysql.Queries"
    EXAMPLES = (
        Example(
            title="Run several statements in one transaction.",
            code="""\
id: mysql_queries
namespace: company.team

tasks:
  - id: queries
    type: io.kestra.plugin.jdbc.mysql.Queries
    url: jdbc:mysql://127.0.0.1:3306/shop
    username: mysql_user
    password: "{{ secret('MYSQL_PASSWORD') }}"
    sql: |
      INSERT INTO orders (id, amount) VALUES (1, 10);
      SELECT count(*) AS n FROM orders;
    fetchType: FETCH_ONE
"""),
    )
