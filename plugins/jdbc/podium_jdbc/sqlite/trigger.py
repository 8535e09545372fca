"""io.kestra.plugin.jdbc.sqlite.Trigger: poll a SQLite database, start an execution when
the query returns rows (podium_jdbc.trigger)."""

from __future__ import annotations

from typing import ClassVar

from podium.sdk import Example
from podium_jdbc.sqlite.query import Query
from podium_jdbc.trigger import JdbcTrigger


class Trigger(JdbcTrigger):
    """Wait for query results on SQLite and trigger a flow.

    Runs `sql` every `interval` (default 60 seconds) and starts an execution when it
    returns at least one row: `{{ trigger.rows }}` (FETCH, the default), `{{ trigger.row }}`
    (FETCH_ONE) or `{{ trigger.uri }}` (STORE), and `{{ trigger.size }}`. Use `afterSQL` to
    mark the rows read, so that the next poll does not fire for them again.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.jdbc.sqlite.Trigger"
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
    type: io.kestra.plugin.jdbc.sqlite.Trigger
    interval: "PT5M"
    url: jdbc:sqlite:myfile.db
    sql: "SELECT * FROM my_table"
    fetchType: FETCH
"""),
    )

    url: str = "jdbc:sqlite:"
    sqlite_file: str | None = None
    output_db_file: bool = False
