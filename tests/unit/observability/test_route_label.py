"""podium_http_requests_total is labelled by route template, never by raw path."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from podium.api import create_app
from podium.common.settings import ApiSettings
from podium.runtime import Runtime


def count(**labels: str) -> float:
    return REGISTRY.get_sample_value("podium_http_requests_total", labels) or 0.0


def test_requests_are_labelled_by_route_template(tmp_path):
    with Runtime.embedded(tmp_path) as runtime:
        settings = ApiSettings(tokens=["t0ken-for-metrics-test"])
        client = TestClient(create_app(runtime, settings))
        route = "/api/v1/executions/{execution_id}"
        labels = dict(method="GET", route=route)
        before = {s: count(**labels, status=s) for s in ("401", "404")}
        unmatched = count(method="GET", route="<unmatched>", status="404")
        assert client.get("/api/v1/executions/abc123").status_code == 401
        headers = {"Authorization": "Bearer t0ken-for-metrics-test"}
        assert client.get("/api/v1/executions/abc123", headers=headers).status_code == 404
        assert client.get("/api/v1/executions/zzz999", headers=headers).status_code == 404
        assert client.get("/no/such/path/123", headers=headers).status_code == 404
        assert count(**labels, status="401") == before["401"] + 1  # refused before routing
        assert count(**labels, status="404") == before["404"] + 2
        assert count(method="GET", route="<unmatched>", status="404") == unmatched + 1
        for sample in REGISTRY.collect():
            if sample.name == "podium_http_requests":
                for s in sample.samples:
                    assert "abc123" not in s.labels.get("route", "")
        health = count(method="GET", route="/health", status="200")
        assert client.get("/health").status_code == 200
        assert count(method="GET", route="/health", status="200") == health + 1
