"""Harnesses of the transport contract tests (this module holds no test).

Both transports are driven the same way: a `Harness` publishes with a transport in the test
process and starts consumers that run `make_handler` and record what they do in a
`Recorder`. For Celery the consumer is a real separate process (this file run as a script),
the recorder a Redis list under the run's key prefix, and the broker the real Redis: never
Celery's eager mode.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # when run as a script by the Celery harness
    sys.path.insert(0, str(REPO))

from podium.common.transport import Handler, InProcessTransport  # noqa: E402
from podium.common.transport.base import BatchHandler, is_redelivery, redelivery  # noqa: E402
from tests.waiting import wait_for  # noqa: E402, F401 - the harnesses' tests import it here

REDIS_URL = os.environ.get("PODIUM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
MAX_FAILURES = 3
VISIBILITY_TIMEOUT = 3  # seconds: short, so a killed consumer's message comes back fast


def redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means "no Redis here"
        return False


# -- recording what consumers do ------------------------------------------------------------

class MemoryRecorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, int] = defaultdict(int)
        self._lists: dict[str, list[Any]] = defaultdict(list)

    def incr(self, key: str) -> int:
        with self._lock:
            self._counters[key] += 1
            return self._counters[key]

    def push(self, key: str, value: Any) -> None:
        with self._lock:
            self._lists[key].append(json.loads(json.dumps(value)))

    def items(self, key: str) -> list[Any]:
        with self._lock:
            return list(self._lists[key])


class RedisRecorder:
    def __init__(self, client: Any, prefix: str) -> None:
        self.client, self.prefix = client, prefix + "rec:"

    def incr(self, key: str) -> int:
        return int(self.client.incr(self.prefix + key))

    def push(self, key: str, value: Any) -> None:
        self.client.rpush(self.prefix + key, json.dumps(value))

    def items(self, key: str) -> list[Any]:
        return [json.loads(v) for v in self.client.lrange(self.prefix + key, 0, -1)]


def make_handler(recorder: Any) -> Handler:
    """The handler every test consumer runs; the payload says how to behave.

    id: message id; fail: raise on attempts <= fail; outage: raise what an unreachable
    PostgreSQL raises on attempts <= outage; sleep: seconds to sleep (on attempt 1 only if
    `sleep_once`); die: SIGKILL the handling process on attempt 1.
    """

    def handle(payload: dict[str, Any]) -> None:
        if payload.get("kind") == "dead_letter":
            recorder.push("dead", payload)
            return
        mid = payload["id"]
        attempt = recorder.incr(f"attempt:{mid}")
        recorder.push("started", {"id": mid, "attempt": attempt, "pid": os.getpid(),
                                  "at": time.time(), "redelivered": is_redelivery(),
                                  "why": redelivery()})
        if attempt <= payload.get("fail", 0):
            raise RuntimeError(f"planned failure {attempt}")
        if attempt <= payload.get("outage", 0):
            from sqlalchemy.exc import OperationalError
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))
        if attempt == 1 and payload.get("die"):
            os.kill(os.getpid(), signal.SIGKILL)
        if payload.get("sleep") and (attempt == 1 or not payload.get("sleep_once")):
            time.sleep(payload["sleep"])
        recorder.push("done", {"id": mid, "attempt": attempt, "pid": os.getpid(),
                               "at": time.time(), "payload": payload})

    return handle


def batch_handler(handler: Handler, recorder: Any) -> BatchHandler:
    """`handler` behind `consume_batches`: each payload's outcome, and each call's size
    recorded under "batch"."""

    def handle_batch(payloads: list[dict[str, Any]]) -> list[BaseException | None]:
        recorder.push("batch", len(payloads))
        outcomes: list[BaseException | None] = []
        for payload in payloads:
            try:
                handler(payload)
                outcomes.append(None)
            except Exception as exc:  # noqa: BLE001 - this payload's outcome
                outcomes.append(exc)
        return outcomes

    return handle_batch


def consume(transport: Any, queues: list[str], handler: Handler, recorder: Any, *,
            concurrency: int, stop: threading.Event, pool: str = "solo",
            batches: bool = False) -> None:
    """`transport.consume`, or with `batches` one `consume_batches` per queue (the last
    in the calling thread), until `stop`."""
    if not batches:
        options = {} if isinstance(transport, InProcessTransport) else {"pool": pool}
        transport.consume(queues, handler, concurrency=concurrency, stop=stop, **options)
        return
    adapter = batch_handler(handler, recorder)
    others = [threading.Thread(target=transport.consume_batches, args=(queue, adapter),
                               kwargs={"concurrency": concurrency, "stop": stop}, daemon=True)
              for queue in queues[:-1]]
    for thread in others:
        thread.start()
    transport.consume_batches(queues[-1], adapter, concurrency=concurrency, stop=stop)
    for thread in others:
        thread.join(20)


# -- harnesses ------------------------------------------------------------------------------

class MemoryConsumer:
    def __init__(self, transport: InProcessTransport, queues: list[str], handler: Handler,
                 concurrency: int, recorder: Any = None, batches: bool = False) -> None:
        self.stop_event = threading.Event()
        self.thread = threading.Thread(
            target=consume, args=(transport, queues, handler, recorder),
            kwargs={"concurrency": concurrency, "stop": self.stop_event, "batches": batches},
            daemon=True)
        self.thread.start()

    def stop(self) -> int:
        self.stop_event.set()
        self.thread.join(20)
        assert not self.thread.is_alive(), "consume() did not return after stop"
        return 0

    def kill(self) -> None:
        raise NotImplementedError


class MemoryHarness:
    kind = "memory"

    def __init__(self, batches: bool = False) -> None:
        self.batches = batches  # consumers use consume_batches
        self.transport = InProcessTransport(max_failures=MAX_FAILURES)
        self.recorder = MemoryRecorder()
        self.consumers: list[MemoryConsumer] = []

    def queue(self, name: str) -> str:
        return f"t.{name}"

    def start_consumer(self, queues: list[str], concurrency: int = 1,
                       pool: str = "solo") -> MemoryConsumer:
        consumer = MemoryConsumer(self.transport, queues, make_handler(self.recorder),
                                  concurrency, self.recorder, self.batches)
        self.consumers.append(consumer)
        return consumer

    def pending(self, queue: str) -> int:
        return self.transport.pending(queue)

    def unacked(self) -> int:
        return 0  # in memory, an unacknowledged message is a running handler

    def close(self) -> None:
        for c in self.consumers:
            c.stop_event.set()
        for c in self.consumers:
            c.thread.join(20)
        self.transport.close()


class ProcessConsumer:
    """A consumer in its own process group, so SIGKILL takes its pool children too."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen([sys.executable, __file__], env=env, cwd=REPO,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM (what an orchestrator sends) and wait for the warm shutdown."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        finally:
            self.kill()

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(10)
        self.log.close()


