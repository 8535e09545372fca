"""PostgreSQL Query and Queries through real flows on the embedded runtime, against a
scratch database of the local server."""

from __future__ import annotations

import time

import pytest

from podium.common.models.state import State
from podium.sdk.ion import ion_rows
from tests.plugins.jdbc.conftest import outputs_of, run_flow

pytestmark = pytest.mark.service


def flow(pg, body: str, flow_id: str = "pg") -> str:
    return f"""
id: {flow_id}
namespace: tests.jdbc
tasks:
{body}
pluginDefaults:
  - type: io.kestra.plugin.jdbc.postgresql
    values:
{pg.connection_yaml("      ")}
"""


def errors(rt, execution) -> str:
    return "\n".join(e.message for e in rt.logs(execution.id) if e.level in ("ERROR", "WARN"))


@pytest.fixture
def typed(pg):
    pg.run("""
        DROP TABLE IF EXISTS typed;
        CREATE TABLE typed (id int, name text, price numeric(10,2), big bigint, ok boolean,
            day date, at timestamp, atz timestamptz, t time, span interval, u uuid,
            doc jsonb, tags text[], raw bytea, ratio double precision);
        INSERT INTO typed VALUES
          (1, 'one', 12.50, 9007199254740993, true, '2024-01-31', '2024-01-31 10:20:30.5',
           '2024-01-31 10:20:30+00', '08:15:00', '1 day 02:03:04',
           'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2]}', ARRAY['x','y'],
           '\\x0102', 0.25),
          (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    """)


