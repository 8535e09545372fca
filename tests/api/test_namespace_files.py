"""/api/v1/namespaces/{namespace}/files: list, upload, download, delete; traversal 400."""

from __future__ import annotations

import pytest

URL = "/api/v1/namespaces/company.team/files"


def upload(client, path: str, data: bytes):
    return client.post(URL, params={"path": path},
                       files={"fileContent": ("ignored.bin", data)})


def test_upload_list_download_delete(client):
    assert upload(client, "/scripts/etl.py", b"print('etl')\n").status_code == 200
    assert upload(client, "scripts/sql/q.sql", b"select 1").status_code == 200
    assert upload(client, "/readme.md", b"x" * 70_000).status_code == 200

    root = client.get(f"{URL}/directory").json()
    assert [(e["fileName"], e["type"]) for e in root] == [
        ("readme.md", "File"), ("scripts", "Directory")]
    assert root[0]["size"] == 70_000 and root[0]["lastModifiedTime"] > 0
    scripts = client.get(f"{URL}/directory", params={"path": "/scripts"}).json()
    assert [(e["fileName"], e["type"], e["size"]) for e in scripts] == [
        ("etl.py", "File", 13), ("sql", "Directory", 0)]
    assert client.get(f"{URL}/directory", params={"path": "/nope"}).status_code == 404
    assert client.get(f"{URL}/directory", params={"path": "/readme.md"}).status_code == 400
    assert client.get("/api/v1/namespaces/company/files/directory").json() == []

    got = client.get(URL, params={"path": "/readme.md"})
    assert got.status_code == 200 and got.content == b"x" * 70_000
    assert 'filename="readme.md"' in got.headers["content-disposition"]
    assert upload(client, "/readme.md", b"replaced").status_code == 200
    assert client.get(URL, params={"path": "readme.md"}).content == b"replaced"
    assert client.get(URL, params={"path": "/missing.txt"}).status_code == 404

    assert client.delete(URL, params={"path": "/scripts/etl.py"}).status_code == 200
    assert client.delete(URL, params={"path": "/scripts"}).status_code == 200  # a folder
    assert client.delete(URL, params={"path": "/scripts"}).status_code == 404
    assert [e["fileName"] for e in client.get(f"{URL}/directory").json()] == ["readme.md"]


@pytest.mark.parametrize("path", ["../escape.txt", "/a/../../b", "a/./b", "a//b",
                                  "%2e%2e/x", "a\\b"])
def test_traversal_is_refused(client, path):
    assert upload(client, path, b"x").status_code == 400
    assert client.get(URL, params={"path": path}).status_code == 400
    assert client.delete(URL, params={"path": path}).status_code == 400
    assert client.get(f"{URL}/directory", params={"path": path}).status_code == 400


def test_bad_namespace_and_missing_part(client):
    bad_ns = client.get("/api/v1/namespaces/a..b/files/directory")
    assert bad_ns.status_code == 400
    missing = client.post(URL, params={"path": "a.txt"}, files={"other": ("a", b"x")})
    assert missing.status_code == 400 and "fileContent" in missing.json()["message"]
    not_multipart = client.post(URL, params={"path": "a.txt"}, content=b"x")
    assert not_multipart.status_code == 415


def test_namespace_files_need_credentials(anonymous):
    assert anonymous.get(f"{URL}/directory").status_code == 401
