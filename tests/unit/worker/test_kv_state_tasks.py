"""kv.Set / Get / GetKeys / Delete, state.Set / Get / Delete and the kv() function, through
run_attempt on a SQLite Database, as the worker service runs them."""

from __future__ import annotations

import pytest

from podium.common.errors import TemplateError
from podium.common.kv import KVStore, KVType, KVValue
from podium.common.models.state import State
from podium.common.store import Database, upgrade_database
from podium.common.templating import RenderServices, build_context, render
from podium.worker.run_context import RunContext
from podium.worker.runnables import run_attempt
from podium.worker.secrets import AttemptSecrets
from tests.unit.worker.conftest import LogSink, make_task

NS = "company.team"
KV = "io.kestra.plugin.core.kv."
STATE = "io.kestra.plugin.core.state."


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'podium.db'}")
    upgrade_database(database)
    yield database
    database.dispose()


def run(db, type_, taskrun_value=None, flow_id="flow", **props):
    context = build_context(flow_id=flow_id, namespace=NS, revision=1, execution_id="e1",
                            task_id="t1", taskrun_id="tr1", taskrun_value=taskrun_value,
                            inputs={"n": 3}, environ={})
    sink = LogSink()
    services = AttemptSecrets(db).render_services(NS) if db is not None else RenderServices()
    ctx = RunContext(context, services, sink)
    ctx.store = db
    return run_attempt(make_task(type_, **props), ctx)


def value(db, key, namespace=NS):
    return KVStore(db).value(namespace, key)


# ---------------------------------------------------------------- kv tasks
def test_set_keeps_the_rendered_type_or_parses_kv_type(db):
    assert run(db, KV + "Set", key="a", value="{{ inputs.n + 1 }}").state is State.SUCCESS
    assert run(db, KV + "Set", key="b", value="plain").state is State.SUCCESS
    assert run(db, KV + "Set", key="c", value='{"x": [1]}', kvType="JSON").state is State.SUCCESS
    assert run(db, KV + "Set", key="d", value=42).state is State.SUCCESS  # YAML 42: its text
    assert (value(db, "a"), value(db, "b"), value(db, "c"), value(db, "d")) == \
        (4, "plain", {"x": [1]}, "42")
    assert KVStore(db).get(NS, "a").type is KVType.NUMBER


def test_get_outputs_the_value_or_null(db):
    KVStore(db).put(NS, "k", KVValue(KVType.JSON, {"field": "v"}))
    assert run(db, KV + "Get", key="k").outputs == {"value": {"field": "v"}}
    assert run(db, KV + "Get", key="missing").outputs == {"value": None}
    failed = run(db, KV + "Get", key="missing", errorOnMissing=True)
    assert failed.state is State.FAILED
    assert failed.error == ("No value found for key 'missing' in namespace 'company.team' and "
                            "`errorOnMissing` is set to true")


def test_an_expired_key_reads_as_absent(db):
    run(db, KV + "Set", key="short", value="v", ttl="PT0S")
    run(db, KV + "Set", key="long", value="v", ttl="P1D")
    assert run(db, KV + "Get", key="short").outputs == {"value": None}
    assert run(db, KV + "GetKeys").outputs == {"keys": ["long"]}
    assert KVStore(db).get(NS, "long").expires is not None


def test_overwrite_false_fails_on_an_existing_key(db):
    run(db, KV + "Set", key="k", value="first")
    failed = run(db, KV + "Set", key="k", value="second", overwrite=False)
    assert failed.state is State.FAILED and "`overwrite` is set to `false`" in failed.error
    assert value(db, "k") == "first"


def test_get_keys_filters_by_prefix_case_sensitively(db):
    for key in ("user_1", "user_2", "User_3", "userx", "other"):
        run(db, KV + "Set", key=key, value="v")
    assert run(db, KV + "GetKeys", prefix="user_").outputs == {"keys": ["user_1", "user_2"]}
    assert run(db, KV + "GetKeys").outputs["keys"] == \
        ["User_3", "other", "user_1", "user_2", "userx"]


def test_delete_outputs_whether_it_deleted(db):
    run(db, KV + "Set", key="k", value="v")
    assert run(db, KV + "Delete", key="k").outputs == {"deleted": True}
    assert run(db, KV + "Delete", key="k").outputs == {"deleted": False}
    assert run(db, KV + "Delete", key="k", errorOnMissing=True).state is State.FAILED