class CeleryHarness:
    kind = "celery"

    def __init__(self, tmp_path: Path, batches: bool = False, threads: bool = False) -> None:
        import redis

        self.batches = batches  # consumers use consume_batches
        # Consumers asked for Celery's solo pool get pool="threads" (Podium's own consumer).
        self.threads = threads
        from podium.common.settings import Settings
        from podium.common.transport.celery_transport import CeleryTransport, make_celery_app

        self.prefix = f"podium-test:{uuid.uuid4().hex[:12]}:"
        self.tmp_path = tmp_path
        # The consumer processes read the same settings from the environment, as services do.
        self.env = {**os.environ, "PYTHONPATH": str(REPO),
                    "PODIUM_BROKER__URL": REDIS_URL,
                    "PODIUM_BROKER__KEY_PREFIX": self.prefix,
                    "PODIUM_BROKER__VISIBILITY_TIMEOUT_SECONDS": str(VISIBILITY_TIMEOUT),
                    "PODIUM_BROKER__RESTORE_INTERVAL_SECONDS": "0.5",
                    "PODIUM_BROKER__MAX_FAILURES": str(MAX_FAILURES),
                    "PODIUM_BROKER__RETRY_BACKOFF_SECONDS": "0",
                    "PODIUM_DATA_DIR": str(tmp_path)}
        self.settings = Settings(broker={
            "url": REDIS_URL, "key_prefix": self.prefix, "max_failures": MAX_FAILURES,
            "visibility_timeout_seconds": VISIBILITY_TIMEOUT}, data_dir=tmp_path)
        self.app = make_celery_app(self.settings)
        self.transport = CeleryTransport(self.app)
        self.redis = redis.Redis.from_url(REDIS_URL)
        self.recorder = RedisRecorder(self.redis, self.prefix)
        self.consumers: list[ProcessConsumer] = []

    def queue(self, name: str) -> str:
        return f"t.{name}"  # isolated by the key prefix, not by the name

    def start_consumer(self, queues: list[str], concurrency: int = 1,
                       pool: str = "solo") -> ProcessConsumer:
        if self.threads and pool == "solo":
            pool = "threads"
        env = {**self.env, "PODIUM_TEST_CONSUMER": json.dumps(
            {"queues": queues, "concurrency": concurrency, "pool": pool,
             "batches": self.batches})}
        consumer = ProcessConsumer(env, self.tmp_path / f"consumer-{len(self.consumers)}.log")
        self.consumers.append(consumer)
        return consumer

    def pending(self, queue: str) -> int:
        return int(self.redis.llen(self.prefix + queue))

    def unacked(self) -> int:
        return int(self.redis.hlen(self.prefix + "unacked"))

    def close(self) -> None:
        for c in self.consumers:
            c.kill()
        # pytest shows captured output only for failed tests: the consumers' logs explain them.
        for log_file in sorted(self.tmp_path.glob("consumer-*.log")):
            print(f"--- {log_file.name}\n{log_file.read_text(errors='replace')}")
        self.transport.close()
        keys = list(self.redis.scan_iter(match=self.prefix + "*", count=500))
        if keys:
            self.redis.delete(*keys)
        self.redis.close()


def _consumer_main() -> int:
    """Entry point of a Celery consumer process: settings from the environment, like a service."""
    import logging

    import redis

    from podium.common.settings import Settings
    from podium.common.transport.celery_transport import CeleryTransport, make_celery_app

    logging.basicConfig(level=logging.WARNING, format="%(process)d %(levelname)s %(message)s")
    spec = json.loads(os.environ["PODIUM_TEST_CONSUMER"])
    settings = Settings()
    transport = CeleryTransport(make_celery_app(settings))
    recorder = RedisRecorder(redis.Redis.from_url(settings.broker.url), settings.broker.key_prefix)
    consume(transport, spec["queues"], make_handler(recorder), recorder,
            concurrency=spec["concurrency"], stop=threading.Event(), pool=spec["pool"],
            batches=spec["batches"])
    return 0


if __name__ == "__main__":
    sys.exit(_consumer_main())
