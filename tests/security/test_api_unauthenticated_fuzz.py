"""Schemathesis over every operation of the OpenAPI document WITHOUT credentials, against
a live server holding flows (one in namespace `webhook`): no protected operation ever
answers 2xx (nor 5xx), whatever path, query and body it is sent. Bounded: 3 derandomised
examples per operation (PODIUM_FUZZ_EXAMPLES / PODIUM_FUZZ_RANDOM search longer)."""

from __future__ import annotations

import os
import re

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from podium.api import create_app
from tests.api.conftest import HELLO, api_settings
from tests.security.api_served import served

FLOWS = (HELLO, HELLO.replace("namespace: company.team", "namespace: webhook"))
# What we intend to be public, written here rather than imported from the code under test.
PUBLIC = [(re.compile(r"/(api/v1/)?health"), {"GET"}),
          (re.compile(r"/api/v1/executions/webhook/[^/]+/[^/]+/[^/]+"), {"GET", "POST", "PUT"})]


def with_examples(document: dict) -> dict:
    """Every `namespace` parameter has the example `webhook` and every `flow_id` `hello`,
    so the examples phase calls "start an execution" of webhook.hello (which a prefix
    match of the webhook route let through)."""
    for item in document["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                example = {"namespace": "webhook", "flow_id": "hello"}.get(parameter["name"])
                if example and parameter["in"] == "path":
                    parameter["example"] = example
    return document


def is_public(method: str, path: str) -> bool:
    return any(pattern.fullmatch(path) and method in methods for pattern, methods in PUBLIC)


schema = schemathesis.openapi.from_dict(with_examples(create_app(None, api_settings()).openapi()))


@pytest.fixture(scope="module")
def live_url(tmp_path_factory):
    with served(tmp_path_factory.mktemp("anonymous"), *FLOWS) as server:
        yield server.url


@schema.parametrize()
@settings(max_examples=int(os.environ.get("PODIUM_FUZZ_EXAMPLES", "3")), deadline=None,
          derandomize=not os.environ.get("PODIUM_FUZZ_RANDOM"),
          suppress_health_check=list(HealthCheck))
def test_no_protected_operation_answers_without_credentials(case, live_url):
    response = case.call(base_url=live_url, timeout=30)
    path = response.request.url.split(live_url, 1)[-1].split("?", 1)[0]
    assert response.status_code < 500, (case.method, path, response.text[:200])
    if not is_public(case.method, httpx.URL(live_url + path).path):
        assert response.status_code == 401, (case.method, path, response.text[:200])
