"""An embedded Runtime behind the API app, with one basic user and one token."""

from __future__ import annotations

import base64

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from podium.api import create_app
from podium.cli import main
from podium.common.settings import ApiSettings
from podium.runtime import Runtime

USER, PASSWORD, TOKEN = "admin", "s3cret-password", "tok-0123456789"
BASIC = {"Authorization": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()}
BEARER = {"Authorization": f"Bearer {TOKEN}"}

HELLO = """\
id: hello
namespace: company.team
inputs:
  - id: name
    type: STRING
    defaults: world
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "hello {{ inputs.name }}"
"""


def api_settings(**overrides) -> ApiSettings:
    values = dict(users={USER: PASSWORD}, tokens=[TOKEN])
    values.update(overrides)
    return ApiSettings(**values)


@pytest.fixture
def runtime(tmp_path):
    with Runtime.embedded(tmp_path / "data", workers=2, environ={}) as runtime:
        yield runtime


@pytest.fixture
def app(runtime):
    return create_app(runtime, api_settings())


@pytest.fixture
def client(app):
    with TestClient(app, headers=BEARER, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def anonymous(app):
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def deploy(client, source: str = HELLO) -> dict:
    response = client.post("/api/v1/flows", content=source,
                           headers={"Content-Type": "application/x-yaml"})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def live(app):
    """The app served by uvicorn on 127.0.0.1 (real HTTP: paths are sent as written)."""
    from podium.api.server import ServerThread

    with ServerThread(app) as server:
        yield server.url


@pytest.fixture
def cli(live, monkeypatch):
    """`podium ...` through click's runner, as a client of `live` (--server mode)."""
    monkeypatch.setenv("PODIUM_SERVER", live)
    monkeypatch.setenv("PODIUM_SERVER_TOKEN", TOKEN)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)
    return invoke
