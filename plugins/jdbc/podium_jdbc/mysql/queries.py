"""io.kestra.plugin.jdbc.mysql.Queries: a `;`-separated script against MySQL."""

from __future__ import annotations

from typing import ClassVar

from podium_jdbc.base import JdbcQueries
from podium_jdbc.mysql.connection import MysqlConnection
from podium_jdbc.mysql.examples import queries_example


class Queries(MysqlConnection, JdbcQueries):
    """Execute multiple SQL queries against MySQL.

    The statements run in order, in one transaction unless `transaction: false` (as in
    MySQL itself, DDL statements commit on their own); each that returns rows adds an
    entry to the output `outputs`, per `fetchType`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.jdbc.mysql.Queries"
    EXAMPLES = (queries_example("mysql"),)
