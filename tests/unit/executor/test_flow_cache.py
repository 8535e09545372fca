"""The executor's cache of parsed flows is process-wide: two stores in one process (one
embedded runtime after another) must each get their own revision 1 of a flow."""

from __future__ import annotations

from podium.common.flow.loader import parse_flow
from podium.common.store import save_flow
from podium.common.store.database import Database
from podium.common.store.migrate import upgrade_database
from podium.executor.flow_cache import FlowCache

FLOW = "id: child\nnamespace: company.team\n{inputs}tasks:\n  - id: t\n" \
       "    type: io.kestra.plugin.core.log.Log\n    message: hi\n"


def store_with(tmp_path, name, inputs):
    db = Database(f"sqlite:///{tmp_path / name}.db")
    upgrade_database(db)
    with db.begin() as conn:
        save_flow(conn, parse_flow(FLOW.format(inputs=inputs)))
    return db


def test_the_same_flow_revision_of_two_databases_is_not_shared(tmp_path):
    plain = store_with(tmp_path, "plain", "")
    with_input = store_with(tmp_path, "inputs", "inputs:\n  - id: who\n    type: STRING\n")
    cache = FlowCache()
    with plain.read() as conn:
        assert cache.get(conn, "company.team", "child", 1).inputs is None
    with with_input.read() as conn:
        assert [i.id for i in cache.get(conn, "company.team", "child", 1).inputs] == ["who"]
    plain.dispose()
    with_input.dispose()
