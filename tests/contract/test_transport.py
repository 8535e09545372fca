"""The transport contract, run on both transports (dramatiq-style: one suite, stub and real).

`memory` runs InProcessTransport in threads. `celery` publishes from this process with
CeleryTransport and consumes in real separate worker processes on the real Redis (marked
`service`: skipped without Redis, which fails under CI=true). Each Celery test uses its own
Redis key prefix and deletes its keys afterwards, so parallel runs do not collide.
"""

from __future__ import annotations

import math
import sys
import uuid
from datetime import datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_transport_support import (  # noqa: E402
    MAX_FAILURES,
    REDIS_URL,
    VISIBILITY_TIMEOUT,
    CeleryHarness,
    MemoryHarness,
    redis_up,
    wait_for,
)

from podium.common.transport import DEAD_LETTER_KIND, InvalidPayloadError, TransportError  # noqa: E402
from podium.common.transport.base import LAPSED, RESENT  # noqa: E402


def _celery_harness(tmp_path, batches=False, threads=False):
    if not redis_up():
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    return CeleryHarness(tmp_path, batches, threads)


# "-batches": consumers take with `consume_batches` (the executor's way), which honours
# the same contract, but for `is_redelivery()`. "-threads": pool="threads" (the worker's
# way: Podium's own consumer and thread pool) where a test does not ask for prefork.
@pytest.fixture(params=["memory", "memory-batches",
                        pytest.param("celery", marks=pytest.mark.service),
                        pytest.param("celery-batches", marks=pytest.mark.service),
                        pytest.param("celery-threads", marks=pytest.mark.service)])
def harness(request, tmp_path):
    batches = request.param.endswith("-batches")
    h = MemoryHarness(batches) if request.param.startswith("memory") else \
        _celery_harness(tmp_path, batches, threads=request.param.endswith("-threads"))
    yield h
    h.close()


@pytest.fixture(params=["solo", "threads"])
def celery_harness(request, tmp_path):
    """For what only exists with processes: a killed consumer, a lost pool process."""
    h = _celery_harness(tmp_path, threads=request.param == "threads")
    yield h
    h.close()


def _ids(records):
    return [r["id"] for r in records]


def test_publish_then_consume_several_queues(harness):
    q1, q2 = harness.queue("a"), harness.queue("b")
    harness.transport.publish(q1, {"id": "a1"})
    harness.transport.publish_many([(q1, {"id": "a2"}), (q2, {"id": "b1"}), (q2, {"id": "b2"})])
    harness.start_consumer([q1, q2], concurrency=2)
    done = wait_for(lambda: len(harness.recorder.items("done")) >= 4 and
                    harness.recorder.items("done"), what="4 messages handled")
    assert sorted(_ids(done)) == ["a1", "a2", "b1", "b2"]
    assert all(r["attempt"] == 1 for r in done)


def test_payload_arrives_as_json_copy(harness):
    q = harness.queue("copy")
    payload = {"id": "c", "nested": {"list": (1, 2)}, "n": None, "f": 1.5, "s": "é"}
    harness.transport.publish(q, payload)
    payload["nested"]["list"] = "mutated after publish"
    harness.start_consumer([q])
    wait_for(lambda: harness.recorder.items("done"), what="message handled")
    # The handler saw the payload as published (tuple -> list, as JSON has it).
    assert harness.recorder.items("done")[0]["payload"] == {
        "id": "c", "nested": {"list": [1, 2]}, "n": None, "f": 1.5, "s": "é"}


def test_fifo_for_one_consumer(harness):
    q = harness.queue("fifo")
    ids = [f"m{i:02d}" for i in range(20)]
    for mid in ids:
        harness.transport.publish(q, {"id": mid})
    harness.start_consumer([q], concurrency=1)
    wait_for(lambda: len(harness.recorder.items("done")) == 20, what="20 messages")
    assert _ids(harness.recorder.items("done")) == ids