def test_fetch_converts_values_as_kestra(runtime, pg, typed):
    done = run_flow(runtime, flow(pg, """
  - id: q
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT * FROM typed ORDER BY id
    fetchType: FETCH
    timeZoneId: Europe/Paris
"""))
    assert done.state is State.SUCCESS, errors(runtime, done)
    out = outputs_of(runtime, done, "q")
    assert out["size"] == 2
    first, second = out["rows"]
    assert first == {
        "id": 1, "name": "one", "price": 12.5, "big": 9007199254740993, "ok": True,
        "day": "2024-01-31", "at": "2024-01-31T10:20:30.5", "atz": "2024-01-31T11:20:30+01:00",
        "t": "08:15:00", "span": "P0Y0M1DT2H3M4S", "u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        "doc": {"a": [1, 2]}, "tags": ["x", "y"], "raw": "AQI=", "ratio": 0.25}
    assert set(second.values()) == {2, None}


def test_fetch_one_store_and_none(runtime, pg, typed):
    done = run_flow(runtime, flow(pg, """
  - id: one
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT id, name FROM typed ORDER BY id
    fetchType: FETCH_ONE
  - id: stored
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT id, price, day, atz FROM typed ORDER BY id
    fetchType: STORE
    timeZoneId: UTC
  - id: nothing
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT 1
  - id: legacy
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT count(*) AS n FROM typed
    fetchOne: true
"""))
    assert done.state is State.SUCCESS, errors(runtime, done)
    assert outputs_of(runtime, done, "one") == {"row": {"id": 1, "name": "one"}, "size": 1}
    assert outputs_of(runtime, done, "nothing") == {}
    assert outputs_of(runtime, done, "legacy")["row"] == {"n": 2}
    stored = outputs_of(runtime, done, "stored")
    assert stored["size"] == 2 and stored["uri"].endswith(".ion")
    text = runtime.storage.read_bytes(stored["uri"]).decode()
    # Kestra's FileSerde: a decimal and a timestamp keep their ION types, a date is text.
    assert text.splitlines()[0] == '{id:1,price:12.50,day:"2024-01-31",atz:2024-01-31T10:20:30Z}'
    rows = ion_rows(text)
    assert [r["id"] for r in rows] == [1, 2]
    assert str(rows[0]["price"]) == "12.50" and rows[1]["price"] is None


def test_parameters_bind_named_placeholders(runtime, pg, typed):
    done = run_flow(runtime, flow(pg, """
  - id: q
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: >
      SELECT id, name || '%' AS pct, ':notaparam' AS lit, id::text AS cast
      FROM typed WHERE name = :name AND id >= :low
    parameters:
      name: "{{ 'o' ~ 'ne' }}"
      low: 1
    fetchType: FETCH
"""))
    assert done.state is State.SUCCESS, errors(runtime, done)
    assert outputs_of(runtime, done, "q")["rows"] == [
        {"id": 1, "pct": "one%", "lit": ":notaparam", "cast": "1"}]


def test_query_refuses_several_statements(runtime, pg):
    done = run_flow(runtime, flow(pg, """
  - id: q
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT 1; SELECT 2
"""))
    assert done.state is State.FAILED
    assert "Query task support only a single SQL statement" in errors(runtime, done)


def test_after_sql_commits_with_the_query(runtime, pg):
    pg.run("DROP TABLE IF EXISTS queue; CREATE TABLE queue (id int, done bool default false);"
           "INSERT INTO queue (id) VALUES (1), (2)")
    done = run_flow(runtime, flow(pg, """
  - id: q
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT id FROM queue WHERE NOT done ORDER BY id
    afterSQL: UPDATE queue SET done = true WHERE NOT done
    fetchType: FETCH
"""))
    assert done.state is State.SUCCESS, errors(runtime, done)
    assert outputs_of(runtime, done, "q")["size"] == 2
    assert pg.rows("SELECT count(*) FROM queue WHERE done") == [(2,)]


def test_queries_outputs_one_entry_per_result_set(runtime, pg):
    done = run_flow(runtime, flow(pg, """
  - id: qs
    type: io.kestra.plugin.jdbc.postgresql.Queries
    sql: |
      DROP TABLE IF EXISTS laptop;
      CREATE TABLE laptop (brand text);
      INSERT INTO laptop VALUES ('a;b'), ('c');
      SELECT brand FROM laptop ORDER BY brand;
      -- a comment; with a semicolon
      SELECT count(*) AS n FROM laptop;
    fetchType: FETCH
"""))
    assert done.state is State.SUCCESS, errors(runtime, done)
    assert outputs_of(runtime, done, "qs")["outputs"] == [
        {"rows": [{"brand": "a;b"}, {"brand": "c"}], "size": 2},
        {"rows": [{"n": 2}], "size": 1}]


@pytest.mark.parametrize("transaction, kept", [(True, 0), (False, 1)])
def test_queries_transaction_rolls_back_on_failure(runtime, pg, transaction, kept):
    pg.run("DROP TABLE IF EXISTS tx; CREATE TABLE tx (id int primary key)")
    done = run_flow(runtime, flow(pg, f"""
  - id: qs
    type: io.kestra.plugin.jdbc.postgresql.Queries
    transaction: {str(transaction).lower()}
    sql: |
      INSERT INTO tx VALUES (1);
      INSERT INTO tx VALUES (1);
"""))
    assert done.state is State.FAILED
    message = errors(runtime, done)
    assert "statement 2 of 2" in message and "duplicate key" in message
    assert pg.rows("SELECT count(*) FROM tx") == [(kept,)]


@pytest.mark.parametrize("prefix", ["io.kestra.plugin.jdbc", "io.kestra.plugin.jdbc.postgresql",
                                    "io.kestra.plugin.jdbc.postgresql.Query"])
def test_plugin_defaults_on_the_family_prefix(runtime, pg, prefix):
    done = run_flow(runtime, f"""
id: defaults
namespace: tests.jdbc
tasks:
  - id: q
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT current_database() AS db
    fetchType: FETCH_ONE
pluginDefaults:
  - type: {prefix}
    values:
{pg.connection_yaml("      ")}
""")
    assert done.state is State.SUCCESS, errors(runtime, done)
    assert outputs_of(runtime, done, "q")["row"] == {"db": pg.database}


def test_bad_url_and_unreachable_server_fail_clearly(runtime, pg):
    done = run_flow(runtime, """
id: bad
namespace: tests.jdbc
tasks:
  - id: scheme
    type: io.kestra.plugin.jdbc.postgresql.Query
    url: jdbc:mysql://127.0.0.1:3306/x
    sql: SELECT 1
""")
    assert done.state is State.FAILED
    assert "URL should start with `jdbc:postgresql`" in errors(runtime, done)
    done = run_flow(runtime, """
id: down
namespace: tests.jdbc
tasks:
  - id: down
    type: io.kestra.plugin.jdbc.postgresql.Query
    url: jdbc:postgresql://127.0.0.1:1/nothing?connectTimeout=2
    username: nobody
    sql: SELECT 1
""")
    assert done.state is State.FAILED
    assert "Unable to connect to 127.0.0.1:1" in errors(runtime, done)


def test_a_timeout_cancels_the_running_statement(runtime, pg):
    started = time.monotonic()
    done = run_flow(runtime, flow(pg, """
  - id: slow
    type: io.kestra.plugin.jdbc.postgresql.Query
    timeout: PT1S
    sql: SELECT pg_sleep(60), 'podium-slow-marker'
"""))
    assert done.state is State.FAILED and time.monotonic() - started < 30
    assert "Timeout after PT1S" in errors(runtime, done)
    # The server no longer runs it: the cancel reached PostgreSQL.
    assert pg.rows("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                   "AND query LIKE '%podium-slow-marker%' AND pid <> pg_backend_pid()") == [(0,)]


def test_store_streams_any_statement_kind(runtime, pg):
    pg.run("DROP TABLE IF EXISTS sink; CREATE TABLE sink (n int)")
    done = run_flow(runtime, flow(pg, """
  - id: many
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: "-- many rows, a few at a time\\nSELECT g AS n, 'row ' || g AS label FROM generate_series(1, 25000) g"
    fetchType: STORE
    fetchSize: 1000
  - id: none
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT 1 AS n WHERE false
    fetchType: STORE
  - id: script
    type: io.kestra.plugin.jdbc.postgresql.Queries
    fetchType: STORE
    sql: |
      WITH src AS (SELECT 7 AS n) INSERT INTO sink SELECT n FROM src;
      INSERT INTO sink VALUES (8) RETURNING n;
      (SELECT n FROM sink ORDER BY n);
"""))
    assert done.state is State.SUCCESS, errors(runtime, done)
    many = outputs_of(runtime, done, "many")
    rows = ion_rows(runtime.storage.read_bytes(many["uri"]).decode())
    assert many["size"] == 25000 == len(rows)
    assert rows[0] == {"n": 1, "label": "row 1"} and rows[-1]["n"] == 25000
    none = outputs_of(runtime, done, "none")
    assert none["size"] == 0 and runtime.storage.read_bytes(none["uri"]) == b""
    script = outputs_of(runtime, done, "script")["outputs"]
    # The WITH ... INSERT without RETURNING is read as a query that gave no rows.
    assert [entry["size"] for entry in script] == [0, 1, 2]
    last = ion_rows(runtime.storage.read_bytes(script[2]["uri"]).decode())
    assert last == [{"n": 7}, {"n": 8}]


def test_typed_properties_take_expressions(runtime, pg):
    pg.run("DROP TABLE IF EXISTS dyn; CREATE TABLE dyn (id int primary key)")
    source = f"""
id: dynamic
namespace: tests.jdbc
inputs:
  - id: mode
    type: STRING
    defaults: FETCH_ONE
  - id: params
    type: JSON
    defaults: '{{"low": 2}}'
tasks:
  - id: q
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT g AS n FROM generate_series(1, 3) g WHERE g >= :low ORDER BY g
    fetchType: "{{{{ inputs.mode }}}}"
    parameters: "{{{{ inputs.params }}}}"
  - id: qs
    type: io.kestra.plugin.jdbc.postgresql.Queries
    transaction: "{{{{ 1 > 2 }}}}"
    allowFailure: true
    sql: INSERT INTO dyn VALUES (1); INSERT INTO dyn VALUES (1)
pluginDefaults:
  - type: io.kestra.plugin.jdbc
    values:
{pg.connection_yaml("      ")}
"""
    done = run_flow(runtime, source)
    assert outputs_of(runtime, done, "q") == {"row": {"n": 2}, "size": 1}
    assert pg.rows("SELECT count(*) FROM dyn") == [(1,)]  # transaction: false kept the first
    done = run_flow(runtime, source, {"mode": "FETCH"})
    assert outputs_of(runtime, done, "q") == {"rows": [{"n": 2}, {"n": 3}], "size": 2}
