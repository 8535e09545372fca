"""Kestra's JDBC plugin family (io.kestra.plugin.jdbc.*): SQL databases through Python's
DB-API 2 drivers.

``podium_jdbc.base`` is the shared base (Kestra's AbstractJdbcQuery): `url` parsed from JDBC
form, `fetchType`, `parameters`, Query and Queries; each database adds an adapter
(``podium_jdbc.adapter``) and its task modules. ``podium_jdbc.trigger`` is the polling
Trigger every database shares (run by the scheduler).
"""

from podium.sdk import Plugin
from podium_jdbc.duckdb.queries import Queries as DuckDbQueries
from podium_jdbc.duckdb.query import Query as DuckDbQuery
from podium_jdbc.duckdb.trigger import Trigger as DuckDbTrigger
from podium_jdbc.mariadb.queries import Queries as MariaDbQueries
from podium_jdbc.mariadb.query import Query as MariaDbQuery
from podium_jdbc.mariadb.trigger import Trigger as MariaDbTrigger
from podium_jdbc.mysql.queries import Queries as MysqlQueries
from podium_jdbc.mysql.query import Query as MysqlQuery
from podium_jdbc.mysql.trigger import Trigger as MysqlTrigger
from podium_jdbc.postgresql.copy_in import CopyIn as PostgresCopyIn
from podium_jdbc.postgresql.copy_out import CopyOut as PostgresCopyOut
from podium_jdbc.postgresql.queries import Queries as PostgresQueries
from podium_jdbc.postgresql.query import Query as PostgresQuery
from podium_jdbc.postgresql.trigger import Trigger as PostgresTrigger
from podium_jdbc.sqlite.queries import Queries as SqliteQueries
from podium_jdbc.sqlite.query import Query as SqliteQuery
from podium_jdbc.sqlite.trigger import Trigger as SqliteTrigger

plugin = Plugin(
    name="jdbc",
    title="JDBC",
    description="Query SQL databases (PostgreSQL, MySQL, MariaDB, SQLite, DuckDB) with "
                "Kestra's JDBC tasks: fetch rows, store them as ION, run scripts in a "
                "transaction, bulk-copy files; poll them with the JDBC triggers.",
    tasks=(PostgresQuery, PostgresQueries, PostgresCopyIn, PostgresCopyOut, MysqlQuery,
           MysqlQueries, MariaDbQuery, MariaDbQueries, SqliteQuery, SqliteQueries, DuckDbQuery,
           DuckDbQueries),
    triggers=(PostgresTrigger, MysqlTrigger, MariaDbTrigger, SqliteTrigger, DuckDbTrigger),
)
