"""What only the Celery transport has: its configuration and the messages it puts on Redis."""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
from pathlib import Path
from unittest import mock

import pytest
from celery import Celery

sys.path.insert(0, str(Path(__file__).parent))
from test_transport_support import REDIS_URL, CeleryHarness, redis_up, wait_for  # noqa: E402

from podium.common.settings import Settings  # noqa: E402
from podium.common.transport import TransportError  # noqa: E402
from podium.common.transport.celery_transport import TASK_NAME, CeleryTransport, make_celery_app  # noqa: E402


@pytest.fixture
def app(tmp_path):
    return make_celery_app(Settings(data_dir=tmp_path, broker={
        "url": "redis://127.0.0.1:6379/3", "visibility_timeout_seconds": 7200,
        "key_prefix": "pfx:"}))


def test_delivery_settings(app):
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.broker_url == "redis://127.0.0.1:6379/3"
    assert conf.broker_transport_options["visibility_timeout"] == 7200
    assert conf.broker_transport_options["global_keyprefix"] == "pfx:"


def test_json_only(app):
    assert app.conf.task_serializer == "json"
    assert list(app.conf.accept_content) == ["json"]
    assert app.conf.event_serializer == "json"


def test_no_result_backend(app):
    assert app.conf.result_backend is None
    assert app.conf.task_ignore_result is True
    assert type(app.backend).__name__ == "DisabledBackend"
    assert app.tasks[TASK_NAME].ignore_result is True


def test_one_generic_task_and_nothing_else(app):
    ours = sorted(name for name in app.tasks if not name.startswith("celery."))
    assert ours == [TASK_NAME]
    task = app.tasks[TASK_NAME]
    assert task.acks_late and task.reject_on_worker_lost


def test_transport_needs_an_app_from_make_celery_app():
    with pytest.raises(TransportError):
        CeleryTransport(Celery("plain", set_as_current=False))


def test_publish_to_unreachable_broker_is_a_transport_error(tmp_path):
    # A short patience (60 s by default): the publish tries again for that long, then fails.
    app = make_celery_app(Settings(data_dir=tmp_path, broker={
        "url": "redis://127.0.0.1:1/0", "publish_patience_seconds": 1.5}))
    app.conf.broker_transport_options = {**app.conf.broker_transport_options, "max_retries": 0}
    app.conf.task_publish_retry = False
    started = time.monotonic()
    with pytest.raises(TransportError, match="could not publish to q"):
        CeleryTransport(app).publish("q", {"a": 1})
    assert time.monotonic() - started >= 0.5  # it kept trying (0.1, 0.2, 0.4, 0.5 s pauses)


@pytest.fixture
def harness(tmp_path):
    if not redis_up():
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    h = CeleryHarness(tmp_path)
    yield h
    h.close()


@pytest.mark.service
def test_message_on_redis_is_plain_json_without_eta(harness):
    harness.transport.publish("t.raw", {"id": "raw"})
    (raw,) = harness.redis.lrange(harness.prefix + "t.raw", 0, -1)
    message = json.loads(raw)
    assert message["content-type"] == "application/json"
    headers = message["headers"]
    assert headers["task"] == TASK_NAME
    assert headers.get("eta") is None and headers.get("countdown") is None
    assert headers.get("expires") is None
    assert message["properties"]["delivery_info"]["routing_key"] == "t.raw"


@pytest.mark.service
def test_our_envelope_is_the_one_send_task_writes(harness):
    """Podium writes Celery's message itself (celery_wire.py): the same keys, headers and
    properties as `send_task` for the same call, with the same body, so any Celery
    consumer reads it unchanged."""
    harness.transport.publish("t.same", {"kind": "run_task", "execution_id": "e1"})
    harness.transport.app.send_task(TASK_NAME, args=["t.same", '{"kind":"run_task","execution_id":"e1"}', 0],
                                    queue="t.same", ignore_result=True)
    ours, celerys = (json.loads(raw) for raw in
                     reversed(harness.redis.lrange(harness.prefix + "t.same", 0, -1)))
    assert list(ours) == list(celerys)
    assert base64.b64decode(ours["body"]) == base64.b64decode(celerys["body"])
    # reply_to only matters to a result backend, which Podium has none of.
    assert set(ours["headers"]) == set(celerys["headers"])
    assert set(ours["properties"]) == set(celerys["properties"]) - {"reply_to"}
    varying = {"id", "root_id", "origin", "argsrepr"}
    assert {k: v for k, v in ours["headers"].items() if k not in varying} == \
        {k: v for k, v in celerys["headers"].items() if k not in varying}
    assert ours["headers"]["id"].startswith("run_task:e1/")  # its mark, for locate()
    assert ours["properties"]["delivery_info"] == celerys["properties"]["delivery_info"]


