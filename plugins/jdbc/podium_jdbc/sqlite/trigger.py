"""io.kestra.plugin.jdbc.sqlite.Trigger: poll a SQLite database, start an execution when
the query returns rows (podium_jdbc.trigger)."""

from __future__ import annotations

from typing import ClassVar

from podium_jdbc.sqlite.query import Query
from podium_jdbc.trigger import JdbcTrigger, rows_example


class Trigger(JdbcTrigger):
    """Wait for query results on SQLite and trigger a flow.

    Runs `sql` every `interval` (default 60 seconds) and starts an execution when it
    returns at least one row: `{{ trigger.rows }}` (FETCH, the default), `{{ trigger.row }}`
    (FETCH_ONE) or `{{ trigger.uri }}` (STORE), and `{{ trigger.size }}`. Use `afterSQL` to
    mark the rows read, so that the next poll does not fire for them again.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.jdbc.sqlite.Trigger"
    QUERY: ClassVar[type[Query]] = Query
    EXAMPLES = (rows_example("sqlite", "url: jdbc:sqlite:myfile.db"),)

    url: str = "jdbc:sqlite:"
    sqlite_file: str | None = None
    output_db_file: bool = False