def test_concurrency_handles_messages_in_parallel(harness):
    q = harness.queue("par")
    if harness.batches and harness.kind == "celery":
        # Messages that wait together are one call: batches are what run in parallel.
        harness.transport.publish(q, {"id": "p1", "sleep": 1.0})
        harness.start_consumer([q], concurrency=2)
        wait_for(lambda: harness.recorder.items("started"), what="p1 started")
        harness.transport.publish(q, {"id": "p2", "sleep": 1.0})
    else:
        for mid in ("p1", "p2"):
            harness.transport.publish(q, {"id": mid, "sleep": 1.0})
        # prefork on Celery: the pool the worker service uses.
        harness.start_consumer([q], concurrency=2, pool="prefork")
    done = wait_for(lambda: len(harness.recorder.items("done")) == 2 and
                    harness.recorder.items("done"), what="2 messages")
    started = harness.recorder.items("started")
    assert max(s["at"] for s in started) < min(d["at"] for d in done), "not run in parallel"


def test_handler_exception_redelivers(harness):
    q = harness.queue("retry")
    harness.transport.publish(q, {"id": "r", "fail": 2})
    harness.start_consumer([q])
    wait_for(lambda: harness.recorder.items("done"), what="message handled after failures")
    assert [s["attempt"] for s in harness.recorder.items("started")] == [1, 2, 3]
    assert harness.recorder.items("done")[0]["attempt"] == 3
    assert harness.recorder.items("dead") == []


def test_dead_letter_after_max_failures(harness):
    q = harness.queue("poison")
    harness.transport.publish(q, {"id": "x", "fail": 99})
    harness.transport.publish(q, {"id": "ok"})
    # The dead-letter queue is a queue like any other: consume it to inspect it.
    harness.start_consumer([q, q + ".dead"])
    dead = wait_for(lambda: harness.recorder.items("dead"), what="dead letter")
    assert dead == [{"kind": DEAD_LETTER_KIND, "queue": q, "payload": {"id": "x", "fail": 99},
                     "error": f"RuntimeError: planned failure {MAX_FAILURES}",
                     "failures": MAX_FAILURES}]
    wait_for(lambda: harness.recorder.items("done"), what="healthy message handled")
    assert _ids(harness.recorder.items("done")) == ["ok"]
    assert len([s for s in harness.recorder.items("started") if s["id"] == "x"]) == MAX_FAILURES


def test_store_outage_failures_do_not_dead_letter(harness):
    """A handler failing because the store is unreachable is retried past max_failures:
    the outage ends and the message is handled, never dead-lettered."""
    q = harness.queue("outage")
    harness.transport.publish(q, {"id": "o", "outage": MAX_FAILURES + 1})
    harness.start_consumer([q, q + ".dead"])
    done = wait_for(lambda: harness.recorder.items("done"), 30, what="handled after the outage")
    assert done[0]["attempt"] == MAX_FAILURES + 2
    assert harness.recorder.items("dead") == []


@pytest.mark.parametrize("pool", ["solo", "prefork"])
def test_stop_is_warm_running_handler_finishes_and_is_acked(harness, pool):
    q = harness.queue("warm")
    harness.transport.publish(q, {"id": "w", "sleep": 1.0})
    consumer = harness.start_consumer([q], pool=pool)
    wait_for(lambda: harness.recorder.items("started"), what="handler started")
    assert consumer.stop() == 0  # Celery: SIGTERM to the worker process
    assert [d["id"] for d in harness.recorder.items("done")] == ["w"]
    assert harness.pending(q) == 0 and harness.unacked() == 0  # acknowledged, not requeued


def test_messages_not_taken_survive_stop(harness):
    q = harness.queue("later")
    consumer = harness.start_consumer([harness.queue("elsewhere")])
    harness.transport.publish(q, {"id": "kept"})
    consumer.stop()
    assert harness.pending(q) == 1
    harness.start_consumer([q])
    wait_for(lambda: harness.recorder.items("done"), what="message handled by next consumer")


def _attempt(run: str, **behaviour) -> dict:
    """A payload about one task attempt: it travels with the mark `run_task:<run>:1`."""
    return {"kind": "run_task", "task_run_id": run, "attempt": 1, "id": run, **behaviour}