def test_other_namespaces_follow_kestra_s_rule(db):
    # A parent namespace is always reachable; an unknown one is not, until it holds keys.
    assert run(db, KV + "Set", key="k", value="v", namespace="company").state is State.SUCCESS
    failed = run(db, KV + "Get", key="k", namespace="elsewhere")
    assert failed.error == "Cannot access the KV store. The namespace 'elsewhere' does not exist."
    KVStore(db).put("elsewhere", "k", KVValue(KVType.STRING, "there"))
    assert run(db, KV + "Get", key="k", namespace="elsewhere").outputs == {"value": "there"}


def test_a_rendered_key_is_checked(db):
    failed = run(db, KV + "Set", key="{{ 'bad key' }}", value="v")
    assert failed.state is State.FAILED and "Invalid key 'bad key'" in failed.error


def test_without_the_store_the_task_fails_clearly():
    failed = run(None, KV + "Get", key="k")
    assert failed.error == "io.kestra.plugin.core.kv.Get needs the KV store, which this worker " \
                           "was not given"


# ---------------------------------------------------------------- kv() in expressions
def test_kv_function_reads_the_store(db):
    KVStore(db).put(NS, "my-key", KVValue(KVType.JSON, {"field": "value"}))
    outcome = run(db, "io.kestra.plugin.core.debug.Return",
                  format="{{ kv('my-key').field }} {{ kv('nope', errorOnMissing=false) ?? 'none' }} "
                         "{{ kv('my-key', 'company.team', false).field }}")
    assert outcome.outputs == {"value": "value none value"}


def test_kv_function_fails_the_task_on_a_missing_key_by_default(db):
    # Kestra >= 0.22: errorOnMissing defaults to true, so a typo never renders as ''
    for template in ("{{ kv('nope') }}", "{{ kv('nope', errorOnMissing=true) }}"):
        failed = run(db, "io.kestra.plugin.core.debug.Return", format=template)
        assert failed.state is State.FAILED
        assert "The key 'nope' does not exist in the namespace 'company.team'." in failed.error


def test_kv_function_finds_a_key_of_a_parent_namespace(db):
    KVStore(db).put("company", "shared", KVValue(KVType.STRING, "from the parent"))
    outcome = run(db, "io.kestra.plugin.core.debug.Return", format="{{ kv('shared') }}")
    assert outcome.outputs == {"value": "from the parent"}


def test_kv_function_without_store_access_is_a_clear_template_error():
    with pytest.raises(TemplateError, match="'kv' function is not available here"):
        render("{{ kv('k') }}", {"flow": {"namespace": NS}}, RenderServices())


# ---------------------------------------------------------------- state tasks
def test_state_set_merges_and_get_reads_it_back(db):
    first = run(db, STATE + "Set", name="s", data={"a": 1, "nested": {"x": 1}, "list": [1]})
    assert first.outputs == {"count": 3, "key": "flow_states_tasks-states_s"}
    run(db, STATE + "Set", name="s", data={"{{ 'b' }}": "{{ inputs.n }}", "nested": {"y": 2},
                                           "list": [2]})
    got = run(db, STATE + "Get", name="s").outputs
    assert got == {"count": 4, "data": {"a": 1, "b": "3", "nested": {"x": 1, "y": 2},
                                        "list": [1, 2]}}
    assert value(db, "flow_states_tasks-states_s")["b"] == "3"  # a JSON entry of the flow's ns


def test_state_is_per_flow_unless_shared_with_the_namespace(db):
    run(db, STATE + "Set", data={"v": "mine"})
    assert run(db, STATE + "Get", flow_id="other").outputs == {"count": 0, "data": {}}
    run(db, STATE + "Set", namespace=True, data={"v": "shared"})
    assert run(db, STATE + "Get", flow_id="other", namespace=True).outputs["data"] == \
        {"v": "shared"}


def test_state_inside_a_loop_is_per_value_unless_taskrun_value_is_false(db):
    run(db, STATE + "Set", taskrun_value="a", data={"v": "a"})
    assert run(db, STATE + "Get", taskrun_value="b").outputs["data"] == {}
    assert run(db, STATE + "Get", taskrun_value="a").outputs["data"] == {"v": "a"}
    run(db, STATE + "Set", taskrun_value="a", taskrunValue=False, data={"v": "all"})
    assert run(db, STATE + "Get", taskrun_value="b", taskrunValue=False).outputs["data"] == \
        {"v": "all"}


def test_state_delete_and_error_on_missing(db):
    run(db, STATE + "Set", name="s", data={"a": 1})
    assert run(db, STATE + "Delete", name="s").outputs == {"deleted": True}
    assert run(db, STATE + "Delete", name="s").outputs == {"deleted": False}
    missing = run(db, STATE + "Delete", name="s", errorOnMissing=True)
    assert missing.error == "Unable to find the state file 's'"
    missing = run(db, STATE + "Get", name="s", errorOnMissing=True)
    assert missing.error == "State flow_states_tasks-states_s not found"
