"""Every @Example flow of Kestra's kubectl classes validates as Podium's flow, unchanged,
and the API documents Kestra's property names."""

from __future__ import annotations

import pytest

from podium.application.plugins import documentation
from podium.common.flow.loader import parse_flow
from podium_kubernetes import plugin

# Kestra's @Example count per class (plugin-kubernetes, src/main/java/.../kubectl).
KESTRA_EXAMPLES = {"Apply": 5, "Get": 5, "Delete": 2, "Patch": 6, "Restart": 1}

EXAMPLES = [pytest.param(cls, example, id=f"{cls.__name__}-{n}")
            for cls in plugin.tasks for n, example in enumerate(cls.EXAMPLES)]


@pytest.mark.parametrize(("cls", "example"), EXAMPLES)
def test_example_validates(cls, example):
    loaded = parse_flow(example.code, name=f"{cls.__name__}: {example.title}")
    assert cls.TYPE in {task.type for task in loaded.flow.all_tasks()}


def test_every_class_has_kestras_examples():
    assert {cls.__name__: len(cls.EXAMPLES) for cls in plugin.tasks} == KESTRA_EXAMPLES


@pytest.mark.parametrize("cls", plugin.tasks, ids=lambda c: c.__name__)
def test_plugin_api_documents_kestras_property_names(cls):
    doc = documentation(cls.TYPE)
    assert doc["plugin"] == "kubernetes"
    names = set(doc["schema"]["properties"]["properties"])
    assert {"connection", "namespace", "inheritClusterConfig", "waitUntilReady"} <= names
    expected = {"Apply": {"spec"},
                "Get": {"resourceType", "resourcesNames", "apiGroup", "apiVersion",
                        "fetchType"},
                "Delete": {"resourceType", "resourcesNames", "apiGroup", "apiVersion"},
                "Patch": {"resourceType", "resourceName", "patch", "patchStrategy", "apiGroup",
                          "apiVersion"},
                "Restart": {"resourceType", "resourcesNames"}}
    assert expected[cls.__name__] <= names
