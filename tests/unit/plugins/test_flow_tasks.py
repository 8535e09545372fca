"""The io.kestra.plugin.core.flow.* task types: what they accept and what they reject."""

from __future__ import annotations

import glob
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError
from ruamel.yaml import YAML

import podium.common.plugins  # noqa: F401  (registers every type)
from podium.common.plugins import AnyTask, TaskKind, registry
from podium.common.plugins.tasks import flow, flow_branching, flow_loops, flow_subflows

TASK = TypeAdapter(AnyTask)
CONFORMANCE = "/work/shared/conformance/kestra/flows"


def parse(data: dict[str, Any]):
    return TASK.validate_python(data)


def log(task_id: str = "log") -> dict[str, Any]:
    return {"id": task_id, "type": "io.kestra.plugin.core.log.Log", "message": "hi"}


def rejects(data: dict[str, Any], *fragments: str) -> str:
    with pytest.raises(ValidationError) as info:
        parse(data)
    text = str(info.value)
    for fragment in fragments:
        assert fragment in text, text
    return text


# ---------------------------------------------------------------- realistic definitions

def test_switch_from_the_conformance_corpus():
    task = parse({
        "id": "parent-seq", "type": "io.kestra.plugin.core.flow.Switch",
        "value": "{{inputs.string}}",
        "cases": {"FIRST": [log("t1")], "SECOND": [log("t2"), log("t2_sub")]},
        "defaults": [log("default")],
    })
    assert isinstance(task, flow_branching.Switch)
    assert list(task.cases) == ["FIRST", "SECOND"]
    assert [t.id for t in task.cases["SECOND"]] == ["t2", "t2_sub"]
    assert {t.id for t in task.child_tasks()} == {"t1", "t2", "t2_sub", "default"}


def test_switch_case_keys_and_value_are_read_as_text():
    task = parse({"id": "s", "type": "io.kestra.plugin.core.flow.Switch", "value": 1,
                  "cases": {2: [log("a")], True: [log("b")]}})
    assert task.value == "1"
    assert set(task.cases) == {"2", "true"}


def test_if_with_else_alias_and_boolean_condition():
    task = parse({"id": "if", "type": "io.kestra.plugin.core.flow.If", "condition": True,
                  "then": [log("a")], "else": [log("b")]})
    assert isinstance(task, flow_branching.If)
    assert task.condition == "true"
    assert [t.id for t in task.else_] == ["b"]
    assert task.model_dump(by_alias=True)["else"][0]["id"] == "b"


def test_parallel_defaults_and_nested_errors():
    task = parse({"id": "p", "type": "io.kestra.plugin.core.flow.Parallel",
                  "tasks": [log("a"), log("b")], "errors": [log("e")]})
    assert task.concurrent == 0
    assert [t.id for t in task.errors] == ["e"]
    assert {t.id for t in task.child_tasks()} == {"a", "b", "e"}


def test_foreach_accepts_a_list_a_json_string_or_an_expression():
    base = {"id": "each", "type": "io.kestra.plugin.core.flow.ForEach", "tasks": [log()]}
    as_list = parse({**base, "values": ["value 1", 2, {"key": "k"}]})
    as_json = parse({**base, "values": '[\n "value 1",\n {"key": "my-key"}\n]\n'})
    as_expr = parse({**base, "values": "{{ inputs.values }}", "concurrencyLimit": 0})
    assert as_list.concurrency_limit == 1 and as_expr.concurrency_limit == 0
    assert isinstance(as_json.values, str)


@pytest.mark.parametrize("values", ["a, b", '{"a": 1}', [True], [1.5], [None]])
def test_foreach_rejects_values_kestra_cannot_iterate(values):
    rejects({"id": "each", "type": "io.kestra.plugin.core.flow.ForEach", "values": values,
             "tasks": [log()]}, "values")


def test_each_parallel_and_each_sequential_use_value():
    par = parse({"id": "e", "type": "io.kestra.core.tasks.flows.EachParallel",
                 "value": ["a", "b"], "tasks": [log()]})
    seq = parse({"id": "e", "type": "io.kestra.plugin.core.flow.EachSequential",
                 "value": '["a"]', "tasks": [log()]})
    assert isinstance(par, flow_loops.EachParallel) and par.concurrent == 0
    assert isinstance(seq, flow_loops.EachSequential)
    assert flow_loops.EachParallel.DEPRECATED


