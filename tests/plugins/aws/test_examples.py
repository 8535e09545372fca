"""Every @Example flow of Kestra's s3 classes validates as Podium's flow, unchanged."""

from __future__ import annotations

import pytest

from podium.application.plugins import documentation
from podium.common.flow.loader import parse_flow
from podium_aws import plugin

# Kestra's @Example count per class (plugin-aws, src/main/java/io/kestra/plugin/aws/s3).
KESTRA_EXAMPLES = {"Upload": 6, "Download": 2, "Downloads": 2, "List": 1, "Delete": 1,
                   "DeleteList": 1, "Copy": 1, "CreateBucket": 1, "Trigger": 2}

EXAMPLES = [pytest.param(cls, example, id=f"{cls.__name__}-{n}")
            for cls in (*plugin.tasks, *plugin.triggers)
            for n, example in enumerate(cls.EXAMPLES)]


@pytest.mark.parametrize(("cls", "example"), EXAMPLES)
def test_example_validates(cls, example):
    loaded = parse_flow(example.code, name=f"{cls.__name__}: {example.title}")
    used = {task.type for task in loaded.flow.all_tasks()} | {
        trigger.type for trigger in loaded.flow.triggers or ()}
    assert cls.TYPE in used


def test_every_class_has_kestras_examples():
    counts = {cls.__name__: len(cls.EXAMPLES) for cls in (*plugin.tasks, *plugin.triggers)}
    assert counts == {name: n for name, n in KESTRA_EXAMPLES.items() if name in counts}


@pytest.mark.parametrize("cls", [*plugin.tasks, *plugin.triggers], ids=lambda c: c.__name__)
def test_plugin_api_documents_kestras_property_names(cls):
    doc = documentation(cls.TYPE)
    assert doc["plugin"] == "aws" and len(doc["examples"]) == KESTRA_EXAMPLES[cls.__name__]
    names = set(doc["schema"]["properties"]["properties"])
    assert {"accessKeyId", "secretKeyId", "sessionToken", "region", "endpointOverride",
            "forcePathStyle", "compatibilityMode", "stsRoleArn",
            "stsRoleSessionDuration"} <= names
    expected = {"Upload": {"from", "key", "bucket", "contentType", "concurrentUploads"},
                "Copy": {"from", "to", "delete"},
                "CreateBucket": {"bucket", "grantReadACP", "grantWriteACP"},
                "Trigger": {"interval", "action", "moveTo", "maxFiles", "regexp", "filter"},
                "Downloads": {"action", "moveTo", "maxKeys", "delimiter"}}
    assert expected.get(cls.__name__, {"bucket"}) <= names