def test_locate_finds_marked_messages_until_they_are_handled(harness):
    q, t = harness.queue("marked"), harness.transport
    t.publish(q, _attempt("slow", sleep=2))
    t.publish(q, _attempt("flaky", fail=1))  # its redelivery keeps the mark
    t.publish(q, {"id": "plain"})
    wanted = {"run_task:slow:1", "run_task:flaky:1", "run_task:never:1"}
    assert t.locate([q], wanted) == {"run_task:slow:1", "run_task:flaky:1"}
    assert t.locate([harness.queue("elsewhere")], wanted) == set()
    harness.start_consumer([q])
    wait_for(lambda: harness.recorder.items("started"), what="slow handler started")
    # Taken and running: held by its consumer, found whatever queues are named.
    assert "run_task:slow:1" in t.locate([harness.queue("elsewhere")], wanted)
    assert t.locate([q], wanted) == {"run_task:slow:1", "run_task:flaky:1"}
    wait_for(lambda: len(harness.recorder.items("done")) == 3, what="every message handled")
    wait_for(lambda: t.locate([q], wanted) == set(), what="handled messages acknowledged")
    assert sorted(s["id"] for s in harness.recorder.items("started")) == \
        ["flaky", "flaky", "plain", "slow"]


@pytest.mark.service
def test_consumer_killed_mid_handler_redelivers_to_new_consumer(celery_harness):
    # (In memory the queues die with the process: there is nothing to redeliver.)
    harness = celery_harness
    q = harness.queue("killed")
    harness.transport.publish(q, _attempt("k", sleep=60, sleep_once=True))
    first = harness.start_consumer([q])
    wait_for(lambda: harness.recorder.items("started"), what="handler started")
    first.kill()  # SIGKILL the whole consumer process group: no shutdown code runs
    assert harness.unacked() == 1  # the message is still held for the dead consumer
    assert harness.transport.locate([q], {"run_task:k:1"}) == {"run_task:k:1"}
    harness.start_consumer([q])
    done = wait_for(lambda: harness.recorder.items("done"), timeout=25,
                    what="redelivery after the visibility timeout")
    started = harness.recorder.items("started")
    assert [s["attempt"] for s in started] == [1, 2] and done[0]["attempt"] == 2
    assert started[0]["pid"] != started[1]["pid"]
    # The handler can tell that the work may have been done already.
    assert [s["redelivered"] for s in started] == [False, True]
    assert [s["why"] for s in started] == [None, LAPSED]


@pytest.mark.service
def test_live_consumer_keeps_its_message_past_the_visibility_timeout(celery_harness):
    # The consumer renews its hold on the message it runs, so the other consumer's sweeps
    # (every 0.5 s) never hand it out again, however long the handler takes.
    harness = celery_harness
    q = harness.queue("long")
    harness.transport.publish(q, {"id": "long", "sleep": 2 * VISIBILITY_TIMEOUT})
    harness.start_consumer([q])
    wait_for(lambda: harness.recorder.items("started"), what="handler started")
    harness.start_consumer([q])
    done = wait_for(lambda: harness.recorder.items("done"), timeout=30, what="long handler")
    started = harness.recorder.items("started")
    assert [(s["attempt"], s["redelivered"]) for s in started] == [(1, False)]
    assert done[0]["attempt"] == 1
    wait_for(lambda: harness.unacked() == 0, what="acknowledged")
    assert harness.pending(q) == 0


@pytest.mark.service
def test_pool_process_killed_mid_handler_is_requeued(celery_harness):
    harness = celery_harness
    q = harness.queue("lost")
    harness.transport.publish(q, {"id": "l", "die": True})
    harness.start_consumer([q], concurrency=1, pool="prefork")
    # reject_on_worker_lost: requeued at once, not after the visibility timeout.
    done = wait_for(lambda: harness.recorder.items("done"), timeout=15,
                    what="requeue after the pool process died")
    assert done[0]["attempt"] == 2