def test_waitfor_keeps_kestra_021_frequency_defaults():
    task = parse({"id": "w", "type": "io.kestra.plugin.core.flow.WaitFor",
                  "condition": "{{ outputs.v.values.count == '-5' }}",
                  "checkFrequency": {"maxDuration": "PT5S", "interval": "PT0.2S"},
                  "failOnMaxReached": True, "tasks": [log()]})
    assert task.check_frequency.max_iterations == 100
    assert task.check_frequency.interval == "PT0.2S"
    assert task.fail_on_max_reached is True
    assert parse({"id": "w", "type": "io.kestra.plugin.core.flow.WaitFor", "condition": "x",
                  "tasks": [log()]}).check_frequency.max_duration == "PT1H"


def test_loop_until_has_uncapped_defaults_and_finally():
    task = parse({"id": "l", "type": "io.kestra.plugin.core.flow.LoopUntil",
                  "condition": "{{ true }}", "tasks": [log()], "finally": [log("f")]})
    assert isinstance(task, flow_loops.LoopUntil)
    freq = task.check_frequency
    assert (freq.max_iterations, freq.max_duration, freq.interval) == (None, None, "PT1M")
    assert "f" in {t.id for t in task.child_tasks()}


def test_kestra_2_loop():
    task = parse({"id": "loop", "type": "io.kestra.plugin.core.flow.Loop",
                  "values": {"a": 1, "b": 2}, "concurrencyLimit": 3, "tasks": [log()]})
    assert isinstance(task, flow_loops.Loop)
    assert task.transmit_failed is True and task.concurrency_limit == 3
    rejects({"id": "loop", "type": "io.kestra.plugin.core.flow.Loop", "values": [1],
             "tasks": []}, "tasks")


def test_dag_from_the_conformance_corpus():
    nodes = [{"task": log("task1")},
             {"task": log("task2"), "dependsOn": ["task1"]},
             {"task": log("task3"), "dependsOn": ["task1", "task2"]}]
    task = parse({"id": "dag", "type": "io.kestra.plugin.core.flow.Dag", "tasks": nodes})
    assert isinstance(task.tasks[1], flow_branching.DagTask)
    assert task.tasks[2].depends_on == ["task1", "task2"]
    assert {t.id for t in task.child_tasks()} == {"task1", "task2", "task3"}


def test_dag_rejects_a_cycle_and_names_it():
    nodes = [{"task": log("a"), "dependsOn": ["b"]}, {"task": log("b"), "dependsOn": ["a"]},
             {"task": log("c")}]
    rejects({"id": "dag", "type": "io.kestra.plugin.core.flow.Dag", "tasks": nodes},
            "dependency cycle: a -> b -> a")


def test_dag_rejects_a_self_dependency_and_a_longer_cycle():
    rejects({"id": "d", "type": "io.kestra.plugin.core.flow.Dag",
             "tasks": [{"task": log("a"), "dependsOn": ["a"]}]}, "dependency cycle: a -> a")
    nodes = [{"task": log("a")}, {"task": log("b"), "dependsOn": ["a", "d"]},
             {"task": log("c"), "dependsOn": ["b"]}, {"task": log("d"), "dependsOn": ["c"]}]
    rejects({"id": "d", "type": "io.kestra.plugin.core.flow.Dag", "tasks": nodes},
            "dependency cycle: b -> d -> c -> b")


def test_dag_rejects_unknown_dependencies():
    nodes = [{"task": log("a"), "dependsOn": ["ghost"]}]
    rejects({"id": "d", "type": "io.kestra.plugin.core.flow.Dag", "tasks": nodes}, "ghost")


def test_dag_task_rejects_unknown_keys():
    rejects({"id": "d", "type": "io.kestra.plugin.core.flow.Dag",
             "tasks": [{"task": log("a"), "depends": ["b"]}]}, "depends")


def test_pause_variants():
    delay = parse({"id": "pause", "type": "io.kestra.plugin.core.flow.Pause", "delay": "PT1S",
                   "tasks": [log("subtask")]})
    on_resume = parse({"id": "pause", "type": "io.kestra.plugin.core.flow.Pause",
                       "onResume": [{"id": "asked", "type": "STRING"},
                                    {"id": "data", "type": "FILE", "required": False}]})
    bare = parse({"id": "pause", "type": "io.kestra.plugin.core.flow.Pause"})
    assert delay.delay == "PT1S" and [t.id for t in delay.tasks] == ["subtask"]
    assert [i.id for i in on_resume.on_resume] == ["asked", "data"]
    assert on_resume.on_resume[1].required is False
    assert bare.timeout is None and bare.runs_on_worker() is False
    rejects({"id": "p", "type": "io.kestra.plugin.core.flow.Pause", "delay": "1 second"},
            "ISO-8601")
    rejects({"id": "p", "type": "io.kestra.plugin.core.flow.Pause",
             "onResume": [{"type": "STRING"}]}, "onResume")