@pytest.mark.service
def test_consume_in_process_stops_on_event_and_can_run_again(harness):
    """consume() from a non-main thread, stopped by its event, twice in one process."""
    got: list[dict] = []
    for round_ in range(2):
        harness.transport.publish("t.inproc", {"round": round_})
        stop = threading.Event()
        thread = threading.Thread(target=harness.transport.consume,
                                  args=(["t.inproc"], got.append),
                                  kwargs={"stop": stop, "pool": "solo"}, daemon=True)
        thread.start()
        wait_for(lambda: len(got) == round_ + 1, what=f"round {round_}")
        started = time.monotonic()
        stop.set()
        thread.join(15)
        assert not thread.is_alive()
        assert time.monotonic() - started < 10
    assert got == [{"round": 0}, {"round": 1}]
    assert harness.pending("t.inproc") == 0 and harness.unacked() == 0


def _attempt(run: str) -> dict:
    return {"kind": "run_task", "execution_id": "e1", "task_run_id": run, "attempt": 1}


@pytest.mark.service
def test_a_wire_claims_each_attempt_as_it_takes_it(harness):
    """With a TakeClaim, taking a message claims its mark in the same script, under the
    name and key `Transport.claim` uses: free claims become the taker's, held ones stay
    their holder's and say who; other kinds of message claim nothing."""
    from podium.common.transport.base import TakeClaim, TakenClaim, attempt_mark
    from podium.common.transport.celery_wire import Wire

    transport, queue = harness.transport, "t.claims"
    assert transport.claim(attempt_mark("run_task", "r2", 1), "other", 60) is None
    for payload in (_attempt("r1"), _attempt("r2"),
                    {"kind": "start_execution", "execution_id": "e1"}, _attempt("r3")):
        transport.publish(queue, payload)
    wire = Wire(REDIS_URL, harness.prefix)
    claim = TakeClaim(holder="me", ttl_seconds=60, kind="run_task")
    try:
        taken = wire.take(queue, 3, claim)
        popped = wire.pop([queue], 1, claim)
    finally:
        wire.close()
    assert [t.claim for t in taken] == [
        TakenClaim(name="run_task:r1:1", claimant="me", holder=None),
        TakenClaim(name="run_task:r2:1", claimant="me", holder="other"),
        None]
    assert popped is not None
    assert popped.claim == TakenClaim(name="run_task:r3:1", claimant="me", holder=None)
    # What the claims hold now, as anyone else trying them sees it.
    assert transport.claim("run_task:r1:1", "third", 60) == "me"
    assert transport.claim("run_task:r2:1", "third", 60) == "other"
    assert transport.claim("run_task:r3:1", "third", 60) == "me"
    assert harness.unacked() == 4  # each one recorded as taken all the same


@pytest.mark.service
def test_a_wire_without_a_take_claim_claims_nothing(harness):
    from podium.common.transport.base import attempt_mark
    from podium.common.transport.celery_wire import Wire

    harness.transport.publish("t.unclaimed", _attempt("r1"))
    wire = Wire(REDIS_URL, harness.prefix)
    try:
        (taken,) = wire.take("t.unclaimed", 5)
    finally:
        wire.close()
    assert taken.claim is None
    assert harness.transport.claim(attempt_mark("run_task", "r1", 1), "third", 60) is None


@pytest.mark.service
def test_a_thread_pool_handler_reads_the_claim_made_as_its_message_was_taken(harness):
    from podium.common.transport.base import TakeClaim, TakenClaim, claimed_at_take

    queue, seen = "t.pool-claims", []
    harness.transport.publish(queue, _attempt("r1"))
    harness.transport.publish(queue, {"kind": "start_execution", "execution_id": "e1"})
    stop = threading.Event()
    thread = threading.Thread(
        target=harness.transport.consume, args=([queue], lambda p: seen.append(
            (p["kind"], claimed_at_take()))),
        kwargs={"stop": stop, "pool": "threads",
                "claim": TakeClaim(holder="me", ttl_seconds=60, kind="run_task")},
        daemon=True)
    thread.start()
    try:
        wait_for(lambda: len(seen) == 2, what="both messages handled")
    finally:
        stop.set()
        thread.join(15)
    assert sorted(seen, key=lambda item: item[0]) == [
        ("run_task", TakenClaim(name="run_task:r1:1", claimant="me", holder=None)),
        ("start_execution", None)]


def test_failed_redelivery_publish_rejects_with_requeue(app):
    """If the failed message cannot be republished, it must not be acknowledged."""
    from celery.exceptions import Reject

    from podium.common.transport import celery_transport

    dispatch = app.podium_dispatch
    dispatch.backoff = 0
    dispatch.handlers["q"] = lambda payload: 1 / 0
    with mock.patch.object(celery_transport, "send",
                           side_effect=TransportError("Redis unreachable")):
        with pytest.raises(Reject) as caught:
            dispatch.handle("q", '{"a":1}', 0)
    assert caught.value.requeue is True
