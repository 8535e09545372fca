"""io.kestra.plugin.jdbc.sqlite.Query and Queries, run in flows by the embedded runtime
against real SQLite database files."""

from __future__ import annotations

import sqlite3
import time

import pytest

from podium.common.models.state import State
from podium.common.templating.library.ion import ion_rows
from tests.plugins.jdbc.conftest import outputs_of, run_flow


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as conn:
        conn.executescript("""
            CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, price REAL, tag BLOB);
            INSERT INTO products VALUES (1, 'pen', 1.5, NULL), (2, 'ink', 7.25, x'0102'),
                                        (3, 'pad', 3.0, NULL);
        """)
    conn.close()
    return path


def flow(tasks: str) -> str:
    return f"id: sqlite\nnamespace: tests.jdbc\ntasks:\n{tasks}"


def test_fetch_fetch_one_and_store_read_a_database_file(runtime, database):
    execution = run_flow(runtime, flow(f"""
  - id: fetch
    type: io.kestra.plugin.jdbc.sqlite.Query
    url: jdbc:sqlite:{database}
    sql: SELECT id, name, price FROM products WHERE price > :min ORDER BY id
    parameters:
      min: 2
    fetchType: FETCH
  - id: one
    type: io.kestra.plugin.jdbc.sqlite.Query
    url: jdbc:sqlite:{database}
    sql: SELECT name, tag FROM products WHERE id = 2
    fetchType: FETCH_ONE
  - id: store
    type: io.kestra.plugin.jdbc.sqlite.Query
    url: jdbc:sqlite:{database}
    sql: SELECT id, name FROM products ORDER BY id
    fetchType: STORE
"""))
    assert execution.state is State.SUCCESS
    assert outputs_of(runtime, execution, "fetch") == {
        "rows": [{"id": 2, "name": "ink", "price": 7.25}, {"id": 3, "name": "pad", "price": 3.0}],
        "size": 2}
    assert outputs_of(runtime, execution, "one") == {"row": {"name": "ink", "tag": "AQI="},
                                                     "size": 1}
    stored = outputs_of(runtime, execution, "store")
    assert stored["size"] == 3
    text = runtime.storage.read_bytes(stored["uri"]).decode()
    assert list(ion_rows(text)) == [{"id": 1, "name": "pen"}, {"id": 2, "name": "ink"},
                                    {"id": 3, "name": "pad"}]


def test_queries_write_in_one_transaction_and_roll_back_on_error(runtime, database):
    ok = run_flow(runtime, flow(f"""
  - id: write
    type: io.kestra.plugin.jdbc.sqlite.Queries
    url: jdbc:sqlite:{database}
    fetchType: FETCH_ONE
    sql: |
      INSERT INTO products (id, name, price) VALUES (4, 'cap', 2.0);
      UPDATE products SET price = price * 2 WHERE id = 1;
      SELECT count(*) AS n FROM products;
      SELECT price FROM products WHERE id = 1;
"""))
    assert ok.state is State.SUCCESS
    assert outputs_of(runtime, ok, "write")["outputs"] == [{"row": {"n": 4}, "size": 1},
                                                            {"row": {"price": 3.0}, "size": 1}]
    failed = run_flow(runtime, flow(f"""
  - id: write
    type: io.kestra.plugin.jdbc.sqlite.Queries
    url: jdbc:sqlite:{database}
    sql: |
      INSERT INTO products (id, name, price) VALUES (5, 'bag', 9.0);
      INSERT INTO no_such_table VALUES (1);
"""))
    assert failed.state is State.FAILED
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM products").fetchone() == (4,)
    conn.close()
    assert any("no such table: no_such_table" in line.message for line in runtime.logs(failed.id))


def test_output_db_file_feeds_the_next_tasks_sqlite_file(runtime):
    # Kestra's example: an in-memory/relative database passed along as databaseUri.
    execution = run_flow(runtime, flow("""
  - id: init_db
    type: io.kestra.plugin.jdbc.sqlite.Queries
    url: jdbc:sqlite:myfile.db
    outputDbFile: true
    sql: |
      CREATE TABLE IF NOT EXISTS t (play_time TEXT, concert_id INTEGER);
      INSERT INTO t VALUES ('2024-01', 1);
  - id: add
    type: io.kestra.plugin.jdbc.sqlite.Query
    url: jdbc:sqlite:myfile.db
    sqliteFile: "{{ outputs.init_db.databaseUri }}"
    outputDbFile: true
    sql: INSERT INTO t VALUES ('2024-02', 2)
  - id: select
    type: io.kestra.plugin.jdbc.sqlite.Query
    sqliteFile: "{{ outputs.add.databaseUri }}"
    sql: SELECT * FROM t ORDER BY concert_id
    fetchType: FETCH
"""))
    assert execution.state is State.SUCCESS
    assert outputs_of(runtime, execution, "init_db")["databaseUri"].endswith("/myfile.db")
    assert outputs_of(runtime, execution, "select")["rows"] == [
        {"play_time": "2024-01", "concert_id": 1}, {"play_time": "2024-02", "concert_id": 2}]


def test_after_sql_commits_with_the_query(runtime, database):
    execution = run_flow(runtime, flow(f"""
  - id: take
    type: io.kestra.plugin.jdbc.sqlite.Query
    url: jdbc:sqlite:{database}
    sql: SELECT id FROM products WHERE name = 'pad'
    afterSQL: DELETE FROM products WHERE name = 'pad'
    fetchType: FETCH
"""))
    assert execution.state is State.SUCCESS
    assert outputs_of(runtime, execution, "take")["rows"] == [{"id": 3}]
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM products").fetchone() == (2,)
    conn.close()


def test_a_url_of_another_database_fails_naming_it(runtime):
    execution = run_flow(runtime, flow("""
  - id: q
    type: io.kestra.plugin.jdbc.sqlite.Query
    url: jdbc:mysql://127.0.0.1/db
    sql: SELECT 1
"""))
    assert execution.state is State.FAILED
    assert any("URL should start with `jdbc:sqlite`" in line.message
               for line in runtime.logs(execution.id))


def test_a_timeout_interrupts_the_running_statement(runtime):
    started = time.monotonic()
    execution = run_flow(runtime, flow("""
  - id: slow
    type: io.kestra.plugin.jdbc.sqlite.Query
    timeout: PT1S
    sql: |
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT max(i) FROM n
"""))
    assert execution.state is State.FAILED and time.monotonic() - started < 30
    assert any("Timeout after PT1S" in line.message for line in runtime.logs(execution.id))