def test_sleep_is_runnable_and_needs_a_duration():
    task = parse({"id": "s", "type": "io.kestra.plugin.core.flow.Sleep", "duration": "PT0.5S"})
    assert task.runs_on_worker() is True
    rejects({"id": "s", "type": "io.kestra.plugin.core.flow.Sleep"}, "duration", "required")
    parse({"id": "s", "type": "io.kestra.plugin.core.flow.Sleep",
           "duration": "{{ inputs.wait }}"})


def test_working_directory_from_the_conformance_corpus():
    task = parse({"id": "wd", "type": "io.kestra.core.tasks.flows.Worker",
                  "cache": {"ttl": "PT5m", "patterns": ["*.txt"]},
                  "inputFiles": {"input.txt": "Hello World"},
                  "namespaceFiles": {"include": ["a.txt"]},
                  "outputFiles": ["*.csv"], "tasks": [log()]})
    assert isinstance(task, flow.WorkingDirectory)
    assert task.namespace_files.enabled is True
    assert task.cache.patterns == ["*.txt"]


def test_working_directory_accepts_only_runnable_children_without_worker_group():
    base = {"id": "wd", "type": "io.kestra.plugin.core.flow.WorkingDirectory"}
    rejects({**base, "tasks": [{"id": "seq", "type": "io.kestra.plugin.core.flow.Sequential",
                                "tasks": [log()]}]}, "only runnable tasks", "'seq'")
    rejects({**base, "tasks": [{**log(), "workerGroup": {"key": "gpu"}}]}, "workerGroup")
    rejects({**base, "tasks": []}, "tasks")
    rejects({**base, "tasks": [log()], "cache": {"ttl": "PT1H"}}, "patterns")


def test_template_is_deprecated_and_accepted_as_kestra_accepts_it():
    assert flow.Template.DEPRECATED
    task = parse({"id": "t", "type": "io.kestra.core.tasks.flows.Template",
                  "namespace": "io.kestra.tests", "templateId": "tpl", "args": {"n": 1}})
    assert (task.namespace, task.template_id) == ("io.kestra.tests", "tpl")
    rejects({"id": "t", "type": "io.kestra.plugin.core.flow.Template", "namespace": "n"},
            "templateId")


# ---------------------------------------------------------------- subflows

def subflow(**extra: Any) -> dict[str, Any]:
    return {"id": "launch", "type": "io.kestra.plugin.core.flow.Subflow",
            "namespace": "io.kestra.tests", "flowId": "switch", **extra}


def test_subflow_from_the_conformance_corpus():
    task = parse(subflow(inputs={"string": "{{ inputs.string }}"}, wait=True,
                         transmitFailed=True, inheritLabels=True,
                         labels={"launchTaskLabel": "launchFoo", "n": 3},
                         outputs={"extracted": "{{ outputs.default.value }}"}))
    assert isinstance(task, flow_subflows.Subflow)
    assert [(label.key, label.value) for label in task.labels] == [("launchTaskLabel", "launchFoo"),
                                                       ("n", "3")]
    assert task.called_flow() == ("io.kestra.tests", "switch")


def test_subflow_labels_as_a_list_and_defaults():
    task = parse(subflow(labels=[{"key": "a", "value": "b"}]))
    assert task.labels[0].key == "a"
    assert (task.wait, task.transmit_failed, task.inherit_labels) == (True, True, False)


@pytest.mark.parametrize("labels", [{"system.correlationId": "x"},
                                    [{"key": "system.app", "value": "x"}],
                                    {"a": {"nested": 1}}, [{"key": "a"}]])
def test_subflow_rejects_bad_labels(labels):
    rejects(subflow(labels=labels), "labels")


def test_subflow_called_flow_is_none_for_expressions():
    assert parse(subflow(flowId="{{ inputs.flow }}")).called_flow() is None
    assert parse(subflow(namespace="{{ flow.namespace }}")).called_flow() is None


def test_subflow_requires_namespace_and_flow_id_and_a_positive_revision():
    rejects({"id": "s", "type": "io.kestra.plugin.core.flow.Subflow", "flowId": "f"},
            "namespace")
    rejects(subflow(flowId=""), "flowId")
    rejects(subflow(revision=0), "revision")
    assert parse(subflow(revision=3)).revision == 3


