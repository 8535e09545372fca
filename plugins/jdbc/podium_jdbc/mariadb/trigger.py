"""io.kestra.plugin.jdbc.mariadb.Trigger: poll MariaDB, start an execution when the query
returns rows (podium_jdbc.trigger)."""

from __future__ import annotations

from typing import ClassVar

from podium.sdk import Example
from podium_jdbc.mariadb.query import Query
from podium_jdbc.trigger import JdbcTrigger


class Trigger(JdbcTrigger):
    """Wait for query results on MariaDB and trigger a flow.

    Runs `sql` every `interval` (default 60 seconds) and starts an execution when it
    returns rows: `trigger.rows` (FETCH, the default), `trigger.row` (FETCH_ONE) or
    `trigger.uri` (STORE), and `trigger.size`. `afterSQL` can mark the rows read.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.jdbc.mariadb.Trigger"
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
    type: io.kestra.plugin.jdbc.mariadb.Trigger
    interval: "PT5M"
    url: jdbc:mariadb://127.0.0.1:3306/
    username: mariadb_user
    password: "{{ secret('MARIADB_PASSWORD') }}"
    sql: "SELECT * FROM my_table"
    fetchType: FETCH
"""),
    )
