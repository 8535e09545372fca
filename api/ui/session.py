"""The web UI's session: a signed cookie holding who is logged in (None before login) and
the session's CSRF token.

Nothing is kept on the server: the cookie is `payload.signature`, the payload base64url
JSON, the signature HMAC-SHA256 of it under the session key. A cookie that is altered,
signed with another key or older than `max_age` reads as no session. Logging in issues a
new session with a new CSRF token, so a token seen before login is worthless after it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

COOKIE = "podium_session"


@dataclass(frozen=True)
class Session:
    user: str | None
    csrf: str
    issued: float


class SessionCodec:
    def __init__(self, key: bytes, max_age: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.key = key
        self.max_age = max_age
        self.clock = clock

    def new(self, user: str | None = None) -> Session:
        return Session(user=user, csrf=secrets.token_urlsafe(32), issued=self.clock())

    def dumps(self, session: Session) -> str:
        payload = _b64(json.dumps({"u": session.user, "c": session.csrf,
                                   "t": session.issued}).encode())
        return f"{payload}.{self._sign(payload)}"

    def loads(self, cookie: str | None) -> Session | None:
        """The session the cookie holds, or None (absent, forged, malformed, expired)."""
        payload, _, signature = (cookie or "").partition(".")
        if not payload or not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            data = json.loads(_unb64(payload))
            session = Session(user=data["u"], csrf=str(data["c"]), issued=float(data["t"]))
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        if not 0 <= self.clock() - session.issued < self.max_age:
            return None
        return session

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self.key, payload.encode(), hashlib.sha256).digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
