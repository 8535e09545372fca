"""io.kestra.plugin.jdbc.mariadb.Query: one SQL statement against MariaDB."""

from __future__ import annotations

from typing import ClassVar

from podium.sdk import Example
from podium_jdbc.base import JdbcQuery
from podium_jdbc.mysql.connection import InputFile, MariaDbConnection


class Query(InputFile, MariaDbConnection, JdbcQuery):
    """Execute a single SQL query against MariaDB.

    Runs one statement (a script of several is refused: use Queries); `fetchType`: `FETCH`
    (`rows`, `size`), `FETCH_ONE` (`row`, `size`), `STORE` (an ION file: `uri`, `size`),
    `NONE` (the default). `parameters` binds `:name` placeholders; `afterSQL` runs in the
    same transaction. `inputFile` (a kestra:// file) is downloaded as `{{ inputFile }}`
    for `LOAD DATA LOCAL INFILE` (the server must allow `local_infile`).
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.jdbc.mariadb.Query"
    EXAMPLES = (
        Example(
            title="Send a SQL query to a MariaDB database and fetch a row as output.",
            code="""\
id: mariadb_query
namespace: company.team

tasks:
  - id: query
    type: io.kestra.plugin.jdbc.mariadb.Query
    url: jdbc:mariadb://127.0.0.1:3306/
    username: mariadb_user
    password: "{{ secret('MARIADB_PASSWORD') }}"
    sql: select * from mariadb_types
    fetchType: FETCH_ONE
"""),
    )
