"""Flow saves in concurrent PostgreSQL transactions: one saving several flows and one
saving one of them never wait for each other in a cycle (the flows' change count is the
first lock every flow write takes, common/store/flows.py `_lock_flow`)."""

from __future__ import annotations

import threading

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.store import Database, flows_stamp, list_revisions, save_flow, upgrade_database
from tests.waiting import wait_for

pytestmark = pytest.mark.service

FLOW = """\
id: {id}
namespace: company.team
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "{message}"
"""


def flow(flow_id: str, message: str):
    return parse_flow(FLOW.format(id=flow_id, message=message))


@pytest.fixture
def db(postgres_server):
    database = Database(postgres_server.create_database())
    upgrade_database(database)
    yield database
    database.dispose()


def waiting_on_a_lock(db: Database) -> int:
    with db.read() as conn:
        return conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()").scalar_one()


def test_a_save_of_several_flows_and_a_save_of_one_of_them_both_commit(db):
    with db.read() as conn:
        before = flows_stamp(conn)
    errors: list[BaseException] = []

    def save_second_alone() -> None:
        try:
            with db.begin() as conn:
                save_flow(conn, flow("second", "alone"))
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    with db.begin() as conn:
        save_flow(conn, flow("first", "together"))
        other = threading.Thread(target=save_second_alone)
        other.start()
        wait_for(lambda: waiting_on_a_lock(db) == 1, what="the lone save waiting")
        save_flow(conn, flow("second", "together"))  # would deadlock if it waited on it
    other.join(30)

    assert not other.is_alive() and errors == []
    with db.read() as conn:
        second = [r.source for r in list_revisions(conn, "company.team", "second")]
        assert flows_stamp(conn) != before
    assert len(second) == 2 and "together" in second[0] and "alone" in second[1]
