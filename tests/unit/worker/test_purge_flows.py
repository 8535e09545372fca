"""flow.PurgeFlows through run_attempt on a SQLite Database: old revisions go, the latest
one, deleted-flow markers and revisions unfinished executions run stay."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import update

from podium.common.flow.loader import parse_flow
from podium.common.models.execution import Execution
from podium.common.models.state import State, StateHistory
from podium.common.store import (
    Database,
    delete_flow,
    insert_execution,
    list_revisions,
    save_flow,
    upgrade_database,
)
from podium.common.store.schema import flows
from tests.unit.worker.conftest import make_task
from tests.unit.worker.test_admin_tasks import run

PURGE = "io.kestra.plugin.core.flow.PurgeFlows"


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'podium.db'}")
    upgrade_database(database)
    yield database
    database.dispose()


def save(db, namespace: str, flow_id: str, times: int) -> None:
    with db.begin() as conn:
        for n in range(times):
            save_flow(conn, parse_flow(f"id: {flow_id}\nnamespace: {namespace}\n"
                                       f"description: v{n}\ntasks:\n  - id: t\n"
                                       f"    type: io.kestra.plugin.core.log.Log\n"
                                       f"    message: x\n"))


def revisions(db, namespace: str, flow_id: str) -> list[int]:
    with db.read() as conn:
        return [r.revision for r in list_revisions(conn, namespace, flow_id)]


def purge(db, **props):
    outcome, logs = run(make_task(PURGE, **props), db)
    assert outcome.state is State.SUCCESS, outcome.error
    return outcome.outputs["size"], logs


def test_default_keeps_only_the_latest_revision_of_the_named_namespace_tree(db):
    save(db, "company", "a", 3)
    save(db, "company.team", "b", 2)
    save(db, "other", "c", 2)
    size, _ = purge(db, namespaces=["company"])
    assert size == 3
    assert (revisions(db, "company", "a"), revisions(db, "company.team", "b"),
            revisions(db, "other", "c")) == ([3], [2], [1, 2])


def test_keep_amount_flow_pattern_and_before(db):
    save(db, "company", "keep_me", 4)
    save(db, "company", "x_deprecated", 4)
    size, _ = purge(db, flowPattern="*_deprecated", behavior={"type": "version", "keepAmount": 2})
    assert size == 2
    assert revisions(db, "company", "x_deprecated") == [3, 4]
    assert revisions(db, "company", "keep_me") == [1, 2, 3, 4]
    with db.begin() as conn:  # revisions 1 and 2 saved long ago
        conn.execute(update(flows).where(flows.c.flow_id == "keep_me", flows.c.revision <= 2)
                     .values(saved_at=datetime(2020, 1, 1, tzinfo=timezone.utc)))
    size, _ = purge(db, behavior={"type": "version", "before": "2021-01-01T00:00:00Z"})
    assert size == 2 and revisions(db, "company", "keep_me") == [3, 4]


def test_revisions_of_unfinished_executions_and_delete_markers_stay(db):
    save(db, "company", "a", 3)
    with db.begin() as conn:
        insert_execution(conn, Execution(namespace="company", flow_id="a", flow_revision=1,
                                         history=StateHistory.new(datetime.now(timezone.utc),
                                                                  State.RUNNING)))
        delete_flow(conn, "company", "a")
    save(db, "company", "a", 1)  # re-created: revision 5 after the marker 4
    size, logs = purge(db)
    assert size == 2  # revisions 2 and 3
    assert revisions(db, "company", "a") == [1, 4, 5]
    assert "company.a: revisions [1] kept, unfinished executions run them" in logs.messages("INFO")


def test_keep_amount_zero_is_refused():
    with pytest.raises(Exception, match="keepAmount must be at least 1"):
        make_task(PURGE, behavior={"type": "version", "keepAmount": 0})
