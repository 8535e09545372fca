"""One embedded runtime served for a whole module of API cases (each case compares its
own `stored()` before and after, so they can share it): building one per case costs
seconds on a loaded machine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient

from podium.api import create_app
from podium.api.server import ServerThread
from podium.runtime import Runtime
from tests.api.conftest import BEARER, api_settings

YAML = {"Content-Type": "application/x-yaml"}


@dataclass
class Served:
    runtime: Runtime
    api: TestClient  # with a bearer token
    url: str  # the same app over real HTTP (uvicorn)


@contextmanager
def served(folder: Path, *flows: str, **settings) -> Iterator[Served]:
    with Runtime.embedded(folder, workers=1, environ={}) as runtime:
        app = create_app(runtime, api_settings(**settings))
        with TestClient(app, headers=BEARER, raise_server_exceptions=False) as api, \
                ServerThread(app) as server:
            for source in flows:
                assert api.post("/api/v1/flows", content=source,
                                headers=YAML).status_code == 200
            yield Served(runtime, api, server.url)
