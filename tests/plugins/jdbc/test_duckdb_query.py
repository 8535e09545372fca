"""io.kestra.plugin.jdbc.duckdb.Query and Queries run in flows by the embedded runtime:
in-memory and file databases, inputFiles read from `{{ workingDir }}`, outputFiles and
outputDbFile uploaded, and the DuckDB Trigger on a database file."""

from __future__ import annotations

import time

import duckdb

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from tests.plugins.jdbc.conftest import outputs_of, run_flow
from tests.plugins.jdbc.trigger_support import FLOW, executions
from tests.waiting import wait_for


def flow(tasks: str) -> str:
    return f"id: duck\nnamespace: tests.jdbc\ntasks:\n{tasks}"


def test_input_files_output_files_and_the_database_file(runtime):
    execution = run_flow(runtime, flow("""
  - id: load
    type: io.kestra.plugin.jdbc.duckdb.Queries
    inputFiles:
      orders.csv: |
        id,amount,city
        1,10.5,Paris
        2,32,Lyon
        3,7,Paris
    outputFiles:
      - summary
    outputDbFile: true
    sql: |
      CREATE TABLE orders AS SELECT * FROM read_csv_auto('{{ workingDir }}/orders.csv');
      COPY (SELECT city, sum(amount) AS total FROM orders GROUP BY city ORDER BY city)
        TO '{{ outputFiles.summary }}' (HEADER, DELIMITER ',');
      SELECT count(*) AS n FROM orders;
    fetchType: FETCH_ONE
  - id: again
    type: io.kestra.plugin.jdbc.duckdb.Query
    databaseUri: "{{ outputs.load.databaseUri }}"
    sql: SELECT id, amount FROM orders WHERE city = :city ORDER BY id
    parameters:
      city: Paris
    fetchType: FETCH
  - id: by_name
    type: io.kestra.plugin.jdbc.duckdb.Query
    inputFiles:
      data.csv: "a,b\\n1,x\\n"
    sql: SELECT * FROM read_csv_auto('data.csv')
    fetchType: FETCH
"""))
    assert execution.state is State.SUCCESS
    load = outputs_of(runtime, execution, "load")
    assert load["outputs"] == [{"row": {"n": 3}, "size": 1}]
    summary = runtime.storage.read_bytes(load["outputFiles"]["summary"]).decode()
    assert summary.splitlines() == ["city,total", "Lyon,32.0", "Paris,17.5"]
    assert outputs_of(runtime, execution, "again") == {
        "rows": [{"id": 1, "amount": 10.5}, {"id": 3, "amount": 7.0}], "size": 2,
        "outputFiles": {}}
    assert outputs_of(runtime, execution, "by_name")["rows"] == [{"a": 1, "b": "x"}]


def test_filename_columns_are_relative_to_the_working_directory(runtime):
    execution = run_flow(runtime, flow("""
  - id: q
    type: io.kestra.plugin.jdbc.duckdb.Query
    inputFiles:
      a/x-outcomes.csv: "v\\n1\\n"
      b/y-outcomes.csv: "v\\n2\\n"
    sql: SELECT * FROM read_csv_auto('{{ workingDir }}/**/*-outcomes.csv', filename=true) ORDER BY v;
    fetchType: FETCH
"""))
    assert execution.state is State.SUCCESS
    assert outputs_of(runtime, execution, "q")["rows"] == [
        {"v": 1, "filename": "a/x-outcomes.csv"}, {"v": 2, "filename": "b/y-outcomes.csv"}]


def test_a_database_file_url_keeps_its_rows_between_tasks(runtime, tmp_path):
    path = tmp_path / "warehouse.duckdb"
    execution = run_flow(runtime, flow(f"""
  - id: create
    type: io.kestra.plugin.jdbc.duckdb.Queries
    url: jdbc:duckdb:{path}
    sql: |
      CREATE TABLE t (d DATE, ts TIMESTAMP, v DECIMAL(10, 2));
      INSERT INTO t VALUES ('2024-01-02', '2024-01-02 03:04:05', 12.5);
  - id: read
    type: io.kestra.plugin.jdbc.duckdb.Query
    url: jdbc:duckdb:{path}
    sql: SELECT * FROM t
    fetchType: FETCH_ONE
"""))
    assert execution.state is State.SUCCESS
    assert outputs_of(runtime, execution, "read")["row"] == {
        "d": "2024-01-02", "ts": "2024-01-02T03:04:05", "v": 12.5}
    with duckdb.connect(str(path)) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (1,)


def test_a_failing_statement_fails_the_task_with_duckdbs_message(runtime):
    execution = run_flow(runtime, flow("""
  - id: bad
    type: io.kestra.plugin.jdbc.duckdb.Query
    sql: SELECT * FROM no_such_table
"""))
    assert execution.state is State.FAILED
    assert any("no_such_table" in line.message for line in runtime.logs(execution.id))


def test_duckdb_trigger_fires_when_the_database_file_has_rows(scheduled, tmp_path):
    path = tmp_path / "events.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE events (id INTEGER, name TEXT, seen INTEGER DEFAULT 0)")
    scheduled.deploy(parse_flow(FLOW.format(type="io.kestra.plugin.jdbc.duckdb.Trigger",
                                            connection=f"    url: jdbc:duckdb:{path}")))
    wait_for(lambda: scheduled.scheduler.counters["polled"] >= 2, timeout=30, what="2 polls")
    assert executions(scheduled) == []
    with duckdb.connect(str(path)) as conn:
        conn.execute("INSERT INTO events (id, name) VALUES (1, 'alpha')")
    [started] = wait_for(lambda: executions(scheduled), timeout=30, what="an execution")
    assert started.trigger["variables"]["rows"] == [{"id": 1, "name": "alpha"}]
    assert scheduled.wait(started.id, timeout=30).state is State.SUCCESS


def test_a_timeout_interrupts_the_running_statement(runtime):
    started = time.monotonic()
    execution = run_flow(runtime, flow("""
  - id: slow
    type: io.kestra.plugin.jdbc.duckdb.Query
    timeout: PT1S
    sql: SELECT count(*) FROM range(1000000000000) a
"""))
    assert execution.state is State.FAILED and time.monotonic() - started < 30
    assert any("Timeout after PT1S" in line.message for line in runtime.logs(execution.id))
