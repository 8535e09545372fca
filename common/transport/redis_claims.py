"""Claims on Redis: `SET name holder` only if free (or held by the holder being replaced),
with an expiry, in one Lua script so that two consumers never both win.

The keys live under the broker's key prefix (`broker.key_prefix`), beside kombu's own, as
``<prefix>podium.claim.<name>``. The client is redis-py's, with its own connection pool:
a claim is one round trip on a handler's path, where borrowing a kombu connection would
cost more than the claim itself.
"""

from __future__ import annotations

import threading
from typing import Any

from podium.common.transport.base import TransportError

KEY_SPACE = "podium.claim."

# KEYS[1]: the claim. ARGV: holder, ttl in ms, holder replaced ('' for none).
# Returns nil when the holder now holds it, else the current holder.
_CLAIM = """
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[3] then return current end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisClaims:
    def __init__(self, url: str, prefix: str = "") -> None:
        self.url = url
        self.prefix = prefix
        self._client: Any = None
        self._lock = threading.Lock()

    def key(self, name: str) -> str:
        return f"{self.prefix}{KEY_SPACE}{name}"

    def claim(self, name: str, holder: str, ttl_seconds: float,
              replacing: str | None = None) -> str | None:
        if not holder:
            raise TransportError("a claim needs a non-empty holder")
        ttl_ms = max(1, int(ttl_seconds * 1000))
        current = self._eval(_CLAIM, name, holder, ttl_ms, replacing or "")
        return current.decode() if isinstance(current, bytes) else current

    def release(self, name: str, holder: str) -> None:
        self._eval(_RELEASE, name, holder)

    def _eval(self, script: str, name: str, *args: Any) -> Any:
        try:
            return self._redis().eval(script, 1, self.key(name), *args)
        except Exception as exc:  # redis-py's ConnectionError, TimeoutError & co.
            raise TransportError(f"could not reach the broker for claim {name}: {exc}") from exc

    def _redis(self) -> Any:
        with self._lock:
            if self._client is None:
                import redis  # kombu's Redis transport depends on it

                self._client = redis.Redis.from_url(self.url, socket_timeout=10,
                                                    socket_connect_timeout=5)
            return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