def test_foreach_item_from_the_conformance_corpus():
    task = parse({"id": "each", "type": "io.kestra.plugin.core.flow.ForEachItem",
                  "items": "{{ inputs.file }}", "batch": {"rows": "{{inputs.batch}}"},
                  "namespace": "io.kestra.tests", "flowId": "for-each-item-subflow",
                  "wait": True, "transmitFailed": True, "allowFailure": True,
                  "inputs": {"items": "{{ taskrun.items }}"}})
    assert isinstance(task, flow_subflows.ForEachItem)
    assert task.batch.separator == "\n"
    assert task.called_flow() == ("io.kestra.tests", "for-each-item-subflow")
    default = parse({"id": "e", "type": "io.kestra.plugin.core.flow.ForEachItem",
                     "items": "kestra:///a.ion", "namespace": "n", "flowId": "f"})
    assert default.batch.rows == 1
    rejects({"id": "e", "type": "io.kestra.plugin.core.flow.ForEachItem", "namespace": "n",
             "flowId": "f"}, "items")
    rejects({"id": "e", "type": "io.kestra.plugin.core.flow.ForEachItem", "items": "x",
             "namespace": "n", "flowId": "f", "batch": {"lines": 3}}, "lines")


# ---------------------------------------------------------------- generic rules

REQUIRED = [
    ("io.kestra.plugin.core.flow.Parallel", {}, "tasks"),
    ("io.kestra.plugin.core.flow.Parallel", {"tasks": []}, "tasks"),
    ("io.kestra.plugin.core.flow.If", {"then": [log()]}, "condition"),
    ("io.kestra.plugin.core.flow.If", {"condition": "x", "then": []}, "then"),
    ("io.kestra.plugin.core.flow.Switch", {"cases": {"a": [log()]}}, "value"),
    ("io.kestra.plugin.core.flow.Switch", {"value": "", "defaults": [log()]}, "value"),
    ("io.kestra.plugin.core.flow.ForEach", {"tasks": [log()]}, "values"),
    ("io.kestra.plugin.core.flow.EachSequential", {"tasks": [log()]}, "value"),
    ("io.kestra.plugin.core.flow.WaitFor", {"tasks": [log()]}, "condition"),
    ("io.kestra.plugin.core.flow.WaitFor", {"condition": "x"}, "tasks"),
    ("io.kestra.plugin.core.flow.Dag", {"tasks": []}, "tasks"),
    ("io.kestra.plugin.core.flow.Loop", {"tasks": [log()]}, "values"),
]


@pytest.mark.parametrize("type_name, props, field", REQUIRED)
def test_required_properties(type_name, props, field):
    rejects({"id": "x", "type": type_name, **props}, field)


@pytest.mark.parametrize("cases, defaults", [(None, None), ({}, []), ({}, None)])
def test_switch_needs_a_branch(cases, defaults):
    rejects({"id": "s", "type": "io.kestra.plugin.core.flow.Switch", "value": "v",
             "cases": cases, "defaults": defaults}, "cases", "defaults")


WRONG_TYPES = [
    ("io.kestra.plugin.core.flow.Parallel", {"tasks": [log()], "concurrent": "many"}),
    ("io.kestra.plugin.core.flow.Parallel", {"tasks": [log()], "concurrent": -1}),
    ("io.kestra.plugin.core.flow.ForEach", {"values": ["a"], "concurrencyLimit": -1}),
    ("io.kestra.plugin.core.flow.Sequential", {"tasks": "log"}),
    ("io.kestra.plugin.core.flow.Sequential", {"tasks": [{"id": "x", "type": "nope.Task"}]}),
    ("io.kestra.plugin.core.flow.Sequential", {"tasks": [log("bad id!")]}),
    ("io.kestra.plugin.core.flow.WaitFor",
     {"condition": "x", "tasks": [log()], "checkFrequency": {"interval": "soon"}}),
    ("io.kestra.plugin.core.flow.Subflow", {"namespace": "n", "flowId": "f", "wait": "often"}),
]


@pytest.mark.parametrize("type_name, props", WRONG_TYPES)
def test_wrong_types_are_rejected(type_name, props):
    rejects({"id": "x", "type": type_name, **props})


