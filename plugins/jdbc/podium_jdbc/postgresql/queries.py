"""io.kestra.plugin.jdbc.postgresql.Queries: several SQL statements against PostgreSQL."""

from __future__ import annotations

from typing import ClassVar

from podium.sdk import Example
from podium_jdbc.base import JdbcQueries
from podium_jdbc.postgresql.connection import PostgresConnection


class Queries(PostgresConnection, JdbcQueries):
    """Execute multiple SQL statements against PostgreSQL.

    The `;`-separated statements of `sql` run one after the other, in one transaction
    unless `transaction: false` (then each commits on its own); the first failure rolls the
    transaction back and fails the task. Each statement that returns rows adds an entry to
    the output `outputs` (`rows`/`row`/`uri` and `size`, by `fetchType`).
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.jdbc.postgresql.Queries"
    EXAMPLES = (
        Example(
            title="Execute a query and fetch results in a task.",
            code="""\
id: postgres_query
namespace: company.team

tasks:
  - id: fetch
    type: io.kestra.plugin.jdbc.postgresql.Queries
    url: jdbc:postgresql://127.0.0.1:56982/
    username: "{{ secret('POSTGRES_USERNAME') }}"
    password: "{{ secret('POSTGRES_PASSWORD') }}"
    sql: |
      SELECT firstName, lastName FROM employee;
      SELECT brand FROM laptop;
    fetchType: FETCH
"""),
        Example(
            title="Use Postgres Queries to run multiple queries",
            code="""\
id: postgres_queries
namespace: company.team

tasks:
  - id: init_products
    type: io.kestra.plugin.jdbc.postgresql.Queries
    url: "jdbc:postgresql://{{secret('POSTGRES_HOST')}}:5432/postgres"
    username: "{{ secret('POSTGRES_USERNAME') }}"
    password: "{{ secret('POSTGRES_PASSWORD') }}"
    sql: |
      CREATE TABLE IF NOT EXISTS products(
        product_id SERIAL PRIMARY KEY,
        product_name varchar(100),
        product_category varchar(50),
        brand varchar(50)
      );
      INSERT INTO products VALUES(1, 'streamline turn-key systems','Electronics','gomez') ON CONFLICT (product_id) DO NOTHING;
      INSERT INTO products VALUES(2, 'morph viral applications','Household','wolfe') ON CONFLICT (product_id) DO NOTHING;
      INSERT INTO products VALUES(3, 'expedite front-end schemas','Household','davis-martinez') ON CONFLICT (product_id) DO NOTHING;
      INSERT INTO products VALUES(4, 'syndicate robust ROI','Outdoor','ruiz-price') ON CONFLICT (product_id) DO NOTHING;
    fetchType: NONE
"""),
    )
