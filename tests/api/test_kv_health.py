"""/api/v1/namespaces/{namespace}/kv and the health check."""

from __future__ import annotations


def test_put_get_list_delete(client):
    base = "/api/v1/namespaces/company.team/kv"
    assert client.put(f"{base}/n", content="42").status_code == 204
    assert client.put(f"{base}/cfg", json={"a": 1}).status_code == 204
    assert client.put(f"{base}/text", content="hello world",
                      headers={"ttl": "PT1H", "Content-Type": "text/plain"}).status_code == 204
    assert client.get(f"{base}/n").json() == {"type": "NUMBER", "value": 42}
    assert client.get(f"{base}/cfg").json() == {"type": "JSON", "value": {"a": 1}}
    assert client.get(f"{base}/text").json() == {"type": "STRING", "value": "hello world"}
    listing = client.get(base).json()
    assert [(e["key"], e["type"]) for e in listing] == \
        [("cfg", "JSON"), ("n", "NUMBER"), ("text", "STRING")]
    assert listing[2]["expirationDate"] and listing[0]["expirationDate"] is None
    assert client.delete(f"{base}/n").json() is True
    assert client.delete(f"{base}/n").json() is False
    missing = client.get(f"{base}/n")
    assert missing.status_code == 404 and "No value found for key 'n'" in \
        missing.json()["message"]
    bad_key = client.put(f"{base}/bad%20key", content="1")
    assert bad_key.status_code == 422 and "Invalid key" in bad_key.json()["message"]
    bad_ttl = client.put(f"{base}/k", content="1", headers={"ttl": "soon"})
    assert bad_ttl.status_code == 422


def test_health_needs_no_credentials(anonymous):
    assert anonymous.get("/health").json() == {"status": "UP"}
    assert anonymous.get("/api/v1/health").status_code == 200