@pytest.mark.parametrize("type_name, props", [
    ("io.kestra.plugin.core.flow.Sequential", {"tasks": [log()]}),
    ("io.kestra.plugin.core.flow.Sleep", {"duration": "PT1S"}),
    ("io.kestra.plugin.core.flow.Subflow", {"namespace": "n", "flowId": "f"}),
    ("io.kestra.plugin.core.flow.ForEach", {"values": ["a"]}),
])
def test_unknown_properties_are_rejected(type_name, props):
    rejects({"id": "x", "type": type_name, "colour": "red", **props}, "colour")


ALIASES = {
    "io.kestra.core.tasks.flows.Sequential": flow_branching.Sequential,
    "io.kestra.core.tasks.flows.Parallel": flow_branching.Parallel,
    "io.kestra.core.tasks.flows.If": flow_branching.If,
    "io.kestra.core.tasks.flows.Switch": flow_branching.Switch,
    "io.kestra.core.tasks.flows.Dag": flow_branching.Dag,
    "io.kestra.core.tasks.flows.AllowFailure": flow_branching.AllowFailure,
    "io.kestra.core.tasks.flows.EachSequential": flow_loops.EachSequential,
    "io.kestra.core.tasks.flows.EachParallel": flow_loops.EachParallel,
    "io.kestra.core.tasks.flows.Pause": flow.Pause,
    "io.kestra.core.tasks.flows.WorkingDirectory": flow.WorkingDirectory,
    "io.kestra.core.tasks.flows.Worker": flow.WorkingDirectory,
    "io.kestra.core.tasks.flows.Template": flow.Template,
    "io.kestra.core.tasks.flows.Subflow": flow_subflows.Subflow,
    "io.kestra.core.tasks.flows.Flow": flow_subflows.Subflow,
    "io.kestra.core.tasks.flows.ForEachItem": flow_subflows.ForEachItem,
}


@pytest.mark.parametrize("alias, cls", ALIASES.items())
def test_aliases_resolve_to_the_canonical_class(alias, cls):
    assert registry.resolve("task", alias) is cls
    assert registry.canonical("task", alias) == cls.TYPE


def test_an_alias_validates_into_the_canonical_class():
    task = parse({"id": "s", "type": "io.kestra.core.tasks.flows.Sequential", "tasks": [log()]})
    assert type(task) is flow_branching.Sequential
    assert task.TYPE == "io.kestra.plugin.core.flow.Sequential"


KINDS = {
    flow_branching.Sequential: (TaskKind.FLOWABLE, False),
    flow_branching.Parallel: (TaskKind.FLOWABLE, False),
    flow_branching.If: (TaskKind.FLOWABLE, False),
    flow_branching.Switch: (TaskKind.FLOWABLE, False),
    flow_branching.Dag: (TaskKind.FLOWABLE, False),
    flow_branching.AllowFailure: (TaskKind.FLOWABLE, False),
    flow_loops.ForEach: (TaskKind.FLOWABLE, False),
    flow_loops.EachSequential: (TaskKind.FLOWABLE, False),
    flow_loops.EachParallel: (TaskKind.FLOWABLE, False),
    flow_loops.WaitFor: (TaskKind.FLOWABLE, False),
    flow_loops.LoopUntil: (TaskKind.FLOWABLE, False),
    flow_loops.Loop: (TaskKind.FLOWABLE, False),
    flow.Pause: (TaskKind.FLOWABLE, False),
    flow.Template: (TaskKind.FLOWABLE, False),
    flow.WorkingDirectory: (TaskKind.FLOWABLE, True),
    flow.Sleep: (TaskKind.RUNNABLE, True),
    flow_subflows.Subflow: (TaskKind.EXECUTABLE, False),
    flow_subflows.ForEachItem: (TaskKind.EXECUTABLE, False),
}


@pytest.mark.parametrize("cls, expected", KINDS.items(), ids=lambda v: getattr(v, "__name__", ""))
def test_kind_and_runs_on_worker(cls, expected):
    assert (cls.KIND, cls.runs_on_worker()) == expected


def test_every_flowable_has_errors():
    for cls in KINDS:
        if cls.KIND is TaskKind.FLOWABLE or cls is flow_subflows.ForEachItem:
            assert "errors" in cls.model_fields, cls


def test_conformance_corpus_tasks_validate():
    adapter = TypeAdapter(list[AnyTask])
    files = sorted(glob.glob(f"{CONFORMANCE}/*"))
    if not files:
        pytest.skip("conformance corpus not available")
    for path in files:
        with open(path) as handle:
            data = YAML(typ="safe").load(handle)
        for key in ("tasks", "errors", "finally", "afterExecution"):
            if data.get(key):
                adapter.validate_python(data[key])