def test_broadcast_reaches_every_subscriber(harness):
    got_a, got_b = [], []
    channel = harness.queue("kill")
    stop_a = harness.transport.subscribe_broadcast(channel, got_a.append)
    stop_b = harness.transport.subscribe_broadcast(channel, got_b.append)
    try:
        harness.transport.broadcast(channel, {"kind": "kill_task", "execution_id": "e1"})
        wait_for(lambda: got_a and got_b, what="both subscribers")
        stop_b()
        harness.transport.broadcast(channel, {"kind": "kill_task", "execution_id": "e2"})
        wait_for(lambda: len(got_a) == 2, what="second broadcast")
        assert [m["execution_id"] for m in got_a] == ["e1", "e2"]
        assert [m["execution_id"] for m in got_b] == ["e1"]
    finally:
        stop_a()
        stop_b()


def test_broadcast_subscriber_survives_handler_error(harness):
    got = []

    def handler(message):
        if message["n"] == 1:
            raise ValueError("bad broadcast")
        got.append(message["n"])

    channel = harness.queue("fragile")
    stop = harness.transport.subscribe_broadcast(channel, handler)
    try:
        harness.transport.broadcast(channel, {"n": 1})
        harness.transport.broadcast(channel, {"n": 2})
        wait_for(lambda: got == [2], what="subscriber to carry on")
    finally:
        stop()


@pytest.mark.parametrize("bad", [
    ["not", "a", "dict"], "text", {"when": datetime(2024, 1, 1)}, {"s": {1, 2}},
    {"nan": math.nan}, {"inf": math.inf}, {"obj": object()},
])
def test_non_json_payload_rejected_at_publish(harness, bad):
    q = harness.queue("json")
    with pytest.raises(InvalidPayloadError):
        harness.transport.publish(q, bad)
    with pytest.raises(InvalidPayloadError):  # validated before anything is sent
        harness.transport.publish_many([(q, {"id": "fine"}), (q, bad)])
    with pytest.raises(InvalidPayloadError):
        harness.transport.broadcast(q, bad)
    assert harness.pending(q) == 0


def test_bad_queue_names_rejected(harness):
    for name in ("", "has space", None):
        with pytest.raises(TransportError):
            harness.transport.publish(name, {"id": 1})


# Not with Celery's batches: one call for many messages sees no `is_redelivery()`.
@pytest.fixture(params=["memory", "memory-batches",
                        pytest.param("celery", marks=pytest.mark.service),
                        pytest.param("celery-threads", marks=pytest.mark.service)])
def per_message_harness(request, tmp_path):
    h = MemoryHarness(request.param.endswith("-batches")) if \
        request.param.startswith("memory") else \
        _celery_harness(tmp_path, threads=request.param.endswith("-threads"))
    yield h
    h.close()


def test_a_message_published_again_or_retried_is_seen_as_a_redelivery(per_message_harness):
    harness = per_message_harness
    q = harness.queue("again")
    harness.transport.publish(q, {"id": "fresh"})
    harness.transport.publish(q, {"id": "again"}, redelivery=True)
    harness.transport.publish(q, {"id": "flaky", "fail": 1})
    harness.start_consumer([q])
    wait_for(lambda: len(harness.recorder.items("done")) == 3, what="3 messages handled")
    seen = [(s["id"], s["attempt"], s["why"]) for s in harness.recorder.items("started")]
    assert seen == [("fresh", 1, None), ("again", 1, RESENT), ("flaky", 1, None),
                    ("flaky", 2, RESENT)]


def test_claims_are_held_once_until_released_replaced_or_expired(harness):
    t = harness.transport
    name = f"attempt-{uuid.uuid4().hex}"
    assert t.claim(name, "w1", 30) is None
    assert t.claim(name, "w2", 30) == "w1"  # held: the second claimant learns by whom
    assert t.claim(name, "w2", 30, replacing="w9") == "w1"  # a takeover of someone else's
    assert t.claim(name, "w2", 30, replacing="w1") is None  # a takeover of w1's
    t.release(name, "w1")  # not w1's any more: stays
    assert t.claim(name, "w3", 30) == "w2"
    t.release(name, "w2")
    assert t.claim(name, "w3", 0.3) is None
    wait_for(lambda: t.claim(name, "w4", 30) is None, 5, "the claim to expire")
    with pytest.raises(TransportError):
        t.claim(name, "", 30)


# -- consume_batches ---------------------------------------------------------------------

