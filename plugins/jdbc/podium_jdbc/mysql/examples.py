"""The examples Kestra gives the MySQL and MariaDB Query/Queries types: the same flows but
for the engine's name (its type, URL scheme, user and secret)."""

from __future__ import annotations

from podium.sdk import Example


def _connection(engine: str, database: str = "") -> str:
    return f"""\
    url: jdbc:{engine}://127.0.0.1:3306/{database}
    username: {engine}_user
    password: "{{{{ secret('{engine.upper()}_PASSWORD') }}}}"
"""


def fetch_one_example(engine: str, title_name: str) -> Example:
    """Query's first example: one row of `<engine>_types` as output."""
    return Example(
        title=f"Send a SQL query to a {title_name} database and fetch a row as output.",
        code=f"""\
id: {engine}_query
namespace: company.team

tasks:
  - id: query
    type: io.kestra.plugin.jdbc.{engine}.Query
{_connection(engine)}    sql: select * from {engine}_types
    fetchType: FETCH_ONE
""")


def queries_example(engine: str) -> Example:
    """Queries' example: two statements in one transaction."""
    return Example(
        title="Run several statements in one transaction.",
        code=f"""\
id: {engine}_queries
namespace: company.team

tasks:
  - id: queries
    type: io.kestra.plugin.jdbc.{engine}.Queries
{_connection(engine, "shop")}    sql: |
      INSERT INTO orders (id, amount) VALUES (1, 10);
      SELECT count(*) AS n FROM orders;
    fetchType: FETCH_ONE
""")
