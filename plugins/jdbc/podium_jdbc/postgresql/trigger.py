"""io.kestra.plugin.jdbc.postgresql.Trigger: poll PostgreSQL, start an execution when the
query returns rows (podium_jdbc.trigger)."""

from __future__ import annotations

from typing import ClassVar

from podium.sdk import Example
from podium_jdbc.postgresql.connection import SslMode
from podium_jdbc.postgresql.query import Query
from podium_jdbc.trigger import JdbcTrigger


class Trigger(JdbcTrigger):
    """Wait for query results on PostgreSQL and trigger a flow.

    Runs `sql` every `interval` (default 60 seconds) and starts an execution when it
    returns rows: `trigger.rows` (FETCH, the default), `trigger.row` (FETCH_ONE) or
    `trigger.uri` (STORE), and `trigger.size`. `afterSQL` can mark the rows read. The
    connection takes the Query task's `ssl*` properties.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.jdbc.postgresql.Trigger"
    QUERY: ClassVar[type[Query]] = Query
    EXAMPLES = (
        Example(
            title="Wait for a SQL query to return results, and then iterate through rows.",
            code="""\
id: jdbc_trigger
namespace: company.team

tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ trigger.rows }}"
    tasks:
      - id: return
        type: io.kestra.plugin.core.debug.Return
        format: "{{ fromJson(taskrun.value) }}"

triggers:
  - id: watch
    type: io.kestra.plugin.jdbc.postgresql.Trigger
    interval: "PT5M"
    url: jdbc:postgresql://127.0.0.1:5432/
    username: "{{ secret('POSTGRES_USERNAME') }}"
    password: "{{ secret('POSTGRES_PASSWORD') }}"
    sql: "SELECT * FROM my_table"
    fetchType: FETCH
"""),
    )

    ssl: bool = False
    ssl_mode: SslMode | None = None
    ssl_root_cert: str | None = None
    ssl_cert: str | None = None
    ssl_key: str | None = None
    ssl_key_password: str | None = None
