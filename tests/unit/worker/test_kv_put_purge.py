"""kv.Put and kv.PurgeKV through run_attempt on a SQLite Database (Kestra's PutTest and
PurgeKVTest cases), and the namespace choice every purge task shares."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from podium.common.errors import KVError
from podium.common.flow.loader import parse_flow
from podium.common.kv import KVStore, KVType, KVValue, patched_value
from podium.common.models.state import State
from podium.common.store import Database, save_flow, upgrade_database
from podium.common.templating import build_context
from podium.worker.run_context import RunContext
from podium.worker.runnables import run_attempt
from podium.worker.runnables.purge_scope import purge_namespaces, wildcard_match
from tests.unit.worker.conftest import LogSink, make_task

NS = "io.kestra.tests"
PUT = "io.kestra.plugin.core.kv.Put"
PURGE = "io.kestra.plugin.core.kv.PurgeKV"
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'podium.db'}")
    upgrade_database(database)
    yield database
    database.dispose()


def add_flow(db, namespace: str) -> None:
    with db.begin() as conn:
        save_flow(conn, parse_flow(f"id: flow1\nnamespace: {namespace}\ntasks:\n  - id: t\n"
                                   f"    type: io.kestra.plugin.core.log.Log\n    message: x\n"))


def context(namespace: str = NS) -> dict:
    return build_context(flow_id="flow1", namespace=namespace, revision=1, execution_id="e1",
                         task_id="t1", taskrun_id="tr1", inputs={"n": 3}, environ={})


def run(db, type_, namespace=NS, **props):
    sink = LogSink()
    ctx = RunContext(context(namespace), on_log=sink)
    ctx.store = db
    return run_attempt(make_task(type_, **props), ctx), sink


def put(db, key, value, namespace=NS, ttl=None):
    KVStore(db).put(namespace, key, KVValue(KVType.JSON if isinstance(value, (dict, list))
                                            else KVType.STRING, value), ttl=ttl)


def stored(db, key, namespace=NS):
    return KVStore(db).value(namespace, key)


# ---------------------------------------------------------------- Put
def test_put_replaces_a_string_and_creates_a_missing_key(db):
    put(db, "my-string-key", "old")
    outcome, _ = run(db, PUT, key="my-string-key", value="new-value")
    assert outcome.state is State.SUCCESS, outcome.error
    assert stored(db, "my-string-key") == "new-value"
    outcome, _ = run(db, PUT, key="fresh", value="{{ inputs.n * 2 }}")
    assert outcome.state is State.SUCCESS and stored(db, "fresh") == 6
    assert KVStore(db).get(NS, "fresh").type is KVType.NUMBER


def test_put_entries_patch_dotted_fields_of_a_json_value(db):
    put(db, "my-json-key", {"json-key-1": "old", "nested": {"field": 1, "kept": True}, "x": 0})
    outcome, _ = run(db, PUT, key="my-json-key", value=[
        {"key": "json-key-1", "value": "my new value"}, {"key": "nested.field", "value": 123}])
    assert outcome.state is State.SUCCESS, outcome.error
    assert stored(db, "my-json-key") == {"json-key-1": "my new value", "x": 0,
                                         "nested": {"field": 123, "kept": True}}


def test_put_deep_merges_maps_and_a_single_value_entry_replaces(db):
    put(db, "m", {"a": {"b": 1, "c": 2}, "d": [1]})
    assert run(db, PUT, key="m", value={"a": {"c": 3}, "d": [2]})[0].state is State.SUCCESS
    assert stored(db, "m") == {"a": {"b": 1, "c": 3}, "d": [2]}
    assert run(db, PUT, key="m", value=[{"value": "whole"}])[0].state is State.SUCCESS
    assert stored(db, "m") == "whole"


def test_put_keeps_the_expiration_of_the_entry(db):
    put(db, "k", "v", ttl="PT1H")
    expires = KVStore(db).get(NS, "k").expires
    assert run(db, PUT, key="k", value="w")[0].state is State.SUCCESS
    assert KVStore(db).get(NS, "k").expires == expires and stored(db, "k") == "w"


def test_put_error_on_missing_and_bad_patches_fail_clearly(db):
    outcome, _ = run(db, PUT, key="absent", value="x", errorOnMissing=True)
    assert outcome.state is State.FAILED
    assert outcome.error == ("No value found for key 'absent' in namespace 'io.kestra.tests' "
                             "and `errorOnMissing` is set to true")
    assert stored(db, "absent") is None
    put(db, "text", "plain")
    outcome, _ = run(db, PUT, key="text", value=[{"key": "a", "value": 1}])
    assert outcome.state is State.FAILED and "non-JSON existing KV value" in outcome.error


def test_patched_value_rules():
    assert patched_value(None, [{"key": "a.b.c", "value": 1}]) == {"a": {"b": {"c": 1}}}
    assert patched_value({"a": 1}, [{"key": "a.b", "value": 2}]) == {"a": {"b": 2}}
    assert patched_value([1], [3]) == [3]  # a plain list replaces
    with pytest.raises(KVError, match="single replacement item"):
        patched_value({}, [{"value": 1}, {"key": "a", "value": 2}])


# ---------------------------------------------------------------- PurgeKV
def expired_and_live(db, namespace: str) -> None:
    store = KVStore(db, clock=lambda: T0)
    store.put(namespace, "key_expired", KVValue(KVType.STRING, "x"), ttl="PT1S")
    store.put(namespace, "key", KVValue(KVType.STRING, "x"), ttl="P3650D")
    store.put(namespace, "key2_never_expired", KVValue(KVType.STRING, "x"))


def keys(db, namespace: str) -> list[str]:
    return sorted(entry.key for entry in KVStore(db).list(namespace))


def test_purge_kv_deletes_expired_keys_of_every_namespace_by_default(db):
    add_flow(db, "io.kestra.a")
    expired_and_live(db, "io.kestra.a")
    expired_and_live(db, "keys.only")  # no flow there: reached because it holds keys
    outcome, logs = run(db, PURGE)
    assert outcome.state is State.SUCCESS, outcome.error
    assert outcome.outputs == {"size": 2}
    assert keys(db, "io.kestra.a") == keys(db, "keys.only") == ["key", "key2_never_expired"]
    assert logs.messages("INFO")[-1] == "purged 2 keys"


def test_purge_kv_every_key_and_the_deprecated_expired_only_wins(db):
    expired_and_live(db, NS)
    outcome, _ = run(db, PURGE, namespaces=[NS],
                     behavior={"type": "key", "expiredOnly": True}, expiredOnly=False)
    assert outcome.outputs == {"size": 3} and keys(db, NS) == []


def test_purge_kv_key_pattern(db):
    store = KVStore(db, clock=lambda: T0)
    for key in ("key_1", "key_2", "not_found"):
        store.put(NS, key, KVValue(KVType.STRING, "x"), ttl="PT1S")
    outcome, _ = run(db, PURGE, namespaces=[NS], keyPattern="*ey*")
    assert outcome.outputs == {"size": 2}
    assert [e.key for e in KVStore(db, clock=lambda: T0).list(NS)] == ["not_found"]


def test_purge_kv_version_behavior_on_single_version_keys(db):
    expired_and_live(db, NS)
    for behavior in ({"type": "version", "keepAmount": 1},
                     {"type": "version", "before": "2030-01-01T00:00:00Z"}):
        assert run(db, PURGE, namespaces=[NS], behavior=behavior)[0].outputs == {"size": 0}
    bad, _ = run(db, PURGE, namespaces=[NS], behavior={"type": "version", "before": "soon"})
    assert bad.state is State.FAILED and "Invalid `behavior.before` 'soon'" in bad.error
    assert run(db, PURGE, namespaces=[NS],
               behavior={"type": "version"})[0].outputs == {"size": 3}


def test_purge_kv_refuses_both_before_and_keep_amount_at_load():
    with pytest.raises(Exception, match="Cannot set both 'before' and 'keepAmount'"):
        make_task(PURGE, behavior={"type": "version", "before": "x", "keepAmount": 2})


# ---------------------------------------------------------------- the namespaces a purge reaches
KNOWN = ["io.kestra.tests", "parent", "parent.child", "parentX"]


def scope(**props) -> list[str]:
    ctx = RunContext(context())
    return purge_namespaces(ctx, make_task(PURGE, **props), KNOWN)


def test_purge_namespaces_follow_kestra():
    assert scope() == KNOWN
    assert scope(namespacePattern="*arent*") == ["parent", "parent.child", "parentX"]
    assert scope(namespaces=["ns1", "parent"], includeChildNamespaces=False) == \
        ["ns1", "parent"]
    # children are `parent.*` only: Kestra's startsWith would also take parentX
    assert scope(namespaces=["ns1", "ns2", "parent"]) == ["ns1", "ns2", "parent",
                                                          "parent.child"]
    assert scope(namespaces='{{ ["parent"] | toJson }}') == ["parent", "parent.child"]


def test_purge_namespaces_refuse_both_ways_at_run_time_too():
    ctx = RunContext(context())
    task = make_task(PURGE, namespaces="{{ ['a'] | toJson }}", namespacePattern="*")
    with pytest.raises(Exception, match="can't be used at the same time"):
        purge_namespaces(ctx, task, KNOWN)


@pytest.mark.parametrize("text,pattern,matches", [
    ("company.team", "company.*", True), ("company", "company.*", False),
    ("a.b", "a?b", True), ("ab", "a?b", False), ("Key", "key", False),
    ("x[1]", "x[1]", True), ("x1", "x[1]", False)])
def test_wildcard_match_is_commons_io(text, pattern, matches):
    assert wildcard_match(text, pattern) is matches
