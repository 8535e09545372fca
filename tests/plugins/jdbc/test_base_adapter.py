"""The shared base with a second adapter, the standard library's sqlite3: what another
database (SQLite, DuckDB, MySQL: the jdbc family's other modules) gets from the base without
code of its own: qmark parameters, Queries in a transaction, an embedded database's
`outputFiles`, and the render_variables / before_execute hooks."""

from __future__ import annotations

import sqlite3
from typing import Any, ClassVar

import pytest

from podium.common.models.state import State
from podium.sdk import Plugin, RunContext
from podium.testing.plugins import registered
from podium_jdbc.adapter import Adapter, Target
from podium_jdbc.base import JdbcQueries, JdbcQuery
from tests.plugins.jdbc.conftest import outputs_of, run_flow


class ProbeSqlite(Adapter):
    scheme: ClassVar[str] = "jdbc:sqlite"
    embedded: ClassVar[bool] = True

    @property
    def errors(self) -> tuple[type[BaseException], ...]:
        return (sqlite3.Error,)

    def connect(self, target: Target, ctx: RunContext) -> Any:
        return sqlite3.connect(target.url.path or ":memory:")

    def set_autocommit(self, connection: Any, enabled: bool) -> None:
        connection.isolation_level = None if enabled else "DEFERRED"


class ProbeQueries(JdbcQueries):
    TYPE: ClassVar[str] = "tests.jdbc.probe.Queries"
    ADAPTER: ClassVar[Adapter] = ProbeSqlite()

    def render_variables(self, ctx: RunContext) -> dict[str, Any]:
        return {"probeVar": "from-hook"}

    def before_execute(self, ctx: RunContext, connection: Any) -> None:
        connection.execute("CREATE TEMP TABLE hook (v text)")
        connection.execute("INSERT INTO hook VALUES ('before')")


class ProbeQuery(JdbcQuery):
    TYPE: ClassVar[str] = "tests.jdbc.probe.Query"
    ADAPTER: ClassVar[Adapter] = ProbeSqlite()


@pytest.fixture(autouse=True)
def probe_plugin():
    """Types are registered because a Plugin lists them: this test's own, for its tests."""
    with registered(Plugin(name="jdbc-probe", tasks=(ProbeQuery, ProbeQueries))):
        yield


def test_another_adapter_gets_parameters_transactions_and_output_files(runtime, tmp_path):
    db = tmp_path / "probe.db"
    done = run_flow(runtime, f"""
id: probe
namespace: tests.jdbc
tasks:
  - id: script
    type: tests.jdbc.probe.Queries
    url: jdbc:sqlite:{db}
    outputFiles: [copy.db]
    parameters:
      name: "{{{{ 'ada' }}}}"
    sql: |
      CREATE TABLE people (name text, note text);
      INSERT INTO people VALUES (:name, '{{{{ probeVar }}}}');
      SELECT name, note, (SELECT v FROM hook) AS hook FROM people;
      ATTACH DATABASE '{{{{ outputFiles["copy.db"] }}}}' AS out;
      CREATE TABLE out.people AS SELECT * FROM people;
    fetchType: FETCH
  - id: failing
    type: tests.jdbc.probe.Queries
    allowFailure: true
    url: jdbc:sqlite:{db}
    sql: |
      INSERT INTO people VALUES ('bob', 'rolled back');
      INSERT INTO nowhere VALUES (1);
  - id: count
    type: tests.jdbc.probe.Query
    url: jdbc:sqlite:{db}
    sql: SELECT count(*) AS n FROM people WHERE note = :note
    parameters: {{note: from-hook}}
    fetchType: FETCH_ONE
""")
    runs = {run.task_id: run for run in runtime.task_runs(done.id)}
    assert runs["script"].state is State.SUCCESS, (
        [(line.task_id, line.message) for line in runtime.logs(done.id)], done.error,
        runs["script"].outputs, runs["script"].attempts)
    script = outputs_of(runtime, done, "script")
    assert script["outputs"] == [
        {"rows": [{"name": "ada", "note": "from-hook", "hook": "before"}], "size": 1}]
    copy = tmp_path / "copy.db"
    copy.write_bytes(runtime.storage.read_bytes(script["outputFiles"]["copy.db"]))
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT name FROM people").fetchall() == [("ada",)]
    assert runs["failing"].state is State.WARNING  # failed, allowFailure
    assert outputs_of(runtime, done, "count") == {"row": {"n": 1}, "size": 1}
    with sqlite3.connect(db) as conn:  # the failed script's first insert was rolled back
        assert conn.execute("SELECT count(*) FROM people").fetchone() == (1,)


@pytest.mark.service
def test_output_files_are_refused_by_a_server_database(runtime, pg):
    done = run_flow(runtime, f"""
id: server_files
namespace: tests.jdbc
tasks:
  - id: q
    type: io.kestra.plugin.jdbc.postgresql.Query
{pg.connection_yaml()}
    sql: SELECT 1
    outputFiles: [out.csv]
""")
    assert done.state is State.FAILED
    assert any("`outputFiles` is only supported by the embedded databases" in e.message
               for e in runtime.logs(done.id))
