"""Credentials on every route but health and webhooks, matched as exact route templates."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from podium.api import create_app
from podium.api.guard import Credentials
from podium.api.public_routes import is_public
from tests.api.conftest import BASIC, BEARER, PASSWORD, USER, api_settings

SPELLINGS = ["/api/v1/flows/search", "//api/v1/flows/search", "/api/v1/flows/../flows/search",
             "/API/V1/flows/search", "/api/v1/flows/search/", "/health/../api/v1/flows/search",
             "/api/v1/executions/webhook/../../flows/search", "/./api/v1//flows/./search",
             "/api/v1/executions/webhook/..", "/health/..", "/%2e%2e/api/v1/flows/search"]


@pytest.mark.parametrize("path", SPELLINGS)
def test_protected_spellings_need_credentials(anonymous, path):
    response = anonymous.get(path)
    assert response.status_code == 401, (path, response.status_code)
    assert response.json()["message"].startswith("Unauthorized")
    assert response.headers["www-authenticate"].startswith("Basic")


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs",
                                  "/api/v1/namespaces/a/kv", "/nothing/here"])
def test_everything_else_is_protected(anonymous, path):
    assert anonymous.get(path).status_code == 401


def test_valid_credentials_pass(app):
    for headers in (BASIC, BEARER):
        with TestClient(app, headers=headers) as client:
            assert client.get("/api/v1/flows/search").status_code == 200
            assert client.get("/api/v1/openapi.json").status_code == 200


@pytest.mark.parametrize("header", [
    "Bearer wrong", "Bearer ", "Basic " + base64.b64encode(f"{USER}:nope".encode()).decode(),
    "Basic " + base64.b64encode(f"other:{PASSWORD}".encode()).decode(),
    "Basic " + base64.b64encode(USER.encode()).decode(), "Basic !!notbase64!!",
    "Digest abc", "tok-0123456789", ""])
def test_wrong_credentials_are_refused(app, header):
    with TestClient(app, headers={"Authorization": header}) as client:
        assert client.get("/api/v1/flows/search").status_code == 401


def test_no_users_or_tokens_refuses_everything(runtime):
    app = create_app(runtime, api_settings(users={}, tokens=[]))
    with TestClient(app, headers=BEARER) as client:
        assert client.get("/api/v1/flows/search").status_code == 401
        assert client.get("/health").status_code == 200


def test_auth_off_only_when_explicit(runtime, monkeypatch):
    from podium.common.settings import Settings
    monkeypatch.setenv("PODIUM_API__AUTH", "false")
    app = create_app(runtime, Settings().api)
    with TestClient(app) as client:
        assert client.get("/api/v1/flows/search").status_code == 200
    monkeypatch.setenv("PODIUM_API__AUTH", "")
    with pytest.raises(ValueError):
        Settings()


def test_public_routes_are_exact_templates():
    assert is_public("/health") and is_public("/api/v1/executions/webhook/a/b/c", "POST")
    assert not is_public("/health/x") and not is_public("/api/v1/executions/webhookx")
    assert not is_public("/api/v1/executions/webhook/../../flows")
    assert not is_public("/api/v1/executions/webhook/flow", "POST")  # namespace 'webhook'
    assert not is_public("/api/v1/executions/webhook/a/b/c", "DELETE")
    assert not is_public("//health") and not is_public("/HEALTH") and not is_public("/health/")
    assert not is_public("/api/v1/executions/webhook/a//c", "POST")
    assert not is_public("/api/v1/executions/webhook/a/../c", "POST")


def test_credentials_check():
    creds = Credentials({"u": "p"}, ["t"])
    assert creds.check("Bearer t") and creds.check("bearer t")
    assert creds.check("Basic " + base64.b64encode(b"u:p").decode())
    assert not creds.check(None) and not creds.check("Bearer tt")
    assert not Credentials({}, [""]).check("Bearer ")


def test_body_size_limit(runtime):
    app = create_app(runtime, api_settings(max_body_bytes=2048, max_upload_bytes=4096))
    with TestClient(app, headers=BEARER) as client:
        big = client.post("/api/v1/flows", content="x" * 5000,
                          headers={"Content-Type": "application/x-yaml"})
        assert big.status_code == 413 and "over 2048 bytes" in big.json()["message"]

        def chunks():
            for _ in range(5):
                yield b"y" * 1000
        streamed = client.post("/api/v1/flows", content=chunks(),
                               headers={"Content-Type": "application/x-yaml"})
        assert streamed.status_code == 413
        upload = client.post("/api/v1/executions/a/b", files={"f": ("f.txt", b"z" * 3000)})
        assert upload.status_code == 404  # under the upload limit: reaches the route
        too_big = client.post("/api/v1/executions/a/b", files={"f": ("f.txt", b"z" * 5000)})
        assert too_big.status_code == 413


def _raw_get(url: str, path: str, headers: dict | None = None) -> int:
    """GET `path` byte for byte (http.client sends it unnormalised)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.mark.parametrize("path", SPELLINGS)
def test_protected_spellings_over_real_http(live, path):
    assert _raw_get(live, path) == 401
    assert _raw_get(live, path, BEARER) != 401
