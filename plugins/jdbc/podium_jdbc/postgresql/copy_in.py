"""io.kestra.plugin.jdbc.postgresql.CopyIn: a stored file loaded into a table with COPY."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from podium.sdk import Example, RunContext, TaskFailure
from podium_jdbc.postgresql.copy import AbstractCopy

CHUNK = 1 << 20


class CopyIn(AbstractCopy):
    """Load a file into a PostgreSQL table.

    Streams the internal-storage file `from` (CSV, TEXT or BINARY, as `format` says) into
    `table` with `COPY ... FROM STDIN`, in one transaction; outputs `rowCount`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.jdbc.postgresql.CopyIn"
    EXAMPLES = (
        Example(title="Load CSV data into a PostgreSQL table.", code="""\
id: postgres_copy_in
namespace: company.team

tasks:
  - id: copy_in
    type: io.kestra.plugin.jdbc.postgresql.CopyIn
    url: jdbc:postgresql://127.0.0.1:5432/
    username: "{{ secret('POSTGRES_USERNAME') }}"
    password: "{{ secret('POSTGRES_PASSWORD') }}"
    format: CSV
    from: "{{ outputs.export.uri }}"
    table: my_destination_table
    header: true
    delimiter: "\\t"
"""),
        Example(title="Use Postgres CopyIn to ingest CSV data into Postgres table", code="""\
id: postgres_copyin
namespace: company.team

tasks:
  - id: download_products
    type: io.kestra.plugin.core.http.Download
    uri: https://huggingface.co/datasets/kestra/datasets/raw/main/csv/products.csv

  - id: create_products_table
    type: io.kestra.plugin.jdbc.postgresql.Query
    url: "jdbc:postgresql://{{ secret('POSTGRES_HOST') }}:5432/postgres"
    username: "{{ secret('POSTGRES_USERNAME') }}"
    password: "{{ secret('POSTGRES_PASSWORD') }}"
    sql: |
      CREATE TABLE IF NOT EXISTS products(
        product_id varchar(5),
        product_name varchar(100),
        product_category varchar(50),
        brand varchar(50)
      );

  - id: copyin_products
    type: io.kestra.plugin.jdbc.postgresql.CopyIn
    url: "jdbc:postgresql://{{ secret('POSTGRES_HOST') }}:5432/postgres"
    username: "{{ secret('POSTGRES_USERNAME') }}"
    password: "{{ secret('POSTGRES_PASSWORD') }}"
    format: CSV
    from: "{{ outputs.download_products.uri }}"
    table: products
    header: true
    delimiter: ","
"""),
    )

    from_: str = Field(alias="from")

    def run(self, ctx: RunContext) -> dict[str, Any]:
        source = ctx.render(self.from_).strip()
        if not source:
            raise TaskFailure("`from` rendered to an empty URI")
        statement = self.copy_statement(ctx, None, "FROM STDIN")
        with self.connect(ctx) as connection, self.driver_errors("copy into the table"):
            cursor = connection.cursor()
            ctx.log("DEBUG", f"Starting query: {statement}")
            with ctx.open_file(source) as stream, cursor.copy(statement) as copy:
                while chunk := stream.read(CHUNK):
                    ctx.check_killed()
                    copy.write(chunk)
            rows = cursor.rowcount
            connection.commit()
        ctx.metric({"name": "rows", "type": "counter", "value": rows})
        return {"rowCount": rows}
