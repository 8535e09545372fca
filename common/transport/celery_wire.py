"""Celery's messages on Redis, written and read by Podium itself.

`app.send_task` costs about 0.35 ms of CPU per message (routing, signature, kombu's
producer, a pooled connection), and a Celery consumer about as much again per delivery:
on a task's path that is four times the work of the decision it carries. The format on
Redis is simple and stable, so this module writes and reads it directly:

* a message is kombu's JSON envelope (body: base64 of Celery's protocol 2 body
  ``[args, kwargs, embed]``; headers: the task's name and id; properties: the delivery
  tag and routing key), LPUSHed on the queue's list: exactly what `send_task` wrote, so
  Celery consumers (the worker pool) read it unchanged;
* a consumer records what it takes as kombu's own consumers do (the ``unacked`` hash
  holds ``[message, exchange, routing_key]`` by delivery tag, ``unacked_index`` scores the
  tag with the time taken), so kombu's restore sweep, `celery_leases.locate_marks` and
  the lease keeper treat both kinds of consumer alike. Taking and recording happen in one
  Lua script: unlike kombu's BRPOP-then-record, no message is ever only in a consumer's
  socket;
* a consumer that asks for it (`TakeClaim`) claims each taken message's mark in the same
  script, as `RedisClaims.claim` would (same key, same rule): a worker learns whether a
  copy of its attempt runs elsewhere without a round trip of its own;
* keys carry the broker's key prefix (`broker.key_prefix`), as kombu's do.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, NamedTuple

from podium.common.transport.base import TakeClaim, TakenClaim
from podium.common.transport.redis_claims import KEY_SPACE

TASK_NAME = "podium.handle"
UNACKED = "unacked"
UNACKED_INDEX = "unacked_index"
# Celery's protocol 2 body ends with the "embed" mapping; none of it is used by Podium.
_EMBED = {"callbacks": None, "errbacks": None, "chain": None, "chord": None}

# Records one message as taken, as kombu's consumers do; returns its delivery tag, then
# the mark the claim asked for (key space, kind, holder, ttl in ms; holder '' for none)
# applied to ('' when the message has no mark of that kind) and its outcome: '' claimed
# for the holder, else whoever held it already. The claim is `RedisClaims.claim`'s rule; the
# mark is the Celery task id up to its '/' (celery_leases.marked_task_id). Nothing here
# can raise once a message is popped: a script that stops midway keeps what it did.
_RECORD_FUNCTION = """
local function claim_mark(message, space, kind, holder, ttl)
  if holder == '' or type(message) ~= 'table' or type(message.headers) ~= 'table' then
    return '', ''
  end
  local id = message.headers.id
  if type(id) ~= 'string' or string.sub(id, 1, #kind + 1) ~= kind .. ':' then
    return '', ''
  end
  local slash = string.find(id, '/', 1, true)
  local mark = slash and string.sub(id, 1, slash - 1) or id
  local current = redis.call('GET', space .. mark)
  if current then return mark, current end
  redis.call('SET', space .. mark, holder, 'PX', ttl)
  return mark, ''
end
local function record(unacked, index, raw, now, queue, space, kind, holder, ttl)
  local ok, message = pcall(cjson.decode, raw)
  local tag = ok and type(message) == 'table' and type(message.properties) == 'table'
    and message.properties.delivery_tag
  if type(tag) ~= 'string' then tag = 'podium-untagged-' .. redis.sha1hex(raw) end
  redis.call('ZADD', index, now, tag)
  redis.call('HSET', unacked, tag, '[' .. raw .. ', "", ' .. cjson.encode(queue) .. ']')
  local mark, holding = claim_mark(ok and message, space, kind, holder, ttl)
  return tag, mark, holding
end
"""
# KEYS: queue, unacked hash, unacked index. ARGV: most to take, the time (the index's
# score), the queue's name (the routing key a restore sends it back to), then the claim.
# Takes messages oldest first (publishers LPUSH) and records each as taken.
_TAKE = _RECORD_FUNCTION + """
local raws = redis.call('RPOP', KEYS[1], tonumber(ARGV[1]))
if not raws then return {} end
local taken = {}
for _, raw in ipairs(raws) do
  local tag, mark, holding = record(KEYS[2], KEYS[3], raw, ARGV[2], ARGV[3], ARGV[4],
                                    ARGV[5], ARGV[6], ARGV[7])
  taken[#taken + 1] = tag
  taken[#taken + 1] = raw
  taken[#taken + 1] = mark
  taken[#taken + 1] = holding
end
return taken
"""
# KEYS: unacked hash, unacked index. ARGV: the raw message, the time, its queue's name,
# then the claim. Records one message popped by BRPOP as taken.
_RECORD = _RECORD_FUNCTION + """
local tag, mark, holding = record(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4],
                                  ARGV[5], ARGV[6], ARGV[7])
return {tag, mark, holding}
"""


@dataclass(frozen=True)
class Delivery:
    """One message taken from a queue: its delivery tag (to acknowledge it), the
    arguments of `podium.handle`, and whether a restore put it back."""

    tag: str
    queue: str
    body: str
    failures: int = 0
    outages: int = 0
    resent: bool = False  # published again by its sender
    lapsed: bool = False  # put back by a restore: its holder died or froze
    task_id: str = ""  # Celery's task id (a marked message's starts with its mark)


class Taken(NamedTuple):
    """A message taken and recorded: its delivery tag, its raw envelope, and what the
    consumer's `TakeClaim` made of its mark (None: nothing claimed)."""

    tag: str
    raw: str
    claim: TakenClaim | None = None


class MalformedMessage(ValueError):
    """A message on a Podium queue that is not a `podium.handle` call."""


class Wire:
    """Writes and takes Celery messages on one Redis, under one key prefix."""

    def __init__(self, url: str, prefix: str = "") -> None:
        self.url, self.prefix = url, prefix
        self.origin = f"gen{os.getpid()}@{socket.gethostname()}"
        self._client: Any = None
        self._scripts: dict[str, Any] = {}  # Lua source -> its registered script
        self._lock = threading.Lock()

    # -- writing ----------------------------------------------------------------------
    def envelope(self, queue: str, args: list[Any], task_id: str | None = None) -> str:
        """The JSON text `send_task(TASK_NAME, args, queue=queue, task_id=...)` stores."""
        task_id = task_id or str(uuid.uuid4())
        body = json.dumps([args, {}, _EMBED]).encode()
        return json.dumps({
            "body": base64.b64encode(body).decode(),
            "content-encoding": "utf-8",
            "content-type": "application/json",
            "headers": {
                "lang": "py", "task": TASK_NAME, "id": task_id, "shadow": None, "eta": None,
                "expires": None, "group": None, "group_index": None, "retries": 0,
                "timelimit": [None, None], "root_id": task_id, "parent_id": None,
                # Celery logs it; the body itself is in the message already.
                "argsrepr": f"[{queue!r}, <{len(args[1])} chars>, {args[2]}]",
                "kwargsrepr": "{}", "origin": self.origin, "ignore_result": True,
                "replaced_task_nesting": 0, "stamped_headers": None, "stamps": {},
            },
            "properties": {
                "correlation_id": task_id, "delivery_mode": 2,
                "delivery_info": {"exchange": "", "routing_key": queue},
                "priority": 0, "body_encoding": "base64",
                "delivery_tag": str(uuid.uuid4()),
            },
        })

    def push(self, messages: list[tuple[str, str]]) -> None:
        """LPUSH each (queue, envelope) in order, in one round trip."""
        pipe = self.client().pipeline(transaction=False)
        for queue, text in messages:
            pipe.lpush(self.prefix + queue, text)
        pipe.execute()

    # -- taking -----------------------------------------------------------------------
    def take(self, queue: str, most: int, claim: TakeClaim | None = None) -> list[Taken]:
        """Up to `most` messages of `queue`, oldest first, each recorded as taken (and
        its mark claimed, given `claim`). Empty when the queue is."""
        keys = [self.prefix + queue, self.prefix + UNACKED, self.prefix + UNACKED_INDEX]
        flat = self._script(_TAKE)(
            keys=keys, args=[most, repr(time.time()), queue, *self._claim_args(claim)])
        return [Taken(_text(flat[i]), _text(flat[i + 1]),
                      _taken_claim(claim, flat[i + 2], flat[i + 3]))
                for i in range(0, len(flat), 4)]

    def pop(self, queues: list[str], timeout: float,
            claim: TakeClaim | None = None) -> Taken | None:
        """Block until one of `queues` has a message (or `timeout` passes), take it and
        record it as taken (and claim its mark, given `claim`). One waiting consumer gets
        each message (BRPOP); as with kombu, a consumer killed between the pop and the
        record (a few microseconds) loses it, and the executor's look for lost messages
        finds it."""
        popped = self.client().brpop([self.prefix + q for q in queues], timeout=timeout)
        if popped is None:
            return None
        key, raw = _text(popped[0]), _text(popped[1])
        queue = key[len(self.prefix):]
        keys = [self.prefix + UNACKED, self.prefix + UNACKED_INDEX]
        tag, mark, holding = self._script(_RECORD)(
            keys=keys, args=[raw, repr(time.time()), queue, *self._claim_args(claim)])
        return Taken(_text(tag), raw, _taken_claim(claim, mark, holding))

    def _claim_args(self, claim: TakeClaim | None) -> list[Any]:
        """The Lua arguments of a claim: key space, kind, holder ('' for none), ttl (ms)."""
        if claim is None:
            return [self.prefix + KEY_SPACE, "", "", 1]
        return [self.prefix + KEY_SPACE, claim.kind, claim.holder,
                max(1, int(claim.ttl_seconds * 1000))]

    def wait(self, queue: str, timeout: float) -> bool:
        """Block until `queue` has a message (taking none) or `timeout` passes."""
        key = self.prefix + queue
        # Moving the last element to the end of its own list changes nothing and blocks
        # while the list is empty: a wait that leaves the message where it was.
        return self.client().blmove(key, key, timeout, "RIGHT", "RIGHT") is not None

    def ack(self, tags: list[str]) -> None:
        if not tags:
            return
        pipe = self.client().pipeline(transaction=False)
        pipe.zrem(self.prefix + UNACKED_INDEX, *tags)
        pipe.hdel(self.prefix + UNACKED, *tags)
        pipe.execute()

    # -- plumbing ---------------------------------------------------------------------
    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                import redis  # kombu's Redis transport depends on it

                self._client = redis.Redis.from_url(
                    self.url, socket_connect_timeout=5, socket_keepalive=True,
                    health_check_interval=30)
            return self._client

    def _script(self, source: str) -> Any:
        client = self.client()
        with self._lock:
            if source not in self._scripts:
                self._scripts[source] = client.register_script(source)
            return self._scripts[source]

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
                self._scripts.clear()


def parse(tag: str, raw: str) -> Delivery:
    """The `podium.handle` arguments a taken envelope carries."""
    try:
        message = json.loads(raw)
        headers = message.get("headers") or {}
        if headers.get("task") != TASK_NAME:
            raise MalformedMessage(f"not a {TASK_NAME} message: task {headers.get('task')!r}")
        body = message["body"]
        if (message.get("properties") or {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args, kwargs = json.loads(body)[:2]
    except MalformedMessage:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise MalformedMessage(f"unreadable message: {exc}") from exc
    return _delivery(tag, args, kwargs, bool(headers.get("redelivered")),
                     str(headers.get("id") or ""))


def _delivery(tag: str, args: list[Any], kwargs: dict[str, Any], lapsed: bool,
              task_id: str) -> Delivery:
    names = ("queue", "body", "failures", "outages", "resent")
    values = dict(zip(names, args), **{k: v for k, v in kwargs.items() if k in names})
    if not isinstance(values.get("queue"), str) or not isinstance(values.get("body"), str):
        raise MalformedMessage("a podium.handle message without its queue and body")
    return Delivery(tag=tag, queue=values["queue"], body=values["body"],
                    failures=int(values.get("failures") or 0),
                    outages=int(values.get("outages") or 0),
                    resent=bool(values.get("resent")), lapsed=lapsed, task_id=task_id)


def _taken_claim(claim: TakeClaim | None, mark: Any, holding: Any) -> TakenClaim | None:
    """What the record script's claim returned, for the handler (`claimed_at_take`)."""
    name = _text(mark)
    if claim is None or not name:
        return None
    holder = _text(holding)
    return TakenClaim(name=name, claimant=claim.holder, holder=holder or None)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else value
