"""execution.*, output.*, templating.* and script task types, and the task runners."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

import podium.common.plugins  # noqa: F401  (registers every type)
from podium.common.plugins import AnyTask, AnyTaskRunner, TaskKind, registry, runners
from podium.common.plugins.tasks import execution, output, scripts, templating

TASK = TypeAdapter(AnyTask)
RUNNER = TypeAdapter(AnyTaskRunner)


def parse(data: dict[str, Any]):
    return TASK.validate_python(data)


def rejects(data: dict[str, Any], *fragments: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse(data)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


# ---------------------------------------------------------------- execution.*

def labels(value: Any) -> dict[str, Any]:
    return {"id": "labels", "type": "io.kestra.plugin.core.execution.Labels", "labels": value}


def test_labels_accepts_the_three_forms_of_the_conformance_corpus():
    as_expr = parse(labels("{{ inputs.labelsJson }}"))
    as_map = parse(labels({"{{ inputs.k }}": "{{ inputs.v }}", "count": 5}))
    as_list = parse(labels([{"key": "{{ inputs.k }}", "value": "{{ inputs.v }}"}]))
    assert isinstance(as_expr, execution.Labels)
    assert as_map.labels == {"{{ inputs.k }}": "{{ inputs.v }}", "count": "5"}
    assert as_list.labels[0].key == "{{ inputs.k }}"
    assert parse(labels('{"team": "data"}')).labels == '{"team": "data"}'
    assert execution.Labels.KIND is TaskKind.EXECUTION_UPDATING
    assert execution.Labels.runs_on_worker() is True  # rendered on a worker, merged by the executor


@pytest.mark.parametrize("value", [
    {"system.readOnly": "true"}, [{"key": "system.app", "value": "x"}],
    '{"system.app": "x"}', "not json", {"a": None}, {"a": [1]}, [{"key": "a"}], 42,
])
def test_labels_rejects(value):
    rejects(labels(value), "labels")


def test_labels_is_required():
    rejects({"id": "l", "type": "io.kestra.plugin.core.execution.Labels"}, "labels", "required")


def test_fail_defaults_and_alias():
    task = parse({"id": "f", "type": "io.kestra.core.tasks.executions.Fail"})
    assert isinstance(task, execution.Fail)
    assert (task.condition, task.error_message) == (None, "Task failure")
    cond = parse({"id": "f", "type": "io.kestra.plugin.core.execution.Fail",
                  "condition": "{{ inputs.param == 'fail' }}", "errorMessage": "boom"})
    assert cond.error_message == "boom"


def test_count():
    task = parse({"id": "c", "type": "io.kestra.core.tasks.executions.Counts",
                  "flows": [{"namespace": "io.kestra.tests", "flowId": "logs"}],
                  "states": ["SUCCESS", "FAILED"], "startDate": "{{ now() | dateAdd(-30, 'DAYS') }}",
                  "expression": "{{ count >= 5 }}"})
    assert isinstance(task, execution.Count)
    assert task.flows[0].flow_id == "logs"
    base = {"id": "c", "type": "io.kestra.plugin.core.execution.Count", "startDate": "x",
            "expression": "{{ true }}"}
    rejects(base, "flows", "namespaces")
    rejects({**base, "namespaces": ["a"], "states": ["DONE"]}, "states")
    rejects({**base, "namespaces": ["a"], "expression": None}, "expression")
    rejects({"id": "c", "type": "io.kestra.plugin.core.execution.Count", "namespaces": ["a"],
             "expression": "x"}, "startDate")


def test_purge_executions_and_its_aliases():
    for alias in ("io.kestra.core.tasks.storages.Purge", "io.kestra.plugin.core.storage.Purge"):
        assert registry.resolve("task", alias) is execution.PurgeExecutions
    task = parse({"id": "p", "type": "io.kestra.plugin.core.execution.PurgeExecutions",
                  "endDate": "{{ now() | dateAdd(-1, 'MONTHS') }}", "states": ["KILLED"]})
    assert (task.purge_execution, task.purge_log, task.purge_metric, task.purge_storage) == \
        (True, True, True, True)
    rejects({"id": "p", "type": "io.kestra.plugin.core.execution.PurgeExecutions"}, "endDate")


def test_resume():
    task = parse({"id": "r", "type": "io.kestra.plugin.core.execution.Resume",
                  "executionId": "{{ trigger.executionId }}", "inputs": {"ok": True}})
    assert task.inputs == {"ok": True} and task.namespace is None
    rejects({"id": "r", "type": "io.kestra.plugin.core.execution.Resume", "execution": "x"},
            "execution")


# ---------------------------------------------------------------- output / templating

def test_output_values():
    task = parse({"id": "o", "type": "io.kestra.plugin.core.output.OutputValues",
                  "values": {"asked": "{{ outputs.pause.onResume.asked }}", "n": [1, 2]}})
    assert isinstance(task, output.OutputValues) and task.values["n"] == [1, 2]
    rejects({"id": "o", "type": "io.kestra.plugin.core.output.OutputValues", "values": ["a"]},
            "values")


def test_templated_task():
    spec = "type: io.kestra.plugin.core.debug.Return\nformat: '{{ inputs.x }}'"
    task = parse({"id": "t", "type": "io.kestra.core.tasks.templating.TemplatedTask",
                  "spec": spec})
    assert isinstance(task, templating.TemplatedTask) and task.runs_on_worker()
    rejects({"id": "t", "type": "io.kestra.plugin.core.templating.TemplatedTask"}, "spec")


# ---------------------------------------------------------------- scripts and runners

def test_shell_commands_with_a_process_runner():
    task = parse({"id": "sh", "type": "io.kestra.plugin.scripts.shell.Commands",
                  "taskRunner": {"type": "io.kestra.plugin.core.runner.Process"},
                  "commands": ["echo '::{\"outputs\":{\"a\":1}}::'"],
                  "env": {"N": 1, "NAME": "x"}, "outputFiles": ["*.csv"]})
    assert isinstance(task, scripts.ShellCommands)
    assert isinstance(task.task_runner, runners.Process)
    assert task.env == {"N": "1", "NAME": "x"}
    assert (task.fail_fast, task.interpreter) == (True, ["/bin/sh", "-c"])
    assert task.runs_on_worker() and task.DEFAULT_IMAGE == "ubuntu"


def test_python_script_with_docker_runner_and_deprecated_options():
    task = parse({"id": "py", "type": "io.kestra.plugin.scripts.python.Script",
                  "containerImage": "python:3.12-slim", "beforeCommands": ["pip install x"],
                  "dependencies": ["pandas"], "warningOnStdErr": False,
                  "namespaceFiles": {"enabled": True, "include": ["etl.py"]},
                  "inputFiles": {"data.json": '{"status": "OK"}'},
                  "taskRunner": {"type": "io.kestra.plugin.scripts.runner.docker.Docker",
                                 "pullPolicy": "IF_NOT_PRESENT", "memory": {"memory": "512MB"},
                                 "config": {"auths": {}}},
                  "script": "print('hello')"})
    assert isinstance(task, scripts.PythonScript)
    assert isinstance(task.task_runner, runners.Docker)
    assert task.task_runner.pull_policy == "IF_NOT_PRESENT"
    legacy = parse({"id": "py", "type": "io.kestra.plugin.scripts.python.Commands",
                    "runner": "DOCKER", "docker": {"image": "python", "pullPolicy": "NEVER"},
                    "commands": ["python main.py"]})
    assert legacy.runner == "DOCKER" and legacy.docker.image == "python"


def test_python_tasks_take_kestras_uv_installer_properties():
    # Kestra downloads uv when missing; Podium ships it: accepted, no effect.
    task = parse({"id": "py", "type": "io.kestra.plugin.scripts.python.Script",
                  "uvAutoInstallEnabled": False, "uvInstallerVersion": "0.9.0",
                  "uvInstallerSha256": "ab" * 32, "executionContext": True,
                  "script": "print(1)"})
    assert task.uv_auto_install_enabled is False and task.execution_context is True
    assert task.DEFAULT_IMAGE == "python:3.13-slim"


def test_node_tasks_as_kestras_docs_write_them():
    script = parse({"id": "node", "type": "io.kestra.plugin.scripts.node.Script",
                    "beforeCommands": ["npm install colors"], "warningOnStdErr": False,
                    "script": 'const colors = require("colors");'})
    commands = parse({"id": "node", "type": "io.kestra.plugin.scripts.node.Commands",
                      "inputFiles": {"main.js": "console.log(1)"},
                      "commands": ["node main.js"]})
    assert isinstance(script, scripts.NodeScript) and isinstance(commands, scripts.NodeCommands)
    assert script.DEFAULT_IMAGE == "node" and script.before_commands == ["npm install colors"]
    rejects({"id": "n", "type": "io.kestra.plugin.scripts.node.Script", "script": "x",
             "dependencies": ["colors"]}, "dependencies")


@pytest.mark.parametrize("value", ["LINUX", "WINDOWS", "AUTO", "{{ inputs.os }}"])
def test_target_os_takes_kestras_spelling(value):
    task = parse({"id": "py", "type": "io.kestra.plugin.scripts.python.Script",
                  "targetOS": value, "script": "print(1)"})
    assert task.target_os == value


@pytest.mark.parametrize("data, field", [
    ({"type": "io.kestra.plugin.scripts.shell.Commands"}, "commands"),
    ({"type": "io.kestra.plugin.scripts.shell.Commands", "commands": []}, "commands"),
    ({"type": "io.kestra.plugin.scripts.python.Commands", "commands": "python x.py"},
     "commands"),
    ({"type": "io.kestra.plugin.scripts.shell.Script"}, "script"),
    ({"type": "io.kestra.plugin.scripts.python.Script", "script": ""}, "script"),
    ({"type": "io.kestra.plugin.scripts.shell.Script", "script": "ls", "runner": "K8S"},
     "runner"),
    ({"type": "io.kestra.plugin.scripts.shell.Script", "script": "ls", "targetOS": "MAC"},
     "targetOS"),
    ({"type": "io.kestra.plugin.scripts.shell.Script", "script": "ls", "interpreter": []},
     "interpreter"),
    ({"type": "io.kestra.plugin.scripts.shell.Script", "script": "ls",
      "taskRunner": {"type": "io.kestra.plugin.ee.Unknown"}}, "taskRunner"),
    ({"type": "io.kestra.plugin.scripts.shell.Script", "script": "ls",
      "taskRunner": {"type": "io.kestra.plugin.core.runner.Process", "image": "x"}}, "image"),
    ({"type": "io.kestra.plugin.scripts.shell.Script", "script": "ls",
      "dependencies": ["x"]}, "dependencies"),
])
def test_script_tasks_reject(data, field):
    rejects({"id": "s", **data}, field)


def test_runner_types_validate_on_their_own():
    docker = RUNNER.validate_python({"type": "io.kestra.plugin.scripts.runner.docker.Docker",
                                     "image": "ubuntu", "volumes": ["/tmp:/tmp"],
                                     "cpu": {"cpus": 1}, "delete": False})
    assert docker.file_handling_strategy == "VOLUME" and docker.delete is False
    with pytest.raises(ValidationError):
        RUNNER.validate_python({"type": "io.kestra.plugin.scripts.runner.docker.Docker",
                                "pullPolicy": "SOMETIMES"})


KINDS = [execution.Count, execution.Fail, execution.PurgeExecutions, execution.Resume,
         output.OutputValues, templating.TemplatedTask, scripts.ShellCommands,
         scripts.ShellScript, scripts.PythonCommands, scripts.PythonScript,
         scripts.NodeCommands, scripts.NodeScript]


@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
def test_runnable_types_run_on_a_worker(cls):
    assert cls.KIND is TaskKind.RUNNABLE and cls.runs_on_worker() is True