@pytest.fixture
def batch_harness(tmp_path):
    h = _celery_harness(tmp_path, batches=True)
    yield h
    h.close()


@pytest.mark.service
def test_messages_that_wait_together_come_in_one_call(batch_harness):
    harness = batch_harness
    q = harness.queue("together")
    harness.transport.publish_many([(q, {"id": f"m{i}"}) for i in range(10)])
    harness.start_consumer([q])
    done = wait_for(lambda: len(harness.recorder.items("done")) == 10 and
                    harness.recorder.items("done"), what="10 messages handled")
    assert _ids(done) == [f"m{i}" for i in range(10)]  # in publish order
    assert harness.recorder.items("batch") == [10]
    wait_for(lambda: harness.unacked() == 0, what="all acknowledged")


@pytest.mark.service
def test_a_failed_message_of_a_batch_alone_is_redelivered(batch_harness):
    harness = batch_harness
    q = harness.queue("one-fails")
    harness.transport.publish_many([(q, {"id": "ok1"}), (q, {"id": "bad", "fail": 1}),
                                    (q, {"id": "ok2"})])
    harness.start_consumer([q])
    wait_for(lambda: len(harness.recorder.items("done")) == 3, what="3 messages handled")
    started = [(s["id"], s["attempt"]) for s in harness.recorder.items("started")]
    assert started == [("ok1", 1), ("bad", 1), ("ok2", 1), ("bad", 2)]
    wait_for(lambda: harness.unacked() == 0 and harness.pending(q) == 0, what="all acknowledged")


@pytest.mark.service
def test_batch_consumer_killed_mid_batch_gives_its_messages_back(batch_harness):
    """What a batch consumer took is recorded as taken in the same step (no message is
    only in its socket): killed, its messages come back after the visibility timeout,
    and `locate` sees them meanwhile."""
    harness = batch_harness
    q = harness.queue("killed-batch")
    harness.transport.publish_many([(q, _attempt("a", sleep=60, sleep_once=True)),
                                    (q, _attempt("b"))])
    first = harness.start_consumer([q])
    wait_for(lambda: harness.recorder.items("started"), what="handler started")
    first.kill()
    assert harness.unacked() == 2 and harness.pending(q) == 0
    assert harness.transport.locate([q], {"run_task:a:1", "run_task:b:1"}) == \
        {"run_task:a:1", "run_task:b:1"}
    harness.start_consumer([q])
    done = wait_for(lambda: len(harness.recorder.items("done")) == 2 and
                    harness.recorder.items("done"), timeout=25,
                    what="redelivery after the visibility timeout")
    # b never started before the kill: its first start is after the redelivery.
    assert sorted((d["id"], d["attempt"]) for d in done) == [("a", 2), ("b", 1)]


@pytest.mark.service
def test_batch_consumer_keeps_its_batch_past_the_visibility_timeout(batch_harness):
    harness = batch_harness
    q = harness.queue("long-batch")
    harness.transport.publish(q, {"id": "long", "sleep": 2 * VISIBILITY_TIMEOUT})
    harness.start_consumer([q])
    wait_for(lambda: harness.recorder.items("started"), what="handler started")
    harness.start_consumer([q])  # its sweeps would hand out a message nobody renews
    wait_for(lambda: harness.recorder.items("done"), timeout=30, what="long handler")
    assert [s["attempt"] for s in harness.recorder.items("started")] == [1]
    wait_for(lambda: harness.unacked() == 0, what="acknowledged")


@pytest.mark.service
def test_a_message_that_is_no_podium_call_is_discarded(batch_harness):
    harness = batch_harness
    q = harness.queue("foreign")
    harness.redis.lpush(harness.prefix + q, b'{"headers": {"task": "other.task"}}')
    harness.redis.lpush(harness.prefix + q, b"not json at all")
    harness.transport.publish(q, {"id": "after"})
    harness.start_consumer([q])
    wait_for(lambda: harness.recorder.items("done"), what="the podium message handled")
    wait_for(lambda: harness.unacked() == 0 and harness.pending(q) == 0,
             what="the foreign ones discarded, not looping")
    assert _ids(harness.recorder.items("done")) == ["after"]
