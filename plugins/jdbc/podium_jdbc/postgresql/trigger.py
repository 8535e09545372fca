"""io.kestra.plugin.jdbc.postgresql.Trigger: poll PostgreSQL, start an execution when the
query returns rows (podium_jdbc.trigger)."""

from __future__ import annotations

from typing import ClassVar

from podium_jdbc.postgresql.connection import SslMode
from podium_jdbc.postgresql.query import Query
from podium_jdbc.trigger import JdbcTrigger, rows_example


class Trigger(JdbcTrigger):
    """Wait for query results on PostgreSQL and trigger a flow.

    Runs `sql` every `interval` (default 60 seconds) and starts an execution when it
    returns rows: `trigger.rows` (FETCH, the default), `trigger.row` (FETCH_ONE) or
    `trigger.uri` (STORE), and `trigger.size`. `afterSQL` can mark the rows read. The
    connection takes the Query task's `ssl*` properties.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.jdbc.postgresql.Trigger"
    QUERY: ClassVar[type[Query]] = Query
    EXAMPLES = (rows_example("postgresql", """\
url: jdbc:postgresql://127.0.0.1:5432/
username: "{{ secret('POSTGRES_USERNAME') }}"
password: "{{ secret('POSTGRES_PASSWORD') }}"
"""),)

    ssl: bool = False
    ssl_mode: SslMode | None = None
    ssl_root_cert: str | None = None
    ssl_cert: str | None = None
    ssl_key: str | None = None
    ssl_key_password: str | None = None
