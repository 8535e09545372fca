"""Health (beats with a fake clock, readiness) and the management server over real HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from prometheus_client import CollectorRegistry, Counter

from podium.common.observability import Health, ManagementServer
from podium.common.observability.metrics import QueueDepth


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read(), response.headers["Content-Type"]
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers["Content-Type"]


def test_liveness_follows_beats():
    clock = Clock()
    health = Health(clock)
    assert health.liveness()[0]  # nothing expected: alive
    health.expect("loop", 10)
    clock.now += 9
    assert health.liveness()[0]  # a first round gets one max age
    clock.now += 2
    alive, checks = health.liveness()
    assert not alive and checks["loop"]["ok"] is False and checks["loop"]["age_seconds"] == 11
    health.beat("loop")
    assert health.liveness()[0]
    health.beat("heartbeat")  # never expected: shown nowhere in liveness, decides nothing
    clock.now += 100
    health.expect("heartbeat", 30)  # already beaten: its age counts from that beat
    alive, checks = health.liveness()
    assert not alive and set(checks) == {"heartbeat", "loop"}
    assert not checks["heartbeat"]["ok"]
    health.forget("loop")
    health.beat("heartbeat")
    assert health.liveness()[0]


def test_readiness_flag():
    health = Health()
    assert health.readiness() == (False, {"ready": {"ok": False}})
    health.set_ready(True)
    assert health.readiness()[0]
    health.set_ready(False)
    assert not health.ready


def test_management_server_endpoints():
    clock = Clock()
    health = Health(clock)
    registry = CollectorRegistry()
    Counter("podium_test_things_total", "things", ["kind"], registry=registry) \
        .labels("a").inc(3)
    with ManagementServer(health, "127.0.0.1", 0, registry=lambda: registry) as server:
        assert server.port > 0 and server.url == f"http://127.0.0.1:{server.port}"
        status, body, content_type = get(server.url + "/metrics")
        assert status == 200 and content_type.startswith("text/plain")
        assert 'podium_test_things_total{kind="a"} 3.0' in body.decode()

        status, body, _ = get(server.url + "/readyz")
        assert status == 503 and json.loads(body)["status"] == "DOWN"
        health.set_ready(True)
        status, body, _ = get(server.url + "/readyz")
        assert status == 200 and json.loads(body) == {"status": "UP",
                                                      "checks": {"ready": {"ok": True}}}

        health.expect("timers", 30)
        status, body, content_type = get(server.url + "/healthz")
        assert status == 200 and content_type == "application/json"
        assert json.loads(body)["checks"]["timers"]["ok"] is True
        clock.now += 31  # the loop hung: liveness fails although the process answers
        status, body, _ = get(server.url + "/healthz")
        assert status == 503
        assert json.loads(body) == {"status": "DOWN", "checks": {"timers": {
            "ok": False, "age_seconds": 31.0, "max_age_seconds": 30.0}}}
        health.beat("timers")
        assert get(server.url + "/healthz")[0] == 200
        assert get(server.url + "/nope")[0] == 404


def test_management_server_refuses_a_taken_port():
    with ManagementServer(Health(), "127.0.0.1", 0) as first:
        with pytest.raises(OSError):
            ManagementServer(Health(), "127.0.0.1", first.port)


class FakeRedis:
    def __init__(self, lists: dict[str, int]) -> None:
        self.lists = lists

    def scan_iter(self, match: str, count: int, _type: str):
        import fnmatch

        return [k.encode() for k in self.lists if fnmatch.fnmatchcase(k, match)]

    def llen(self, key: bytes) -> int:
        return self.lists[key.decode()]


def test_queue_depth_honours_the_prefix_and_finds_groups():
    redis = FakeRedis({"p:podium.executor": 3, "p:podium.worker.gpu": 2,
                       "p:podium.worker.gpu.dead": 1, "p:podium.worker\x06\x163": 4,
                       "q:podium.executor": 50})
    assert QueueDepth(redis, "p:").depths() == {
        "podium.executor": 3, "podium.executor.dead": 0, "podium.worker": 4,
        "podium.worker.dead": 0, "podium.worker.gpu": 2, "podium.worker.gpu.dead": 1}
