"""io.kestra.plugin.jdbc.postgresql.CopyOut: a table or a query saved to a stored file with
COPY."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from podium.sdk import Example, RunContext
from podium_jdbc.postgresql.copy import AbstractCopy, CopyFormat

_EXTENSIONS = {CopyFormat.CSV: "csv", CopyFormat.TEXT: "txt", CopyFormat.BINARY: "bin"}


class CopyOut(AbstractCopy):
    """Export a PostgreSQL table or query to a file.

    Runs `COPY (sql) TO STDOUT` (or `COPY table (columns) TO STDOUT` without `sql`) in the
    chosen `format`, streams the result into internal storage and outputs its `uri` and the
    `rowCount`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.jdbc.postgresql.CopyOut"
    EXAMPLES = (
        Example(title="Export a PostgreSQL table or query to a CSV or TSV file.", code="""\
id: postgres_copy_out
namespace: company.team

tasks:
  - id: copy_out
    type: io.kestra.plugin.jdbc.postgresql.CopyOut
    url: jdbc:postgresql://sample_postgres:5432/world
    username: "{{ secret('POSTGRES_USERNAME') }}"
    password: "{{ secret('POSTGRES_PASSWORD') }}"
    format: CSV
    sql: SELECT 1 AS int, 't'::bool AS bool UNION SELECT 2 AS int, 'f'::bool AS bool
    header: true
    delimiter: "\\t"
"""),
        Example(title="Export output of a Postgres SQL query to a CSV file", code="""\
id: export_from_postgres
namespace: company.team

tasks:
  - id: export
    type: io.kestra.plugin.jdbc.postgresql.CopyOut
    url: jdbc:postgresql://sample_postgres:5432/world
    username: "{{ secret('POSTGRES_USERNAME') }}"
    password: "{{ secret('POSTGRES_PASSWORD') }}"
    format: CSV
    header: true
    sql: SELECT * FROM country LIMIT 10
    delimiter: ","

  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.export.rowCount }}"
"""),
    )

    sql: str | None = None

    def run(self, ctx: RunContext) -> dict[str, Any]:
        query = ctx.render(self.sql).strip().rstrip(";") if self.sql else None
        statement = self.copy_statement(ctx, query, "TO STDOUT")
        path = ctx.working_dir / f"copy-out-{uuid.uuid4().hex}.{_EXTENSIONS[self.format]}"
        with self.connect(ctx) as connection, self.driver_errors("copy out"):
            cursor = connection.cursor()
            ctx.log("DEBUG", f"Starting query: {statement}")
            with open(path, "wb") as out, cursor.copy(statement) as copy:
                for data in copy:
                    ctx.check_killed()
                    out.write(data)
            rows = cursor.rowcount
            connection.commit()
        ctx.metric({"name": "rows", "type": "counter", "value": rows})
        return {"uri": ctx.put_file(path), "rowCount": rows}
