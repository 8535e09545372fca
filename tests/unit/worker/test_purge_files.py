"""namespace.PurgeFiles through run_attempt on local storage and a SQLite Database: Podium
keeps one version per namespace file, so only a behavior that drops every version deletes."""

from __future__ import annotations

import pytest

from podium.common.models.state import State
from podium.common.storage import LocalStorage, namespace_file_uri
from podium.common.storage import namespace_files as nsfiles
from podium.common.store import Database, upgrade_database
from podium.worker.run_context import RunContext
from podium.worker.runnables import run_attempt
from tests.unit.worker.conftest import LogSink, make_task
from tests.unit.worker.test_kv_put_purge import add_flow, context

PURGE = "io.kestra.plugin.core.namespace.PurgeFiles"
FILES = {"company": ["a.sql", "scripts/b.sql", "scripts/c.py"],
         "company.team": ["d.sql"], "other": ["e.sql"]}


@pytest.fixture
def env(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'podium.db'}")
    upgrade_database(database)
    with LocalStorage(tmp_path / "storage") as storage:
        for namespace, paths in FILES.items():
            add_flow(database, namespace)
            for path in paths:
                storage.put(namespace_file_uri(namespace, path), b"x")
        yield database, storage
    database.dispose()


def run(env, **props):
    database, storage = env
    ctx = RunContext(context("system"), on_log=LogSink(), storage=storage)
    ctx.store = database
    return run_attempt(make_task(PURGE, **props), ctx)


def left(env) -> dict[str, list[str]]:
    _, storage = env
    return {ns: [f.path for f in nsfiles.list_files(storage, ns)] for ns in FILES}


@pytest.mark.parametrize("behavior", [None, {"type": "version", "keepAmount": 1},
                                      {"type": "version", "before": "2025-01-01T00:00:00Z"}])
def test_the_newest_version_of_each_file_is_kept(env, behavior):
    props = {"namespaces": ["company"]} | ({"behavior": behavior} if behavior else {})
    outcome = run(env, **props)
    assert outcome.state is State.SUCCESS, outcome.error
    assert outcome.outputs == {"size": 0} and left(env) == FILES


def test_dropping_every_version_deletes_the_matching_files_of_the_namespace_tree(env):
    outcome = run(env, namespaces=["company"], filePattern="**/*.sql",
                  behavior={"type": "version", "keepAmount": 0})
    assert outcome.state is State.SUCCESS, outcome.error
    assert outcome.outputs == {"size": 1}  # only scripts/b.sql has a folder before it
    assert left(env) == {"company": ["a.sql", "scripts/c.py"], "company.team": ["d.sql"],
                         "other": ["e.sql"]}
    outcome = run(env, namespacePattern="*", filePattern="*.sql", behavior={"type": "version"})
    assert outcome.outputs == {"size": 3}
    assert left(env) == {"company": ["scripts/c.py"], "company.team": [], "other": []}


def test_an_unsafe_namespace_fails_the_task(env):
    outcome = run(env, namespaces=["../etc"], behavior={"type": "version"})
    assert outcome.state is State.FAILED and "namespace" in outcome.error
