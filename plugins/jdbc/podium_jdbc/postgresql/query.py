"""io.kestra.plugin.jdbc.postgresql.Query: one SQL statement against PostgreSQL."""

from __future__ import annotations

from typing import ClassVar

from podium.sdk import Example
from podium_jdbc.base import JdbcQuery
from podium_jdbc.postgresql.connection import PostgresConnection


class Query(PostgresConnection, JdbcQuery):
    """Execute a single SQL query against PostgreSQL.

    Runs one statement (a script of several is refused: use Queries) and, with `fetchType`,
    returns its rows: `FETCH` outputs `rows` and `size`, `FETCH_ONE` outputs `row` and
    `size`, `STORE` writes them to an ION file in internal storage (`uri`, `size`), `NONE`
    (the default) nothing. `parameters` binds `:name` placeholders. With `afterSQL`, that
    second statement runs in the same transaction and both commit together.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.jdbc.postgresql.Query"
    EXAMPLES = (
        Example(
            title="Execute a query and fetch results in a task, and update another table "
                  "with fetched results in a different task.",
            code="""\
id: postgres_query
namespace: company.team

tasks:
  - id: fetch
    type: io.kestra.plugin.jdbc.postgresql.Query
    url: jdbc:postgresql://127.0.0.1:56982/
    username: "{{ secret('POSTGRES_USERNAME') }}"
    password: "{{ secret('POSTGRES_PASSWORD') }}"
    sql: SELECT concert_id, available, a, b, c, d, play_time, library_record, floatn_test, double_test, real_test, numeric_test, date_type, time_type, timez_type, timestamp_type, timestampz_type, interval_type, pay_by_quarter, schedule, json_type, blob_type FROM pgsql_types
    fetchType: FETCH

  - id: use_fetched_data
    type: io.kestra.plugin.jdbc.postgresql.Queries
    url: jdbc:postgresql://127.0.0.1:56982/
    username: "{{ secret('POSTGRES_USERNAME') }}"
    password: "{{ secret('POSTGRES_PASSWORD') }}"
    sql:  "{% for row in outputs.fetch.rows %} INSERT INTO pl_store_distribute (year_month,store_code, update_date) values ({{row.play_time}}, {{row.concert_id}}, TO_TIMESTAMP('{{row.timestamp_type}}', 'YYYY-MM-DDTHH:MI:SS.US') ); {% endfor %}"
"""),
    )
