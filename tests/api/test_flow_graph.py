"""GET /api/v1/flows/{namespace}/{id}/graph and POST /api/v1/flows/graph (Kestra's
FlowGraph JSON)."""

from __future__ import annotations

from tests.api.conftest import HELLO, deploy

YAML = {"Content-Type": "application/x-yaml"}
TWO = HELLO.replace("namespace: company.team", """namespace: company.team
triggers:
  - id: hourly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
""")


def test_the_graph_of_each_revision(client):
    deploy(client)
    client.put("/api/v1/flows/company.team/hello", content=TWO, headers=YAML)
    latest = client.get("/api/v1/flows/company.team/hello/graph")
    assert latest.status_code == 200
    body = latest.json()
    assert set(body) == {"nodes", "edges", "clusters"}
    uids = [node["uid"] for node in body["nodes"]]
    assert "root.say" in uids and "root.Triggers.hourly" in uids
    say = next(node for node in body["nodes"] if node["uid"] == "root.say")
    assert say["type"] == "io.kestra.core.models.hierarchies.GraphTask"
    assert say["task"]["type"] == "io.kestra.plugin.core.log.Log"
    first = client.get("/api/v1/flows/company.team/hello/graph?revision=1").json()
    assert not any("Triggers" in node["uid"] for node in first["nodes"])
    assert client.get("/api/v1/flows/company.team/hello/graph?revision=9").status_code == 404
    assert client.get("/api/v1/flows/company.team/nope/graph").status_code == 404


def test_the_graph_of_a_yaml_body_saves_nothing(client):
    response = client.post("/api/v1/flows/graph", content=TWO, headers=YAML)
    assert response.status_code == 200
    assert [c["cluster"]["uid"] for c in response.json()["clusters"]] == \
        ["cluster_root.Triggers"]
    assert client.get("/api/v1/flows/company.team/hello").status_code == 404
    bad = client.post("/api/v1/flows/graph", content="id: [", headers=YAML)
    assert bad.status_code == 422
