"""Contract of the namespace KV store on SQLite and PostgreSQL: the upsert, expiration,
prefixes, deletes, and the KVStore service over them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from podium.common.errors import KVError
from podium.common.flow.loader import parse_flow
from podium.common.kv import KVStore, KVType, KVValue
from podium.common.store import (
    clear_kv,
    delete_expired_kv,
    delete_flow,
    delete_kv,
    delete_kv_keys,
    flow_namespaces,
    get_kv,
    kv_namespaces,
    list_all_kv,
    list_kv,
    namespace_in_use,
    put_kv,
    save_flow,
)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
NS = "company.team"


def later(**delta) -> datetime:
    return T0 + timedelta(**delta)


def test_put_then_get_keeps_type_value_and_dates(db):
    with db.begin() as conn:
        assert put_kv(conn, NS, "k", "JSON", {"a": [1, "x"], "b": None}, now=T0,
                      expires=later(hours=1))
    with db.read() as conn:
        row = get_kv(conn, NS, "k", T0)
    assert (row.type, row.value, row.created, row.updated, row.expires) == \
        ("JSON", {"a": [1, "x"], "b": None}, T0, T0, later(hours=1))


@pytest.mark.parametrize("value", ["text", 42, 4.5, True, None, [1, 2], {"k": "v"}])
def test_every_json_value_round_trips(db, value):
    with db.begin() as conn:
        put_kv(conn, NS, "k", "X", value, now=T0)
        assert get_kv(conn, NS, "k", T0).value == value


def test_overwrite_updates_but_keeps_the_creation_date(db):
    with db.begin() as conn:
        put_kv(conn, NS, "k", "STRING", "one", now=T0)
        assert put_kv(conn, NS, "k", "NUMBER", 2, now=later(minutes=1))
        row = get_kv(conn, NS, "k", later(minutes=1))
    assert (row.type, row.value, row.created, row.updated) == \
        ("NUMBER", 2, T0, later(minutes=1))


def test_without_overwrite_a_live_key_is_kept_and_an_expired_one_replaced(db):
    with db.begin() as conn:
        put_kv(conn, NS, "live", "STRING", "first", now=T0)
        put_kv(conn, NS, "dead", "STRING", "old", now=T0, expires=later(seconds=1))
        assert not put_kv(conn, NS, "live", "STRING", "second", now=later(minutes=1),
                          overwrite=False)
        assert put_kv(conn, NS, "dead", "STRING", "new", now=later(minutes=1), overwrite=False)
        assert get_kv(conn, NS, "live", later(minutes=1)).value == "first"
        dead = get_kv(conn, NS, "dead", later(minutes=1))
    assert (dead.value, dead.created, dead.expires) == ("new", later(minutes=1), None)


def test_an_expired_entry_is_absent_everywhere(db):
    with db.begin() as conn:
        put_kv(conn, NS, "k", "STRING", "v", now=T0, expires=later(seconds=10))
        assert get_kv(conn, NS, "k", later(seconds=9)) is not None
        assert get_kv(conn, NS, "k", later(seconds=10)) is None
        assert list_kv(conn, NS, later(seconds=10)) == []
        assert not namespace_in_use(conn, NS, later(seconds=10))
        assert not delete_kv(conn, NS, "k", later(seconds=10))  # removed, but was not there
        assert get_kv(conn, NS, "k", T0) is None


def test_list_is_ordered_and_prefixes_are_exact(db):
    with db.begin() as conn:
        for key in ("user_1", "user_2", "userX1", "User_3", "other", "user%"):
            put_kv(conn, NS, key, "STRING", key, now=T0)
        put_kv(conn, "other.ns", "user_9", "STRING", "v", now=T0)
    with db.read() as conn:
        assert [r.key for r in list_kv(conn, NS, T0, "user_")] == ["user_1", "user_2"]
        assert [r.key for r in list_kv(conn, NS, T0, "user%")] == ["user%"]
        assert [r.key for r in list_kv(conn, NS, T0)] == \
            ["User_3", "other", "user%", "userX1", "user_1", "user_2"]


def test_delete_and_purges(db):
    with db.begin() as conn:
        put_kv(conn, NS, "a", "STRING", "v", now=T0)
        put_kv(conn, NS, "b", "STRING", "v", now=T0, expires=later(seconds=1))
        put_kv(conn, "x", "c", "STRING", "v", now=T0, expires=later(seconds=1))
        assert delete_kv(conn, NS, "a", T0)
        assert not delete_kv(conn, NS, "a", T0)
        assert delete_expired_kv(conn, NS, later(seconds=5)) == 1
        assert get_kv(conn, "x", "c", T0) is not None  # another namespace: untouched
        assert clear_kv(conn) == 1


def test_what_a_purge_sees_and_deletes(db):
    with db.begin() as conn:
        put_kv(conn, NS, "b_live", "STRING", "v", now=T0)
        put_kv(conn, NS, "a_dead", "STRING", "v", now=T0, expires=later(seconds=1))
        put_kv(conn, "z.other", "k", "STRING", "v", now=T0, expires=later(seconds=1))
    with db.read() as conn:
        assert kv_namespaces(conn) == [NS, "z.other"]
        rows = list_all_kv(conn, NS)
        assert [(r.key, r.expires) for r in rows] == [("a_dead", later(seconds=1)),
                                                      ("b_live", None)]
    with db.begin() as conn:
        assert delete_kv_keys(conn, NS, []) == 0
        assert delete_kv_keys(conn, NS, ["a_dead", "b_live", "absent"]) == 2
        assert list_all_kv(conn, NS) == []
        assert [r.key for r in list_all_kv(conn, "z.other")] == ["k"]


def test_flow_namespaces_are_those_of_live_flows(db):
    source = "id: {id}\nnamespace: {ns}\ntasks:\n  - id: t\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
    with db.begin() as conn:
        for flow_id, namespace in (("a", "b.team"), ("b", "b.team"), ("c", "a"), ("d", "gone")):
            save_flow(conn, parse_flow(source.format(id=flow_id, ns=namespace)))
        delete_flow(conn, "gone", "d")
        assert flow_namespaces(conn) == ["a", "b.team"]
        assert flow_namespaces(conn, with_deleted=True) == ["a", "b.team", "gone"]


def test_a_namespace_is_in_use_with_flows_in_or_below_it_or_entries(db):
    with db.begin() as conn:
        save_flow(conn, parse_flow("id: f\nnamespace: company.team.sub\ntasks:\n"
                                   "  - id: t\n    type: io.kestra.plugin.core.log.Log\n"
                                   "    message: hi\n"))
        put_kv(conn, "keys.only", "k", "STRING", "v", now=T0)
        assert namespace_in_use(conn, "company.team", T0)
        assert namespace_in_use(conn, "company.team.sub", T0)
        assert namespace_in_use(conn, "keys.only", T0)
        assert not namespace_in_use(conn, "company.te", T0)
        assert not namespace_in_use(conn, "nobody", T0)


def test_kv_store_service(db):
    now = [T0]
    store = KVStore(db, clock=lambda: now[0])
    store.put(NS, "k", KVValue(KVType.NUMBER, 1), ttl="PT1M")
    assert store.get(NS, "k").value == 1 and store.get(NS, "k").type is KVType.NUMBER
    with pytest.raises(KVError, match="overwrite"):
        store.put(NS, "k", KVValue(KVType.NUMBER, 2), overwrite=False)
    now[0] = later(minutes=2)
    assert store.value(NS, "k") is None
    store.put(NS, "k2", KVValue(KVType.STRING, "v"))  # also drops the expired row
    with db.read() as conn:
        assert [r.key for r in list_kv(conn, NS, T0)] == ["k2"]
    with pytest.raises(KVError, match="does not exist"):
        store.get("unknown", "k", from_namespace=NS)
    assert store.get("company", "k", from_namespace=NS) is None  # a parent: reachable
    with pytest.raises(KVError, match="Invalid key"):
        store.delete(NS, "no spaces")
