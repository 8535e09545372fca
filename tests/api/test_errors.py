"""Errors leave as JSON: the PodiumError tree as 4xx, anything else as a generic 500."""

from __future__ import annotations

from fastapi.testclient import TestClient

from podium.api import create_app
from podium.api.errors import status_of
from podium.common.errors import (
    FileAccessError,
    FlowValidationError,
    InputError,
    KVError,
    PodiumError,
    Problem,
    StorageNotFoundError,
    UnsafePathError,
)
from podium.common.inputs.resolve import InputErrors
from podium.common.store.errors import NotFoundError
from tests.api.conftest import BEARER, api_settings


def test_unexpected_errors_are_generic_500s(runtime):
    app = create_app(runtime, api_settings())

    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("internal detail /etc/secret")

    with TestClient(app, headers=BEARER, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal server error", "details": []}
    assert "secret" not in response.text and "Traceback" not in response.text


def test_status_table():
    assert status_of(StorageNotFoundError("kestra:///x")) == 404
    assert status_of(NotFoundError("gone")) == 404
    assert status_of(FileAccessError("kestra:///x", "no")) == 403
    assert status_of(UnsafePathError("..", "traversal")) == 422
    assert status_of(FlowValidationError([Problem("bad", "id", 1, 1)])) == 422
    assert status_of(InputErrors([InputError("a", "missing")])) == 422
    assert status_of(KVError("bad key")) == 422
    assert status_of(PodiumError("refused")) == 400


def test_unknown_routes_and_methods_are_json(client):
    missing = client.get("/api/v1/nothing")
    assert missing.status_code == 404 and missing.json()["message"] == "Not Found"
    wrong = client.patch("/api/v1/flows/search")
    assert wrong.status_code == 405 and "message" in wrong.json()
