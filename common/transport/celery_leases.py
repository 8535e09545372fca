"""kombu's Redis records of taken messages: leases on them, and looking messages up.

Leases
------

kombu's Redis transport remembers each delivered, unacknowledged message in the
``unacked`` hash and scores it in ``unacked_index`` with the delivery time; any consumer's
periodic sweep puts back on its queue a message whose score is older than the visibility
timeout. Left alone, that timeout must exceed the longest task (or a running task is handed
out twice), so a dead worker's messages would wait hours to come back.

A `LeaseKeeper` runs beside each consumer and re-scores, every quarter of the timeout, the
messages its process still holds (received, running or waiting to be acknowledged). The
timeout thus measures how long ago the holder was last seen alive rather than how long the
task has run: a task may run for days, and a worker that dies (SIGKILL, lost host) gives
back, within about one timeout, every message it held, including the ones it had received
but not started.

Looking messages up
-------------------
kombu takes a message with BRPOP and only then records it in ``unacked``: a consumer
killed in between (the reply unread in its socket, or held back while its prefetch is
full) takes the message with it, and no sweep can bring it back. `locate_marks` tells the
executor which marked messages still exist (queued or in ``unacked``), so it can resend
the ones that do not (executor/lost_messages.py). A marked message's Celery task id is
``<mark>/<random>`` (`marked_task_id`); the lookup reads that id from each stored message
in one Lua script, so nothing moves between queue and ``unacked`` while it looks.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable

from celery import Celery
from celery.worker import state as worker_state

log = logging.getLogger("podium.transport")

MIN_RENEW_SECONDS = 0.5
POLL_SECONDS = 1.0


class LeaseKeeper:
    def __init__(self, app: Celery, generation: Callable[[], int] = lambda: 0,
                 held: Callable[[], list[str]] | None = None) -> None:
        self.app = app
        # Whose messages to renew: Celery's live requests, or a batch consumer's.
        self.held = held or self.held_tags
        timeout = float((app.conf.broker_transport_options or {}).get("visibility_timeout", 3600))
        self.every = max(MIN_RENEW_SECONDS, timeout / 4)
        # The broker watch's generation: it moves when Redis comes back after an outage,
        # whose length counted against every lease; they are renewed at once then.
        self.generation = generation
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "LeaseKeeper":
        self._thread = threading.Thread(target=self._loop, name="podium-leases", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        renewed_at, renewed_generation, failing = time.monotonic(), self.generation(), False
        while not self._stop.wait(min(self.every, POLL_SECONDS)):
            generation = self.generation()
            if time.monotonic() - renewed_at < self.every and generation == renewed_generation:
                continue
            try:
                self.renew()
                renewed_at, renewed_generation, failing = time.monotonic(), generation, False
            except Exception:  # noqa: BLE001 - Redis away for a while: retried each poll
                if not failing:
                    log.warning("could not renew the leases of held messages", exc_info=True)
                failing = True

    def renew(self) -> int:
        """Stamp every message this worker holds as seen now; returns how many."""
        tags = self.held()
        if not tags:
            return 0
        now = time.time()
        with self.app.connection_for_write() as connection:
            channel = connection.default_channel
            # XX: only messages still unacknowledged; one acknowledged meanwhile stays gone.
            channel.client.zadd(channel.unacked_index_key, {tag: now for tag in tags}, xx=True)
        return len(tags)

    def held_tags(self) -> list[str]:
        """Delivery tags of the messages this process's handlers hold: running, or
        received and waiting for a pool slot.

        Read from Celery's live requests, not from the consumer's channel: after a
        reconnection the handlers started before it still hold messages of the old
        channel, and a delivery whose ack failed (broker gone) is not held by anyone any
        more; left unrenewed, it comes back after the visibility timeout."""
        for _ in range(3):  # the consumer thread may change the sets while we copy
            try:
                requests = [*worker_state.active_requests, *worker_state.reserved_requests]
                break
            except RuntimeError:
                continue
        else:
            return []
        tags = {getattr(getattr(request, "message", None), "delivery_tag", None)
                for request in requests}
        return sorted(str(tag) for tag in tags if tag)


# KEYS: the queue lists, then the unacked hash. ARGV: the marks wanted. Returns those seen.
# The id is the first "id" key of the message's JSON: the body before it is base64.
_LOCATE_SCRIPT = """
local wanted, found, seen = {}, {}, {}
for i = 1, #ARGV do wanted[ARGV[i]] = true end
local function look(raw)
  local id = string.match(raw, '"id":%s*"([^"]*)"')
  local mark = id and string.match(id, '^(.*)/[^/]*$')
  if mark and wanted[mark] and not seen[mark] then
    seen[mark] = true
    found[#found + 1] = mark
  end
end
for i = 1, #KEYS - 1 do
  for _, raw in ipairs(redis.call('LRANGE', KEYS[i], 0, -1)) do look(raw) end
end
for _, raw in ipairs(redis.call('HVALS', KEYS[#KEYS])) do look(raw) end
return found
"""


def marked_task_id(mark: str) -> str:
    """A unique Celery task id that `locate_marks` recognises as carrying `mark`."""
    return f"{mark}/{uuid.uuid4().hex}"


def locate_marks(app: Celery, queues: list[str], marks: Iterable[str]) -> set[str]:
    """The marks of `marks` whose message waits in one of `queues` or is taken and not
    acknowledged (by any consumer of any queue)."""
    wanted = sorted(set(marks))
    if not wanted:
        return set()
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        prefix = getattr(channel, "global_keyprefix", "") or ""
        # kombu keeps one list per priority step; unprioritised messages use the first.
        lists = [prefix + channel._q_for_pri(queue, step)
                 for queue in queues for step in channel.priority_steps]
        keys = [*lists, prefix + channel.unacked_key]
        found = channel.client.eval(_LOCATE_SCRIPT, len(keys), *keys, *wanted)
    return {m.decode() if isinstance(m, bytes) else m for m in found}
