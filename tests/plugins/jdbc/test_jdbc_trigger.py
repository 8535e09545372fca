"""The JDBC polling triggers run by the embedded runtime's scheduler (real clock, a one-second
interval) against a real SQLite file: no execution while the query returns nothing, one
when rows appear, with Kestra's `trigger.*` variables; `afterSQL` marks them read."""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path

import pytest

from podium.common.errors import FlowValidationError
from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.settings import SchedulerSettings
from podium.common.templating.library.ion import ion_rows
from podium.runtime import Runtime
from podium_jdbc import plugin
from tests.plugins.jdbc.trigger_support import FLOW, executions, wait_polls
from tests.waiting import wait_for


def sqlite_events(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (id INTEGER, name TEXT, seen INTEGER DEFAULT 0)")
    conn.close()
    return path


def insert_sqlite(path: Path, *rows: tuple[int, str]) -> None:
    with sqlite3.connect(path) as conn:
        conn.executemany("INSERT INTO events (id, name) VALUES (?, ?)", rows)
    conn.close()


def test_sqlite_trigger_fires_once_rows_appear_and_not_while_the_query_is_empty(
        scheduled, tmp_path):
    database = sqlite_events(tmp_path / "events.db")
    scheduled.deploy(parse_flow(FLOW.format(type="io.kestra.plugin.jdbc.sqlite.Trigger",
                                            connection=f"    url: jdbc:sqlite:{database}")))
    wait_polls(scheduled, 2)
    assert executions(scheduled) == []  # polled twice, nothing returned: nothing started
    insert_sqlite(database, (1, "alpha"), (2, "beta"))
    [started] = wait_for(lambda: executions(scheduled), timeout=30, what="an execution")
    done = scheduled.wait(started.id, timeout=30)
    assert done.state is State.SUCCESS
    assert done.trigger["type"] == "io.kestra.plugin.jdbc.sqlite.Trigger"
    assert done.trigger["variables"] == {
        "rows": [{"id": 1, "name": "alpha"}, {"id": 2, "name": "beta"}], "size": 2}
    shown = sorted(r.outputs["value"] for r in scheduled.task_runs(done.id)
                   if r.task_id == "show")
    assert shown == ["alpha", "beta"]
    wait_polls(scheduled, 2)  # afterSQL marked them: later polls find nothing
    assert len(executions(scheduled)) == 1
    insert_sqlite(database, (3, "gamma"))
    wait_for(lambda: len(executions(scheduled)) == 2, timeout=30, what="a second execution")
    found = [e.trigger["variables"]["rows"] for e in executions(scheduled)]
    assert [{"id": 3, "name": "gamma"}] in found


def test_store_puts_the_rows_in_a_file_of_the_execution(scheduled, tmp_path):
    database = sqlite_events(tmp_path / "events.db")
    insert_sqlite(database, (1, "alpha"))
    source = FLOW.format(type="io.kestra.plugin.jdbc.sqlite.Trigger",
                         connection=f"    url: jdbc:sqlite:{database}\n    fetchType: STORE")
    source = source.replace('values: "{{ trigger.rows }}"', "values: [1]")
    scheduled.deploy(parse_flow(source))
    [started] = wait_for(lambda: executions(scheduled), timeout=30, what="an execution")
    variables = started.trigger["variables"]
    assert variables["size"] == 1 and "rows" not in variables
    assert variables["uri"].startswith(
        f"kestra:///tests/jdbc/watch/executions/{started.id}/trigger/rows/")
    rows = list(ion_rows(scheduled.storage.read_bytes(variables["uri"]).decode()))
    assert rows == [{"id": 1, "name": "alpha"}]


def test_fetch_type_none_is_refused_when_the_flow_is_validated():
    source = FLOW.format(type="io.kestra.plugin.jdbc.sqlite.Trigger",
                         connection="    url: jdbc:sqlite:/tmp/x.db\n    fetchType: NONE")
    with pytest.raises(FlowValidationError, match="fetchType NONE is not valid for triggers"):
        parse_flow(source)


def test_the_default_interval_is_a_minute():
    source = FLOW.format(type="io.kestra.plugin.jdbc.sqlite.Trigger",
                         connection="    url: jdbc:sqlite:/tmp/x.db").replace(
        "    interval: PT1S\n", "")
    assert parse_flow(source).flow.triggers[0].interval == "PT1M"


@pytest.mark.service
def test_postgresql_trigger_fetch_one_fires_when_rows_appear(scheduled, pg):
    pg.run("CREATE TABLE events (id INT, name TEXT, seen INT DEFAULT 0)")
    try:
        source = FLOW.format(type="io.kestra.plugin.jdbc.postgresql.Trigger",
                             connection=pg.connection_yaml() + "\n    fetchType: FETCH_ONE")
        source = source.replace('values: "{{ trigger.rows }}"', 'values: ["{{ trigger.row }}"]')
        scheduled.deploy(parse_flow(source))
        wait_polls(scheduled, 2)
        assert executions(scheduled) == []
        pg.run("INSERT INTO events (id, name) VALUES (7, 'seven'), (8, 'eight')")
        [started] = wait_for(lambda: executions(scheduled), timeout=30, what="an execution")
        assert started.trigger["variables"] == {"row": {"id": 7, "name": "seven"}, "size": 1}
        assert scheduled.wait(started.id, timeout=30).state is State.SUCCESS
        assert pg.rows("SELECT count(*) FROM events WHERE seen = 1") == [(2,)]
    finally:
        pg.run("DROP TABLE events")


def test_trigger_properties_render_with_secrets_and_flow_variables(tmp_path):
    database = sqlite_events(tmp_path / "watch.db")  # named after the flow id
    insert_sqlite(database, (1, "alpha"))
    folder = base64.b64encode(str(tmp_path).encode()).decode()
    settings = SchedulerSettings(timezone="UTC", flow_poll_seconds=0.2, busy_poll_seconds=0.1)
    with Runtime.embedded(tmp_path / "data", workers=1, environ={"SECRET_FOLDER": folder},
                          scheduler=settings) as rt:
        url = "    url: \"jdbc:sqlite:{{ secret('FOLDER') }}/{{ flow.id }}.db\""
        rt.deploy(parse_flow(FLOW.format(type="io.kestra.plugin.jdbc.sqlite.Trigger",
                                         connection=url)))
        [started] = wait_for(lambda: executions(rt), timeout=30, what="an execution")
    assert started.trigger["variables"]["rows"] == [{"id": 1, "name": "alpha"}]


@pytest.mark.parametrize("cls", plugin.triggers, ids=lambda cls: cls.TYPE)
def test_every_trigger_example_is_a_valid_flow(cls):
    assert cls.EXAMPLES and cls.__doc__
    for example in cls.EXAMPLES:
        assert parse_flow(example.code).flow.triggers[0].type == cls.TYPE
