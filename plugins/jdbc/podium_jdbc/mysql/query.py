"""io.kestra.plugin.jdbc.mysql.Query: one SQL statement against MySQL."""

from __future__ import annotations

from typing import ClassVar

from podium.sdk import Example
from podium_jdbc.base import JdbcQuery
from podium_jdbc.mysql.connection import InputFile, MysqlConnection
from podium_jdbc.mysql.examples import fetch_one_example


class Query(InputFile, MysqlConnection, JdbcQuery):
    """Execute a single SQL query against MySQL.

    Runs one statement (a script of several is refused: use Queries); `fetchType`: `FETCH`
    (`rows`, `size`), `FETCH_ONE` (`row`, `size`), `STORE` (an ION file: `uri`, `size`),
    `NONE` (the default). `parameters` binds `:name` placeholders; `afterSQL` runs in the
    same transaction. `inputFile` (a kestra:// file) is downloaded as `{{ inputFile }}`
    for `LOAD DATA LOCAL INFILE` (the server must allow `local_infile`).
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.jdbc.mysql.Query"
    EXAMPLES = (
        fetch_one_example("mysql", "MySQL"),
        Example(
            title="Load a csv file into a MySQL table.",
            code="""\
id: mysql_query
namespace: company.team

tasks:
  - id: http_download
    type: io.kestra.plugin.core.http.Download
    uri: https://huggingface.co/datasets/kestra/datasets/raw/main/csv/products.csv

  - id: query
    type: io.kestra.plugin.jdbc.mysql.Query
    url: jdbc:mysql://127.0.0.1:3306/products?allowLoadLocalInfile=true
    username: mysql_user
    password: "{{ secret('MYSQL_PASSWORD') }}"
    inputFile: "{{ outputs.http_download.uri }}"
    sql: |
      LOAD DATA LOCAL INFILE '{{ inputFile }}'
      INTO TABLE products
      FIELDS TERMINATED BY ','
      ENCLOSED BY '"'
      LINES TERMINATED BY '\\n'
      IGNORE 1 ROWS;
"""),
    )
