"""io.kestra.plugin.jdbc.mysql and mariadb Query, Queries and Trigger, run in flows against
the local MariaDB (a scratch database of its own, dropped at the end)."""

from __future__ import annotations

import time

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.templating.library.ion import ion_rows
from tests.plugins.jdbc.conftest import outputs_of, run_flow
from tests.plugins.jdbc.trigger_support import FLOW, executions, wait_polls
from tests.waiting import wait_for

pytestmark = pytest.mark.service


@pytest.fixture
def products(mysql):
    mysql.run("DROP TABLE IF EXISTS products")
    mysql.run("CREATE TABLE products (id INT PRIMARY KEY, name VARCHAR(20), price DECIMAL(8,2),"
              " made DATE, at DATETIME, opens TIME)")
    mysql.run("INSERT INTO products VALUES (1, 'pen', 1.50, '2024-01-02', '2024-01-02 03:04:05',"
              " '08:30:00'), (2, 'ink', 7.25, NULL, NULL, NULL)")
    return mysql


def flow(tasks: str) -> str:
    return f"id: my\nnamespace: tests.jdbc\ntasks:\n{tasks}"


@pytest.mark.parametrize("driver", ["mysql", "mariadb"])
def test_query_fetch_fetch_one_and_store(runtime, products, driver):
    connection = products.connection_yaml(driver)
    execution = run_flow(runtime, flow(f"""
  - id: fetch
    type: io.kestra.plugin.jdbc.{driver}.Query
{connection}
    sql: SELECT id, name, price FROM products WHERE price > :min ORDER BY id
    parameters:
      min: 1
    fetchType: FETCH
  - id: one
    type: io.kestra.plugin.jdbc.{driver}.Query
{connection}
    sql: SELECT made, at, opens, name LIKE 'p%' AS p FROM products WHERE id = 1
    fetchType: FETCH_ONE
  - id: store
    type: io.kestra.plugin.jdbc.{driver}.Query
{connection}
    sql: SELECT id, name FROM products ORDER BY id
    fetchType: STORE
"""))
    assert execution.state is State.SUCCESS
    assert outputs_of(runtime, execution, "fetch") == {
        "rows": [{"id": 1, "name": "pen", "price": 1.5}, {"id": 2, "name": "ink", "price": 7.25}],
        "size": 2}
    assert outputs_of(runtime, execution, "one")["row"] == {
        "made": "2024-01-02", "at": "2024-01-02T03:04:05", "opens": "08:30:00", "p": 1}
    stored = outputs_of(runtime, execution, "store")
    text = runtime.storage.read_bytes(stored["uri"]).decode()
    assert stored["size"] == 2
    assert list(ion_rows(text)) == [{"id": 1, "name": "pen"}, {"id": 2, "name": "ink"}]


def test_queries_roll_back_on_error(runtime, products):
    connection = products.connection_yaml()
    failed = run_flow(runtime, flow(f"""
  - id: write
    type: io.kestra.plugin.jdbc.mysql.Queries
{connection}
    sql: |
      INSERT INTO products (id, name) VALUES (3, 'cap');
      INSERT INTO products (id, name) VALUES (1, 'duplicate');
"""))
    assert failed.state is State.FAILED
    assert products.rows("SELECT count(*) FROM products") == [(2,)]
    assert any("Duplicate entry" in line.message for line in runtime.logs(failed.id))
    ok = run_flow(runtime, flow(f"""
  - id: write
    type: io.kestra.plugin.jdbc.mysql.Queries
{connection}
    fetchType: FETCH
    sql: |
      INSERT INTO products (id, name) VALUES (3, 'cap');
      SELECT name FROM products WHERE id = 3;
"""))
    assert ok.state is State.SUCCESS
    assert outputs_of(runtime, ok, "write")["outputs"] == [{"rows": [{"name": "cap"}],
                                                             "size": 1}]


def test_load_data_local_infile_reads_the_input_file(runtime, products):
    execution = run_flow(runtime, flow(f"""
  - id: csv
    type: io.kestra.plugin.core.storage.Write
    content: |
      id,name,price
      10,book,12.00
      11,lamp,30.50
    extension: .csv
  - id: load
    type: io.kestra.plugin.jdbc.mysql.Query
{products.connection_yaml()}
    inputFile: "{{{{ outputs.csv.uri }}}}"
    sql: |
      LOAD DATA LOCAL INFILE '{{{{ inputFile }}}}'
      INTO TABLE products
      FIELDS TERMINATED BY ','
      LINES TERMINATED BY '\\n'
      IGNORE 1 ROWS
      (id, name, price);
"""))
    assert execution.state is State.SUCCESS, [line.message for line in runtime.logs(execution.id)]
    assert products.rows("SELECT id, name FROM products WHERE id >= 10 ORDER BY id") == [
        (10, "book"), (11, "lamp")]


@pytest.mark.parametrize("driver", ["mysql", "mariadb"])
def test_trigger_fires_when_rows_appear(scheduled, mysql, driver):
    mysql.run("DROP TABLE IF EXISTS events")
    mysql.run("CREATE TABLE events (id INT, name VARCHAR(20), seen INT DEFAULT 0)")
    scheduled.deploy(parse_flow(FLOW.format(type=f"io.kestra.plugin.jdbc.{driver}.Trigger",
                                            connection=mysql.connection_yaml(driver))))
    wait_polls(scheduled, 2)
    assert executions(scheduled) == []
    mysql.run("INSERT INTO events (id, name) VALUES (1, 'alpha')")
    [started] = wait_for(lambda: executions(scheduled), timeout=30, what="an execution")
    assert started.trigger["variables"] == {"rows": [{"id": 1, "name": "alpha"}], "size": 1}
    assert scheduled.wait(started.id, timeout=30).state is State.SUCCESS
    assert mysql.rows("SELECT seen FROM events") == [(1,)]


def test_fetch_one_leaves_rows_unread_and_after_sql_still_runs(runtime, products):
    # Rows stream from the server: the unread second row must not block afterSQL.
    execution = run_flow(runtime, flow(f"""
  - id: first
    type: io.kestra.plugin.jdbc.mysql.Query
{products.connection_yaml()}
    sql: SELECT id FROM products ORDER BY id
    afterSQL: UPDATE products SET name = 'taken' WHERE id = 1
    fetchType: FETCH_ONE
"""))
    assert execution.state is State.SUCCESS
    assert outputs_of(runtime, execution, "first") == {"row": {"id": 1}, "size": 1}
    assert products.rows("SELECT name FROM products ORDER BY id") == [("taken",), ("ink",)]


def test_a_timeout_kills_the_running_statement(runtime, mysql):
    started = time.monotonic()
    execution = run_flow(runtime, flow(f"""
  - id: slow
    type: io.kestra.plugin.jdbc.mysql.Query
{mysql.connection_yaml()}
    timeout: PT1S
    sql: SELECT SLEEP(60), 'podium-slow-marker'
"""))
    assert execution.state is State.FAILED and time.monotonic() - started < 30
    assert any("Timeout after PT1S" in line.message for line in runtime.logs(execution.id))
    # The server no longer runs it: KILL QUERY reached it.
    assert mysql.rows("SELECT count(*) FROM information_schema.processlist "
                      "WHERE info LIKE '%podium-slow-marker%' AND id <> CONNECTION_ID()") == [(0,)]
