"""Kestra's @Example flows of TerraformCLI, and the TerraformCLI tasks of Kestra's blueprints
(kestra-io/blueprints, flows/*.yaml, copied unchanged in blueprints/), validate as Podium's.
test_terraform_flows.py runs the plan-then-apply of terraform-approval-plan-apply."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from podium.application.plugins import documentation
from podium.common.flow.loader import parse_flow
from podium_terraform import plugin
from podium_terraform.cli import TerraformCLI

TYPE = TerraformCLI.TYPE
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


@pytest.mark.parametrize("example", TerraformCLI.EXAMPLES, ids=lambda e: e.title[:50])
def test_example_validates(example):
    loaded = parse_flow(example.code, name=example.title)
    assert TYPE in {task.type for task in loaded.flow.all_tasks()}


def test_kestras_examples_and_properties():
    assert len(TerraformCLI.EXAMPLES) == 2 and plugin.tasks == (TerraformCLI,)
    doc = documentation(TYPE)
    assert doc["plugin"] == "terraform" and len(doc["examples"]) == 2
    assert {"commands", "beforeCommands", "env", "inputFiles", "namespaceFiles", "outputFiles",
            "containerImage", "taskRunner", "docker", "failFast"} <= set(
        doc["schema"]["properties"]["properties"])


@pytest.mark.parametrize("path", BLUEPRINTS, ids=lambda p: p.stem)
def test_blueprint_tasks_validate(path):
    document = yaml.safe_load(path.read_text())
    tasks = list(own_tasks(document, TYPE))
    assert tasks
    # Alone in a flow: the blueprints' other types belong to plugins Podium may not have.
    flow = {"id": "blueprint", "namespace": "company.team", "tasks": tasks}
    parse_flow(yaml.safe_dump(flow, sort_keys=False), name=path.name)

