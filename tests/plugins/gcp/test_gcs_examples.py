"""Every @Example flow of Kestra's gcs classes validates as Podium's flow, unchanged."""

from __future__ import annotations

import pytest

from podium.application.plugins import documentation
from podium.common.flow.loader import parse_flow
from podium_gcp.gcs import TASKS, TRIGGERS

# Kestra's @Example count per class (plugin-gcp, src/main/java/io/kestra/plugin/gcp/gcs).
KESTRA_EXAMPLES = {"Upload": 2, "Download": 2, "Downloads": 2, "List": 1, "Delete": 1,
                   "DeleteList": 1, "Copy": 1, "CreateBucket": 1, "Trigger": 2}
TYPES = (*TASKS, *TRIGGERS)

EXAMPLES = [pytest.param(cls, example, id=f"{cls.__name__}-{n}")
            for cls in TYPES for n, example in enumerate(cls.EXAMPLES)]


@pytest.mark.parametrize(("cls", "example"), EXAMPLES)
def test_example_validates(cls, example):
    loaded = parse_flow(example.code, name=f"{cls.__name__}: {example.title}")
    used = {task.type for task in loaded.flow.all_tasks()} | {
        trigger.type for trigger in loaded.flow.triggers or ()}
    assert cls.TYPE in used


def test_every_class_has_kestras_examples():
    assert {cls.__name__: len(cls.EXAMPLES) for cls in TYPES} == KESTRA_EXAMPLES


@pytest.mark.parametrize("cls", TYPES, ids=lambda c: c.__name__)
def test_plugin_api_documents_kestras_property_names(cls):
    doc = documentation(cls.TYPE)
    assert doc["plugin"] == "gcp" and len(doc["examples"]) == KESTRA_EXAMPLES[cls.__name__]
    names = set(doc["schema"]["properties"]["properties"])
    assert {"projectId", "serviceAccount", "impersonatedServiceAccount", "scopes"} <= names
    expected = {
        "Upload": {"from", "to", "contentType", "contentEncoding", "contentDisposition",
                   "cacheControl", "validateChecksum", "expectedMd5", "expectedCrc32c"},
        "Download": {"from", "validateChecksum"},
        "Downloads": {"from", "allVersions", "listingType", "regExp", "action",
                      "moveDirectory", "maxFiles", "validateChecksum"},
        "List": {"from", "allVersions", "listingType", "regExp", "filter", "maxFiles"},
        "Delete": {"uri", "errorOnMissing"},
        "DeleteList": {"from", "listingType", "regExp", "errorOnEmpty", "concurrent"},
        "Copy": {"from", "to", "delete"},
        "CreateBucket": {"name", "ifExists", "storageClass", "location", "labels",
                         "versioningEnabled", "lifecycleRules", "cors", "acl", "defaultAcl",
                         "iamConfiguration", "logging", "retentionPeriod"},
        "Trigger": {"interval", "from", "action", "moveDirectory", "listingType", "regExp",
                    "maxFiles"},
    }
    assert expected[cls.__name__] <= names
