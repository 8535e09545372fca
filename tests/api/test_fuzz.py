"""Property-based fuzz of every documented operation against a live server (uvicorn on
127.0.0.1 over an embedded Runtime): whatever schemathesis sends, the answer is never a
5xx. Bounded: 25 derandomised examples per operation, a few seconds in all;
PODIUM_FUZZ_EXAMPLES=500 PODIUM_FUZZ_RANDOM=1 runs a longer, random search."""

from __future__ import annotations

import os

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from podium.api import create_app
from podium.api.server import ServerThread
from podium.runtime import Runtime
from tests.api.conftest import BEARER, HELLO, api_settings

# The schema does not depend on the runtime: build it once, without one.
schema = schemathesis.openapi.from_dict(create_app(None, api_settings()).openapi())

WEBHOOK = HELLO.replace("id: hello", "id: hooked") + """\
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: key
"""


@pytest.fixture(scope="module")
def live_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    with Runtime.embedded(folder, workers=2, environ={}) as runtime, \
            ServerThread(create_app(runtime, api_settings())) as server:
        for source in (HELLO, WEBHOOK):
            httpx.post(f"{server.url}/api/v1/flows", content=source, headers={
                **BEARER, "Content-Type": "application/x-yaml"}).raise_for_status()
        yield server.url


@schema.parametrize()
@settings(max_examples=int(os.environ.get("PODIUM_FUZZ_EXAMPLES", "25")), deadline=None,
          derandomize=not os.environ.get("PODIUM_FUZZ_RANDOM"),
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, live_url):
    case.call_and_validate(base_url=live_url, headers=BEARER, checks=[not_a_server_error],
                           timeout=30)
