"""/api/v1/plugins: the installed plugins with their types, one type's documentation and
property schema, and the JSON schema of a flow (what editors validate with)."""

from __future__ import annotations


def test_the_core_plugin_lists_its_types(client):
    plugins = client.get("/api/v1/plugins").json()
    core = next(p for p in plugins if p["name"] == "core")
    tasks = {t["cls"] for t in core["tasks"]}
    assert {"io.kestra.plugin.core.log.Log", "io.kestra.plugin.scripts.shell.Commands"} <= tasks
    assert {"cls": "io.kestra.plugin.core.trigger.Schedule", "deprecated": False} in \
        core["triggers"]
    assert {"cls": "io.kestra.core.tasks.log.Log", "of": "io.kestra.plugin.core.log.Log"} in \
        core["aliases"]
    assert core["distribution"] == "podium"


def test_a_type_has_its_documentation_and_property_schema(client):
    doc = client.get("/api/v1/plugins/io.kestra.plugin.core.http.Request").json()
    properties = doc["schema"]["properties"]["properties"]
    assert {"uri", "method", "contentType", "allowFailed", "type"} <= set(properties)
    assert properties["type"]["const"] == "io.kestra.plugin.core.http.Request"
    assert doc["markdown"].startswith("# io.kestra.plugin.core.http.Request\n")
    # a legacy alias leads to the same type
    alias = client.get("/api/v1/plugins/io.kestra.core.tasks.log.Log").json()
    assert alias["cls"] == "io.kestra.plugin.core.log.Log"


def test_an_unknown_type_is_a_404_naming_it(client):
    response = client.get("/api/v1/plugins/io.kestra.plugin.nope.Thing")
    assert response.status_code == 404
    assert "io.kestra.plugin.nope.Thing" in response.json()["message"]


def test_the_flow_schema_describes_a_flow_and_its_tasks(client):
    schema = client.get("/api/v1/plugins/schemas/flow").json()
    assert {"id", "namespace", "tasks", "inputs", "triggers"} <= set(schema["properties"])
    assert "required" in schema and "id" in schema["required"]
    task = client.get("/api/v1/plugins/schemas/task").json()
    assert "io_kestra_plugin_core_log_Log" in task["$defs"]
    bad = client.get("/api/v1/plugins/schemas/template")
    assert bad.status_code == 422 and "flow, task, trigger" in bad.json()["message"]


def test_no_plugin_failed_to_load_here(client):
    assert client.get("/api/v1/plugins/broken").json() == []
