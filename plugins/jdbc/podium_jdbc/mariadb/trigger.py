"""io.kestra.plugin.jdbc.mariadb.Trigger: poll MariaDB, start an execution when the query
returns rows (podium_jdbc.trigger)."""

from __future__ import annotations

from typing import ClassVar

from podium_jdbc.mariadb.query import Query
from podium_jdbc.trigger import JdbcTrigger, rows_example


class Trigger(JdbcTrigger):
    """Wait for query results on MariaDB and trigger a flow.

    Runs `sql` every `interval` (default 60 seconds) and starts an execution when it
    returns rows: `trigger.rows` (FETCH, the default), `trigger.row` (FETCH_ONE) or
    `trigger.uri` (STORE), and `trigger.size`. `afterSQL` can mark the rows read.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.jdbc.mariadb.Trigger"
    QUERY: ClassVar[type[Query]] = Query
    EXAMPLES = (rows_example("mariadb", """\
url: jdbc:mariadb://127.0.0.1:3306/
username: mariadb_user
password: "{{ secret('MARIADB_PASSWORD') }}"
"""),)
