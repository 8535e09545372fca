"""Every @Example flow of Kestra's bigquery classes validates as Podium's flow, unchanged,
and so do the Zoomcamp's BigQuery flows (module 2, gcp_setup and gcp_taxi)."""

from __future__ import annotations

from pathlib import Path

import pytest

from podium.application.plugins import documentation
from podium.common.flow.loader import parse_flow
from podium_gcp.bigquery import TASKS, TRIGGERS

# Kestra's @Example count per class (plugin-gcp, src/main/java/io/kestra/plugin/gcp/bigquery).
KESTRA_EXAMPLES = {"Query": 2, "Load": 1, "LoadFromGcs": 2, "CreateDataset": 1,
                   "DeleteDataset": 1, "CreateTable": 1, "DeleteTable": 1, "Trigger": 1}
CLASSES = (*TASKS, *TRIGGERS)
EXAMPLES = [pytest.param(cls, example, id=f"{cls.__name__}-{n}")
            for cls in CLASSES for n, example in enumerate(cls.EXAMPLES)]


@pytest.mark.parametrize(("cls", "example"), EXAMPLES)
def test_example_validates(cls, example):
    loaded = parse_flow(example.code, name=f"{cls.__name__}: {example.title}")
    used = {task.type for task in loaded.flow.all_tasks()} | {
        trigger.type for trigger in loaded.flow.triggers or ()}
    assert cls.TYPE in used


def test_every_class_has_kestras_examples():
    assert {cls.__name__: len(cls.EXAMPLES) for cls in CLASSES} == KESTRA_EXAMPLES


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_plugin_api_documents_kestras_property_names(cls):
    doc = documentation(cls.TYPE)
    assert doc["plugin"] == "gcp" and len(doc["examples"]) == KESTRA_EXAMPLES[cls.__name__]
    names = set(doc["schema"]["properties"]["properties"])
    assert {"projectId", "serviceAccount", "impersonatedServiceAccount", "scopes",
            "location", "retryAuto", "retryReasons", "retryMessages"} <= names
    expected = {
        "Query": {"sql", "legacySql", "fetchType", "fetch", "fetchOne", "store",
                  "destinationTable", "writeDisposition", "createDisposition", "labels",
                  "defaultDataset", "priority", "dryRun", "jobTimeout", "maxResults"},
        "Load": {"from", "destinationTable", "format", "csvOptions", "schema", "autodetect",
                 "writeDisposition", "failedOnEmpty"},
        "LoadFromGcs": {"from", "destinationTable", "format", "avroOptions"},
        "CreateDataset": {"name", "ifExists", "description", "friendlyName", "acl"},
        "DeleteDataset": {"name", "deleteContents"},
        "CreateTable": {"dataset", "table", "tableDefinition", "expirationDuration"},
        "DeleteTable": {"dataset", "table"},
        "Trigger": {"interval", "sql", "fetchType", "legacySql"}}
    assert expected[cls.__name__] <= names


# The Zoomcamp's gcp flows, as the real-world corpus holds them (verbatim).
ZOOMCAMP = Path(__file__).parents[2] / "realworld" / "flows" / "zoomcamp"
BIGQUERY_FLOWS = ("07_gcp_setup.yaml", "08_gcp_taxi.yaml", "09_gcp_taxi_scheduled.yaml")


@pytest.mark.parametrize("name", BIGQUERY_FLOWS)
def test_zoomcamp_bigquery_flows_validate(name):
    loaded = parse_flow((ZOOMCAMP / name).read_text(), name=name)
    types = {task.type for task in loaded.flow.all_tasks()}
    assert any(t.startswith("io.kestra.plugin.gcp.bigquery.") for t in types)


def _without_gcs(tasks: list) -> list:
    kept = []
    for task in tasks:
        if task["type"].startswith("io.kestra.plugin.gcp.gcs."):
            continue
        for key in ("then", "else", "tasks"):
            if isinstance(task.get(key), list):
                task[key] = _without_gcs(task[key])
        kept.append(task)
    return kept
