"""io.kestra.plugin.jdbc.mariadb.Query: one SQL statement against MariaDB."""

from __future__ import annotations

from typing import ClassVar

from podium_jdbc.base import JdbcQuery
from podium_jdbc.mysql.connection import InputFile, MariaDbConnection
from podium_jdbc.mysql.examples import fetch_one_example


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
        fetch_one_example("mariadb", "MariaDB"),
    )
