"""io.kestra.plugin.jdbc.mariadb.Queries: a `;`-separated script against MariaDB."""

from __future__ import annotations

from typing import ClassVar

from podium_jdbc.base import JdbcQueries
from podium_jdbc.mysql.connection import MariaDbConnection
from podium_jdbc.mysql.examples import queries_example


class Queries(MariaDbConnection, JdbcQueries):
    """Execute multiple SQL queries against MariaDB.

    The statements run in order, in one transaction unless `transaction: false` (as in
    MariaDB itself, DDL statements commit on their own); each that returns rows adds an
    entry to the output `outputs`, per `fetchType`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.jdbc.mariadb.Queries"
    EXAMPLES = (queries_example("mariadb"),)
