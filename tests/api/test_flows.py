"""/api/v1/flows on an embedded runtime."""

from __future__ import annotations

from tests.api.conftest import HELLO, deploy

YAML = {"Content-Type": "application/x-yaml"}


def test_create_get_update_revisions_delete(client):
    created = deploy(client)
    assert (created["id"], created["namespace"], created["revision"]) == \
        ("hello", "company.team", 1)
    assert created["source"] == HELLO and created["tasks"][0]["id"] == "say"

    again = client.post("/api/v1/flows", content=HELLO, headers=YAML)
    assert again.status_code == 422 and again.json()["message"] == "Flow id already exists"

    got = client.get("/api/v1/flows/company.team/hello")
    assert got.status_code == 200 and "source" not in got.json()
    assert client.get("/api/v1/flows/company.team/hello?source=true").json()["source"] == HELLO

    updated = client.put("/api/v1/flows/company.team/hello",
                         content=HELLO.replace("hello {{", "hi {{"), headers=YAML)
    assert updated.status_code == 200 and updated.json()["revision"] == 2
    wrong_id = client.put("/api/v1/flows/company.team/other", content=HELLO, headers=YAML)
    assert wrong_id.status_code == 422

    revisions = client.get("/api/v1/flows/company.team/hello/revisions").json()
    assert [r["revision"] for r in revisions] == [1, 2]

    assert client.delete("/api/v1/flows/company.team/hello").status_code == 204
    assert client.get("/api/v1/flows/company.team/hello").status_code == 404
    assert client.delete("/api/v1/flows/company.team/hello").status_code == 404
    missing = client.put("/api/v1/flows/company.team/hello", content=HELLO, headers=YAML)
    assert missing.status_code == 404


def test_invalid_flow_has_line_column_and_path(client):
    bad = HELLO.replace("type: io.kestra.plugin.core.log.Log", "type: io.kestra.nope.Log")
    response = client.post("/api/v1/flows", content=bad, headers=YAML)
    assert response.status_code == 422
    body = response.json()
    assert body["message"] and body["details"]
    problem = body["details"][0]
    assert problem["line"] == 9 and problem["column"] and problem["path"].startswith("tasks[0]")

    syntax = client.post("/api/v1/flows", content="id: [unclosed\n", headers=YAML)
    assert syntax.status_code == 422 and syntax.json()["details"][0]["line"]


def test_search_paging_and_filters(client):
    for name in ("alpha", "beta", "gamma"):
        deploy(client, HELLO.replace("id: hello", f"id: {name}"))
    deploy(client, HELLO.replace("namespace: company.team", "namespace: other"))
    page = client.get("/api/v1/flows/search", params={"namespace": "company", "size": 2}).json()
    assert page["total"] == 3 and [f["id"] for f in page["results"]] == ["alpha", "beta"]
    second = client.get("/api/v1/flows/search",
                        params={"namespace": "company", "size": 2, "page": 2}).json()
    assert [f["id"] for f in second["results"]] == ["gamma"]
    assert [f["id"] for f in client.get("/api/v1/flows/search",
                                        params={"q": "amm"}).json()["results"]] == ["gamma"]
    assert client.get("/api/v1/flows/search", params={"page": 0}).status_code == 422


def test_validate_several_documents(client):
    bad = HELLO.replace("tasks:", "taskz:")
    results = client.post("/api/v1/flows/validate", content=HELLO + "---\n" + bad,
                          headers=YAML).json()
    assert [r["index"] for r in results] == [0, 1]
    assert results[0]["constraints"] is None and results[0]["flow"] == "hello"
    assert results[1]["constraints"] and results[1]["problems"][0]["line"]


def test_namespace_update_creates_updates_and_deletes(client):
    deploy(client, HELLO.replace("id: hello", "id: old"))
    deploy(client)
    body = HELLO.replace("hello {{", "hey {{") + "---\n" + HELLO.replace("id: hello", "id: new")
    response = client.post("/api/v1/flows/company.team", content=body, headers=YAML)
    assert response.status_code == 200, response.text
    items = {(f["id"], f["deleted"]) for f in response.json()}
    assert items == {("old", True), ("hello", False), ("new", False)}
    listing = client.get("/api/v1/flows/search", params={"namespace": "company.team"}).json()
    assert [f["id"] for f in listing["results"]] == ["hello", "new"]

    elsewhere = client.post("/api/v1/flows/other.ns", content=HELLO, headers=YAML)
    assert elsewhere.status_code == 422 and elsewhere.json()["message"] == \
        "Flow namespace is invalid"
    twice = client.post("/api/v1/flows/company.team", content=HELLO + "---\n" + HELLO,
                        headers=YAML)
    assert twice.status_code == 422 and twice.json()["message"] == "Duplicate flow id"
