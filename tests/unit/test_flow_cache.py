"""The executor's parsed-flow cache (executor/flow_cache.py): one process may hold several
databases (embedded runtimes side by side), each with its own revision 1 of a flow id."""

from __future__ import annotations

from podium.common.flow.loader import parse_flow
from podium.common.store import Database, save_flow, upgrade
from podium.executor.flow_cache import FlowCache

SOURCE = """id: child
namespace: company.team
tasks:
  - id: {task}
    type: io.kestra.plugin.core.log.Log
    message: hi
"""


def database(folder) -> Database:
    folder.mkdir()
    url = f"sqlite:///{folder / 'podium.db'}"
    upgrade(url)
    return Database(url)


def test_the_same_revision_of_two_databases_is_two_flows(tmp_path):
    cache = FlowCache()
    first, second = database(tmp_path / "a"), database(tmp_path / "b")
    for db, task in ((first, "one"), (second, "two")):
        with db.begin() as conn:
            save_flow(conn, parse_flow(SOURCE.format(task=task)))
    with first.read() as conn:
        assert cache.get(conn, "company.team", "child", 1).tasks[0].id == "one"
    with second.read() as conn:
        assert cache.get(conn, "company.team", "child", 1).tasks[0].id == "two"
