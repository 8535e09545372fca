"""Every @Example flow of Kestra's docker Build and Run validates as Podium's flow,
unchanged; the older names resolve; the API documents Kestra's property names."""

from __future__ import annotations

import pytest

from podium.application.plugins import documentation
from podium.common.flow.loader import parse_flow
from podium_docker import plugin

KESTRA_EXAMPLES = {"Build": 4, "Run": 3}  # plugin-docker, src/main/java/.../docker/cli

EXAMPLES = [pytest.param(cls, example, id=f"{cls.__name__}-{n}")
            for cls in plugin.tasks for n, example in enumerate(cls.EXAMPLES)]


@pytest.mark.parametrize(("cls", "example"), EXAMPLES)
def test_example_validates(cls, example):
    loaded = parse_flow(example.code, name=f"{cls.__name__}: {example.title}")
    assert cls.TYPE in {task.type for task in loaded.flow.all_tasks()}


def test_every_class_has_kestras_examples():
    assert {cls.__name__: len(cls.EXAMPLES) for cls in plugin.tasks} == KESTRA_EXAMPLES


@pytest.mark.parametrize("name", ["Build", "Run"])
def test_older_names_resolve(name):
    source = (f"id: f\nnamespace: company.team\ntasks:\n  - id: t\n"
              f"    type: io.kestra.plugin.docker.{name}\n"
              + ("    dockerfile: FROM scratch\n    tags: [x]\n" if name == "Build"
                 else "    containerImage: alpine\n"))
    parse_flow(source)


@pytest.mark.parametrize("cls", plugin.tasks, ids=lambda c: c.__name__)
def test_plugin_api_documents_kestras_property_names(cls):
    doc = documentation(cls.TYPE)
    assert doc["plugin"] == "docker"
    names = set(doc["schema"]["properties"]["properties"])
    assert {"host", "config", "credentials"} <= names
    expected = {"Build": {"dockerfile", "platforms", "push", "pull", "tags", "buildArgs",
                          "labels", "target", "namespaceFiles", "inputFiles"},
                "Run": {"containerImage", "user", "entryPoint", "extraHosts", "networkMode",
                        "portBindings", "volumes", "pullPolicy", "deviceRequests", "cpu",
                        "memory", "shmSize", "privileged", "env", "namespaceFiles",
                        "inputFiles", "outputFiles", "commands", "wait"}}
    assert expected[cls.__name__] <= names
