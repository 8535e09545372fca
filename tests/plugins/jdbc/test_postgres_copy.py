"""PostgreSQL CopyIn and CopyOut through real flows on the embedded runtime."""

from __future__ import annotations

import pytest

from podium.common.models.state import State
from tests.plugins.jdbc.conftest import outputs_of, run_flow
from tests.plugins.jdbc.test_postgres_query import errors, flow

pytestmark = pytest.mark.service


@pytest.fixture
def products(pg):
    pg.run("DROP TABLE IF EXISTS products; CREATE TABLE products (id int, name text, "
           "brand text, note text)")


def test_copy_in_csv_with_header_and_columns_then_copy_out(runtime, pg, products):
    done = run_flow(runtime, flow(pg, """
  - id: file
    type: io.kestra.plugin.core.storage.Write
    extension: .csv
    content: |
      name;id;brand
      "a;1";1;x
      b;2;
  - id: copy_in
    type: io.kestra.plugin.jdbc.postgresql.CopyIn
    from: "{{ outputs.file.uri }}"
    table: public.products
    format: CSV
    header: true
    delimiter: ";"
    columns: [name, id, brand]
    forceNull: [brand]
  - id: copy_out
    type: io.kestra.plugin.jdbc.postgresql.CopyOut
    sql: SELECT id, name, brand FROM products ORDER BY id;
    format: CSV
    header: true
    delimiter: "\\t"
    nullString: "NULL"
"""))
    assert done.state is State.SUCCESS, errors(runtime, done)
    assert outputs_of(runtime, done, "copy_in") == {"rowCount": 2}
    assert pg.rows("SELECT id, name, brand FROM products ORDER BY id") == [
        (1, "a;1", "x"), (2, "b", None)]
    out = outputs_of(runtime, done, "copy_out")
    assert out["rowCount"] == 2 and out["uri"].endswith(".csv")
    assert runtime.storage.read_bytes(out["uri"]).decode() == \
        "id\tname\tbrand\n1\ta;1\tx\n2\tb\tNULL\n"


def test_copy_text_and_binary_round_trips(runtime, pg, products):
    pg.run("INSERT INTO products VALUES (1, 'tab\tinside', 'x', NULL), (2, 'é', NULL, 'n')")
    done = run_flow(runtime, flow(pg, """
  - id: text_out
    type: io.kestra.plugin.jdbc.postgresql.CopyOut
    table: products
    socketTimeout: 30
  - id: binary_out
    type: io.kestra.plugin.jdbc.postgresql.CopyOut
    table: products
    columns: [id, name]
    format: BINARY
  - id: reset
    type: io.kestra.plugin.jdbc.postgresql.Queries
    sql: TRUNCATE products; CREATE TABLE IF NOT EXISTS products2 (id int, name text);
      TRUNCATE products2
  - id: text_in
    type: io.kestra.plugin.jdbc.postgresql.CopyIn
    from: "{{ outputs.text_out.uri }}"
    table: products
  - id: binary_in
    type: io.kestra.plugin.jdbc.postgresql.CopyIn
    from: "{{ outputs.binary_out.uri }}"
    table: products2
    format: BINARY
"""))
    assert done.state is State.SUCCESS, errors(runtime, done)
    assert outputs_of(runtime, done, "text_in") == {"rowCount": 2}
    assert pg.rows("SELECT * FROM products ORDER BY id") == [
        (1, "tab\tinside", "x", None), (2, "é", None, "n")]
    assert pg.rows("SELECT * FROM products2 ORDER BY id") == [(1, "tab\tinside"), (2, "é")]


def test_copy_errors_name_the_problem(runtime, pg, products):
    done = run_flow(runtime, flow(pg, """
  - id: file
    type: io.kestra.plugin.core.storage.Write
    content: "not,a,number\\n"
  - id: copy_in
    type: io.kestra.plugin.jdbc.postgresql.CopyIn
    from: "{{ outputs.file.uri }}"
    table: products
    format: CSV
"""))
    assert done.state is State.FAILED
    assert "Unable to copy into the table" in errors(runtime, done)
    assert "invalid input syntax for type integer" in errors(runtime, done)
    assert pg.rows("SELECT count(*) FROM products") == [(0,)]
    done = run_flow(runtime, flow(pg, """
  - id: copy_out
    type: io.kestra.plugin.jdbc.postgresql.CopyOut
    table: products
    delimiter: ";;"
""", flow_id="bad_delimiter"))
    assert done.state is State.FAILED
    assert "`delimiter` must be a single character" in errors(runtime, done)
