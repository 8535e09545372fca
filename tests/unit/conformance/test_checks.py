"""Path resolution and matchers of the conformance runner, on hand-built executions."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from podium.common.models.execution import Attempt, Execution, TaskRun
from podium.common.models.state import State, StateEntry, StateHistory
from tests.conformance.checks import (
    MISSING,
    BadPath,
    NeedsFeature,
    Snapshot,
    compare,
    evaluate,
    first_difference,
    json_equal,
    resolve,
)
from tests.conformance.manifest import expand

T0 = datetime(2024, 12, 1, tzinfo=timezone.utc)


def history(*states: State) -> StateHistory:
    return StateHistory(current=states[-1],
                        histories=tuple(StateEntry(state=s, date=T0) for s in states))


def run(task_id: str, seq: int, *, id: str | None = None, parent: str | None = None,
        value: str | None = None, states=(State.CREATED, State.RUNNING, State.SUCCESS),
        outputs=None, attempts: int = 1) -> TaskRun:
    return TaskRun(id=id or f"tr-{seq}", execution_id="ex-1", task_id=task_id,
                   parent_task_run_id=parent, value=value, history=history(*states),
                   attempts=[Attempt(number=n + 1) for n in range(attempts)], outputs=outputs,
                   seq=seq)


@pytest.fixture
def snap() -> Snapshot:
    execution = Execution(
        id="ex-1", namespace="io.kestra.tests", flow_id="demo", flow_revision=1,
        history=history(State.CREATED, State.RUNNING, State.FAILED),
        outputs={"o": "kestra://x", "arr": ["a", "b"]},
        labels=[{"key": "system.correlationId", "value": "ex-1"}, {"key": "team", "value": "x"}])
    runs = [  # deliberately out of creation order: the snapshot sorts by seq
        run("inner", 4, id="in-s1-a", parent="seq-s1", outputs={"value": "s1 a"}),
        run("each", 0, id="each"),
        run("seq", 1, id="seq-s1", parent="each", value="s1"),
        run("leaf", 3, id="leaf-s1-a", parent="inner-loop", value="a",
            outputs={"value": "v-s1-a", "nested": {"n": 1}}),
        run("inner-loop", 2, id="inner-loop", parent="seq-s1"),
        run("leaf", 5, id="leaf-s1-b", parent="inner-loop", value="b", outputs={"value": "v-s1-b"}),
        run("bad", 6, states=(State.CREATED, State.RUNNING, State.FAILED, State.RUNNING,
                              State.FAILED), attempts=2),
    ]
    logs = [("leaf", "INFO", "first leaf"), ("leaf", "INFO", "second leaf"),
            (None, "ERROR", "boom")]
    return Snapshot(execution, runs, logs)


def test_taskrun_list_in_creation_order_with_negative_index(snap):
    assert resolve("taskrun_list[0].task_id", snap) == "each"
    assert resolve("taskrun_list[-1].task_id", snap) == "bad"
    assert resolve("taskrun_list[-1].state", snap) == "FAILED"
    assert resolve("taskrun_list[-1].attempts", snap) == 2
    assert resolve("taskrun_list[99].state", snap) is MISSING


def test_taskrun_list_counts(snap):
    assert resolve("taskrun_list.count", snap) == 7
    assert resolve("taskrun_list.count_state.FAILED", snap) == 1
    assert resolve("taskrun_list.count_state.KILLED", snap) == 0


def test_taskruns_by_task_id_is_first_run(snap):
    assert resolve("taskruns[leaf].id", snap) == "leaf-s1-a"
    assert resolve("taskruns[leaf].count", snap) == 2
    assert resolve("taskruns[missing].count", snap) == 0
    assert resolve("taskruns[missing].state", snap) is MISSING


def test_taskruns_by_loop_values_walks_the_parent_chain(snap):
    assert resolve("taskruns[leaf|s1|b].outputs.value", snap) == "v-s1-b"
    assert resolve("taskruns[leaf|s1|a].id", snap) == "leaf-s1-a"
    # `inner` has no value itself but sits under the s1 iteration.
    assert resolve("taskruns[inner|s1].outputs.value", snap) == "s1 a"
    assert resolve("taskruns[leaf|b].id", snap) is MISSING  # outermost value must be there


def test_task_run_outputs_and_history(snap):
    assert resolve("taskruns[leaf].outputs.nested.n", snap) == 1
    assert resolve("taskruns[leaf].outputs.nope", snap) is MISSING
    assert resolve("taskruns[each].outputs", snap) is None
    assert resolve("taskruns[bad].history_count.FAILED", snap) == 2
    assert resolve("taskruns[bad].history_count.RUNNING", snap) == 2
    assert resolve("taskruns[bad].history_count.PAUSED", snap) == 0


def test_execution_level_paths(snap):
    assert resolve("flow_outputs.o", snap) == "kestra://x"
    assert resolve("flow_outputs.arr.1", snap) == "b"
    assert resolve("labels.system.correlationId", snap) == "ex-1"
    assert resolve("labels.absent", snap) is MISSING
    assert resolve("logs[leaf]", snap) == ["first leaf", "second leaf"]
    assert resolve("logs[none]", snap) == []
    assert resolve("execution.id", snap) == "ex-1"


@pytest.mark.parametrize("path, feature", [
    ("trigger.flowId", "flow-trigger"),
    ("trigger_state[schedule].disabled", "trigger-store"),
    ("source.execution.id", "flow-trigger")])
def test_unsupported_paths_need_a_feature(snap, path, feature):
    with pytest.raises(NeedsFeature) as raised:
        resolve(path, snap)
    assert raised.value.feature == feature
    assert evaluate({"path": path, "equals": 1}, snap).status == "skip"


def test_triggered_runs_see_their_source_and_every_triggered_execution(snap):
    from dataclasses import replace
    source = replace(snap)
    one, two = replace(snap), replace(snap)
    for item in (one, two):
        item.source, item.triggered = source, [one, two]
    assert resolve("source.execution.id", one) == snap.execution.id
    assert resolve("triggered_executions[*].execution.id", one) == [snap.execution.id] * 2
    assert evaluate({"path": "triggered_executions[*].execution.state",
                     "equals": [snap.execution.state.value] * 2}, two).status == "pass"


def test_child_paths_read_the_subflow_execution(snap):
    child = Execution(id="ch-1", namespace="io.kestra.tests", flow_id="switch", flow_revision=1,
                      history=history(State.CREATED, State.RUNNING, State.SUCCESS),
                      outputs={"o": 1},
                      labels=[{"key": "system.correlationId", "value": "ex-1"},
                              {"key": "a", "value": "b"}])
    snap.children["launch"] = Snapshot(child, [run("t", 0), run("u", 1)])
    assert resolve("child[launch].state", snap) == "SUCCESS"
    assert resolve("child[launch].taskruns", snap) == 2
    assert resolve("child[launch].labels", snap) == {"system.correlationId": "ex-1", "a": "b"}
    assert resolve("child[launch].labels.system.correlationId", snap) == "ex-1"
    assert resolve("child[launch].outputs.o", snap) == 1
    assert resolve("child[other].state", snap) is MISSING
    assert evaluate({"path": "child[launch].labels", "length": 2}, snap).status == "pass"


def test_unknown_path_is_a_failure(snap):
    with pytest.raises(BadPath):
        resolve("nonsense.x", snap)
    assert evaluate({"path": "taskruns[leaf].bogus", "equals": 1}, snap).status == "fail"


@pytest.mark.parametrize("check, status", [
    ({"path": "taskruns[leaf].outputs.nested", "equals": {"n": 1}}, "pass"),
    ({"path": "taskruns[leaf].outputs.nested", "equals": {"n": True}}, "fail"),
    ({"path": "flow_outputs.arr", "equals": ["a", "b"]}, "pass"),
    ({"path": "flow_outputs.arr", "contains": "b"}, "pass"),
    ({"path": "flow_outputs.arr", "contains": "c"}, "fail"),
    ({"path": "flow_outputs", "contains": "o"}, "pass"),
    ({"path": "taskruns[leaf].outputs.value", "contains": "s1-a"}, "pass"),
    ({"path": "flow_outputs.o", "starts_with": "kestra://"}, "pass"),
    ({"path": "flow_outputs.o", "starts_with": "file://"}, "fail"),
    ({"path": "taskruns[leaf].outputs.value", "matches": r"s\d-a"}, "pass"),
    ({"path": "taskruns[leaf].outputs.value", "matches": r"^s1"}, "fail"),
    ({"path": "taskrun_list.count", "gte": 7}, "pass"),
    ({"path": "taskrun_list.count", "gte": 8}, "fail"),
    ({"path": "flow_outputs", "length": 2}, "pass"),
    ({"path": "logs[none]", "length": 0}, "pass"),
    ({"path": "taskruns[each].outputs", "absent": True}, "pass"),
    ({"path": "flow_outputs.nope", "absent": True}, "pass"),
    ({"path": "flow_outputs.o", "absent": True}, "fail"),
    ({"path": "flow_outputs.o", "absent": False}, "pass"),
    ({"path": "labels.system.correlationId", "equals_path": "execution.id"}, "pass"),
    ({"path": "labels.team", "equals_path": "execution.id"}, "fail"),
    ({"path": "taskruns[leaf|s1|a].outputs.value", "contains_path": "taskruns[seq].value"},
     "pass"),
    ({"path": "flow_outputs.nope", "equals": "x"}, "fail"),
    ({"path": "flow_outputs.o", "frobnicates": "x"}, "fail"),
])
def test_matchers(snap, check, status):
    assert evaluate(check, snap).status == status


def test_failure_detail_names_the_first_difference(snap):
    outcome = evaluate({"path": "flow_outputs.arr", "equals": ["a", "c"]}, snap)
    assert outcome.detail == 'expected "c", got "b" at flow_outputs.arr[1]'
    outcome = evaluate({"path": "flow_outputs.nope", "equals": "x"}, snap)
    assert outcome.detail == 'expected "x", got nothing at flow_outputs.nope'


def test_json_equality_keeps_bools_apart_from_numbers():
    assert json_equal(1, 1.0)
    assert not json_equal(1, True)
    assert not json_equal("1", 1)
    assert first_difference({"a": [1, 2]}, {"a": [1, 2], "b": 0}, "x") == ("x.b", MISSING, 0)


def test_compare_order_state_then_count_then_checks(snap):
    assert compare({"state": "FAILED", "taskruns": 7, "checks": []}, snap).status == "pass"
    state = compare({"state": "SUCCESS", "taskruns": 7}, snap)
    assert state.status == "fail" and state.detail.startswith('expected "SUCCESS", got "FAILED"')
    assert "failed: bad; boom" in state.detail
    count = compare({"state": "FAILED", "taskruns": 3}, snap)
    assert count.detail.startswith("expected 3, got 7 at taskruns")
    skipped = compare({"state": "FAILED", "taskruns": None, "checks": [
        {"path": "trigger_state[x].disabled", "equals": True},
        {"path": "taskrun_list.count", "equals": 7}]}, snap)
    assert skipped.status == "skip"
    failed = compare({"state": "FAILED", "checks": [
        {"path": "trigger_state[x].disabled", "equals": True},
        {"path": "taskrun_list.count", "equals": 1}]}, snap)
    assert failed.status == "fail"


def test_variants_override_only_what_they_give():
    entry = {"file": "a/b/allow-failure.yaml", "flow_id": "f", "namespace": "n", "mode": "run",
             "inputs": {}, "execution_labels": {"k": "v"}, "expect": {"state": "WARNING"},
             "variants": [{"inputs": {"crash": "1"}, "expect": {"state": "FAILED"}}]}
    base, variant = expand(entry)
    assert (base.name, base.inputs, base.expect["state"]) == ("allow-failure.yaml", {}, "WARNING")
    assert variant.name == "allow-failure.yaml [v1]"
    assert variant.inputs == {"crash": "1"} and variant.labels == {"k": "v"}
    assert variant.expect["state"] == "FAILED"


def _case(**fields):
    entry = {"file": "x/f.yaml", "flow_id": "f", "namespace": "n", "mode": "run", "inputs": {},
             "expect": {"state": "SUCCESS"}}
    entry.update(fields)
    return expand(entry)[0]


@pytest.mark.parametrize("fields, reason", [
    ({}, None),
    ({"mode": "triggered"}, None),
    ({"mode": "something-new"}, "mode something-new"),
    ({"mode": "pause-resume", "requires": ["pause"]}, None),
    ({"mode": "pause-resume", "resume_inputs": {"f": {"$file": {"name": "a", "content": "b"}}}},
     None),
    ({"requires": ["flow-trigger", "log-store"]}, None),
    ({"requires": ["working-directory-cache", "namespace-files"]}, None),
    ({"requires": ["teleportation"]}, "needs teleportation"),
    ({"requires": ["kv-store", "state-store", "secrets", "secret-input"]}, None),
    ({"depends_on_heldout": 2}, "needs 2 held-out flow(s)"),
    ({"inputs": {"file": {"$file": {"name": "a", "content": "b"}}}}, None),
    ({"setup": {"kv": {"ns": {"k": 1}}}}, None),
    ({"setup": {"secrets": {"k": "v"}}}, None),
    ({"setup": {"kv": {}}}, None),
    ({"setup": {"envs": {"a": "1"}}}, None),
    ({"setup": {"globals": {"a": 1}}}, None),
    ({"setup": {"namespace_files": {"a": "b"}}}, None),
    ({"mode": "resume-other", "requires": ["pause", "execution-api"]}, None),
])
def test_skip_reason(fields, reason):
    from tests.conformance.runner import skip_reason
    assert skip_reason(_case(**fields)) == reason


def test_globals_of_every_case_reach_the_services_as_their_setting():
    import json

    from tests.conformance.runner import environ_for
    environ = environ_for([_case(setup={"globals": {"a": 1}, "envs": {"x": "y"}}),
                           _case(setup={"globals": {"b": {"c": True}}})])
    assert json.loads(environ["PODIUM_VARIABLES_GLOBALS"]) == {"a": 1, "b": {"c": True}}
    assert environ["ENV_X"] == "y"


def test_subflow_only_case_is_skipped_with_its_parent():
    from tests.conformance.runner import skip_reason
    parent = _case(flow_id="p", requires=["no-such-feature"])  # never supported
    child = _case(mode="subflow-only", parent_flow={"namespace": "n", "flow_id": "p"})
    assert skip_reason(child, {("n", "p"): parent}) == "parent flow p: needs no-such-feature"
    assert skip_reason(child, {("n", "p"): _case(flow_id="p")}) is None


def test_file_values_become_uploads():
    from podium.common.storage.uploads import Upload
    from tests.conformance.runner import with_uploads
    given = {"f": {"$file": {"name": "a.txt", "content": "id=<execution id>"}}, "n": 1}
    assert with_uploads(given, "E1") == {"f": Upload("a.txt", data=b"id=E1"), "n": 1}


def test_envs_setup_becomes_prefixed_environment():
    from tests.conformance.runner import environ_for
    assert environ_for([_case(setup={"envs": {"test1": "true"}})]) == {"ENV_TEST1": "true"}


def test_a_superseded_variant_runs_against_the_current_kestra_expectation():
    entry = {"file": "core/src/test/resources/flows/valids/kv.yaml", "flow_id": "kv",
             "namespace": "io.kestra.tests", "expect": {"state": "SUCCESS", "taskruns": 2},
             "variants": [{"inputs": {"errorOnMissing": True},
                           "expect": {"state": "FAILED", "taskruns": 2}}]}
    base, variant = expand(entry)
    assert base.superseded is None and base.expect == {"state": "SUCCESS", "taskruns": 2}
    assert variant.superseded.startswith("Kestra 0.22")
    assert variant.expect["state"] == "FAILED" and variant.expect["taskruns"] == 1
    assert variant.inputs == {"errorOnMissing": True}  # only the expectation is replaced


@pytest.mark.parametrize("files, namespace", [
    ({"/a/b/c/2.txt": "second"}, "io.kestra.tests"),  # path -> content: the flow's namespace
    ({"company.other": {"a/b/c/2.txt": "second"}}, "company.other"),
])
def test_setup_namespace_files_are_stored_before_the_run(tmp_path, files, namespace):
    from types import SimpleNamespace

    from podium.common.storage import LocalStorage, namespace_file_uri
    from tests.conformance.runner import prepare_namespace_files
    with LocalStorage(tmp_path) as storage:
        prepare_namespace_files(SimpleNamespace(storage=storage),
                                _case(namespace="io.kestra.tests",
                                      setup={"namespace_files": files}))
        assert storage.read_bytes(namespace_file_uri(namespace, "a/b/c/2.txt")) == b"second"
