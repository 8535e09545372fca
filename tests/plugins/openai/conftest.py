"""A model server on loopback, and an embedded runtime whose worker may reach it (the
loopback address allowed, as `http.allow_hosts` allows it), with the API key as a secret."""

from __future__ import annotations

import base64

import pytest

from podium.common.settings import HttpSettings
from podium.runtime import Runtime
from podium.worker.run_context import RunContext
from tests.plugins.ai.llm_server import API_KEY, LlmServer

SECRETS = {f"SECRET_{name}": base64.b64encode(API_KEY.encode()).decode()
           for name in ("OPENAI_API_KEY", "GEMINI_API_KEY", "MISTRAL_API_KEY")}


@pytest.fixture
def llm():
    server = LlmServer()
    yield server
    server.close()


@pytest.fixture
def runtime(tmp_path, monkeypatch):
    monkeypatch.setattr(RunContext, "http", HttpSettings(allow_hosts=["127.0.0.1"]))
    runtime = Runtime.embedded(tmp_path / "data", workers=2, environ=dict(SECRETS))
    yield runtime
    runtime.close()
