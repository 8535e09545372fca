"""http.SseRequest against a real server on 127.0.0.1 streaming server-sent events in small
pieces (Kestra's SseRequestTest streams, plus every SSE field and line ending)."""

from __future__ import annotations

import pytest

from podium.common.models.state import State
from tests.unit.worker.http_server import start_server, stop_server
from tests.unit.worker.test_http_tasks import run

SSE = "io.kestra.plugin.core.http.SseRequest"


@pytest.fixture(scope="module")
def server():
    local = start_server()
    yield local
    stop_server(local)


def sse(server, stream: str, **props):
    outcome, logs = run(SSE, uri=server.url(f"/sse/{stream}"), **props)
    return outcome


def test_events_are_collected_until_the_stream_ends(server):
    outcome = sse(server, "simple")
    assert outcome.state is State.SUCCESS, outcome.error
    out = outcome.outputs
    assert out["uri"] == server.url("/sse/simple") and out["size"] == 5
    assert out["events"] == [{"data": f"Simple event {i}"} for i in range(5)]
    assert out["result"] is None
    assert [m["value"] for m in outcome.metrics if m["name"] == "size"] == [5]


def test_jq_extracts_and_joins_a_field_of_json_data(server):
    out = sse(server, "json", concatJqExpression=".data.message").outputs
    assert (out["size"], out["result"], out["events"]) == (3, "HelloWorldTest", None)
    assert sse(server, "nested", concatJqExpression=".data.data.value").outputs["result"] == "12"


def test_an_event_jq_cannot_read_fails_the_task_unless_skipped(server):
    failed = sse(server, "mixed", concatJqExpression=".data.count")
    assert failed.state is State.FAILED
    assert ("Failed to resolve JQ expression '.data.count' and value "
            "'{\"data\":\"Plain text event\"}'") in failed.error
    skipped = sse(server, "mixed", concatJqExpression=".data.count", failedOnMissingJq=False)
    assert skipped.state is State.SUCCESS, skipped.error
    assert (skipped.outputs["size"], skipped.outputs["result"]) == (4, "12")


def test_headers_and_multiline_data(server):
    out = sse(server, "auth", headers={"X-API-Key": "test-key"}).outputs
    assert out["events"] == [{"data": {"status": "authorized"}}]
    refused = sse(server, "auth")
    assert refused.state is State.FAILED and "401" in refused.error
    assert sse(server, "multiline").outputs["events"] == [{"data": "line1\nline2\nline3"}]


def test_every_field_and_line_ending_of_the_format(server):
    out = sse(server, "fields").outputs
    assert out["events"] == [
        {"data": True, "comment": "hello", "name": "tick", "id": "7", "retry": "PT1.5S"},
        {"data": "é\nx"}]
    assert out["size"] == 2


def test_max_events_from_the_documented_example(server):
    out = sse(server, "simple", maxEvents=2).outputs
    assert out["size"] == 2 and [e["data"] for e in out["events"]] == ["Simple event 0",
                                                                       "Simple event 1"]
