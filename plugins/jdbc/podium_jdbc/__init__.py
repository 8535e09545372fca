"""Kestra's JDBC plugin family (io.kestra.plugin.jdbc.*): SQL databases through Python's
DB-API 2 drivers.

``podium_jdbc.base`` is the shared base (Kestra's AbstractJdbcQuery): `url` parsed from JDBC
form, `fetchType`, `parameters`, Query and Queries; each database adds an adapter
(``podium_jdbc.adapter``) and its task modules.
"""

from podium.sdk import Plugin
from podium_jdbc.postgresql.copy_in import CopyIn as PostgresCopyIn
from podium_jdbc.postgresql.copy_out import CopyOut as PostgresCopyOut
from podium_jdbc.postgresql.queries import Queries as PostgresQueries
from podium_jdbc.postgresql.query import Query as PostgresQuery

plugin = Plugin(
    name="jdbc",
    title="JDBC",
    description="Query SQL databases (PostgreSQL, ...) with Kestra's JDBC tasks: fetch rows, "
                "store them as ION, run scripts in a transaction, bulk-copy files.",
    tasks=(PostgresQuery, PostgresQueries, PostgresCopyIn, PostgresCopyOut),
)
