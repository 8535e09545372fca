"""The notification tests' fixtures: the loopback chat service (receiver.py) and an embedded
runtime whose worker's SSRF guard allows 127.0.0.1."""

from __future__ import annotations

import pytest

from podium.common.settings import HttpSettings
from podium.runtime import Runtime
from podium.worker.run_context import RunContext
from tests.plugins.notifications.receiver import Receiver


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def runtime(tmp_path, monkeypatch):
    # what `podium worker` does with PODIUM_HTTP__ALLOW_HOSTS (wiring.worker_http)
    monkeypatch.setattr(RunContext, "http", HttpSettings(allow_hosts=["127.0.0.1"]))
    with Runtime.embedded(tmp_path / "data", workers=1, environ={}) as running:
        yield running
