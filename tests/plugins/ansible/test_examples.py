"""Kestra's @Example flows of AnsibleCLI, and the AnsibleCLI tasks of Kestra's blueprints
(kestra-io/blueprints, flows/*.yaml, copied unchanged in blueprints/), validate as Podium's;
the examples and the blueprint that need no remote host nor collection run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from podium.application.plugins import documentation
from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.storage import namespace_file_uri
from podium_ansible import plugin
from podium_ansible.cli import AnsibleCLI

TYPE = AnsibleCLI.TYPE
BLUEPRINTS = sorted((Path(__file__).parent / "blueprints").glob("*.yaml"))


def own_tasks(value, type_name: str):
    """The tasks of `type_name` anywhere in a flow document."""
    if isinstance(value, dict):
        if value.get("type") == type_name:
            yield value
        for item in value.values():
            yield from own_tasks(item, type_name)
    elif isinstance(value, list):
        for item in value:
            yield from own_tasks(item, type_name)


@pytest.mark.parametrize("example", AnsibleCLI.EXAMPLES, ids=lambda e: e.title[:50])
def test_example_validates(example):
    loaded = parse_flow(example.code, name=example.title)
    assert TYPE in {task.type for task in loaded.flow.all_tasks()}


def test_kestras_examples_and_properties():
    assert len(AnsibleCLI.EXAMPLES) == 5 and plugin.tasks == (AnsibleCLI,)
    doc = documentation(TYPE)
    assert doc["plugin"] == "ansible" and len(doc["examples"]) == 5
    assert {"commands", "beforeCommands", "env", "inputFiles", "namespaceFiles", "outputFiles",
            "containerImage", "taskRunner", "docker", "ansibleConfig", "outputsMode",
            "outputLogFile", "autoInstallPythonRequirements",
            "autoInstallGalaxyRequirements"} <= set(doc["schema"]["properties"]["properties"])


@pytest.mark.parametrize("path", BLUEPRINTS, ids=lambda p: p.stem)
def test_blueprint_tasks_validate(path):
    document = yaml.safe_load(path.read_text())
    tasks = list(own_tasks(document, TYPE))
    assert tasks
    # Alone in a flow: the blueprints' other types belong to plugins Podium may not have.
    flow = {"id": "blueprint", "namespace": "company.team", "tasks": tasks}
    parse_flow(yaml.safe_dump(flow, sort_keys=False), name=path.name)


def test_the_local_blueprint_runs(rt):
    text = (Path(__file__).parent / "blueprints" / "ansible-local-message.yaml").read_text()
    text = text.split("\nextend:")[0]  # the blueprint's catalogue metadata, not the flow
    loaded = parse_flow(text)
    rt.deploy(loaded)
    done = rt.wait(rt.submit("company.team", "ansible-local-message", {}).id, 300)
    lines = [e.message for e in rt.logs(done.id)]
    assert done.state is State.SUCCESS, "\n".join(lines[-30:])
    assert any(line.startswith('[localhost1] Print Hello World: ok => {"msg": "Hello World!"')
               for line in lines), lines


def run_example(rt, index: int):
    loaded = parse_flow(AnsibleCLI.EXAMPLES[index].code)
    rt.deploy(loaded)
    done = rt.wait(rt.submit(loaded.flow.namespace, loaded.flow.id, {}).id, 300)
    lines = [e.message for e in rt.logs(done.id)]
    assert done.state is State.SUCCESS, "\n".join(lines[-30:])
    (task_run,) = rt.task_runs(done.id)
    return task_run.outputs, lines


def test_kestras_examples_run(rt):
    """Unchanged, on the worker's Ansible (their image is not used): files read from the
    namespace, the inline playbook, the debug outputs, the EXPLICIT outputs of a playbook
    kept in flow variables. (The fifth names `ansible.builtin.null`: community.general.)"""
    for name, text in {"inventory.ini": "localhost ansible_connection=local\n",
                       "myplaybook.yml": "- hosts: localhost\n  gather_facts: false\n"
                                         "  tasks:\n    - name: Ping\n      ping:\n"}.items():
        rt.storage.put(namespace_file_uri("company.team", name), text.encode())
    outputs, _ = run_example(rt, 0)
    assert outputs["vars"]["outputs"][0]["ping"] == "pong"
    _, lines = run_example(rt, 1)
    assert any(line.startswith('[localhost] Print Hello World: ok => {"msg": "Hello, World!"')
               for line in lines)
    outputs, _ = run_example(rt, 2)
    assert "Test output" in json.dumps(outputs["vars"]["outputs"])
    assert "log" in outputs["outputFiles"]  # outputLogFile: true
    outputs, lines = run_example(rt, 3)
    # The playbook's Jinja is Ansible's: the flow variable is not rendered twice.
    assert outputs["vars"]["outputs"] == {"records_updated": 3, "work_status": "ok"}
    assert "not-for-kestra-outputs" not in json.dumps(outputs) + "\n".join(lines)
