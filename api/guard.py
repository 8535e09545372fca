"""Two ASGI layers in front of every route: credentials and request size.

Auth decides on the raw path and method against the exact public route templates
(api/public_routes.py): only the health check and the webhook route are public, and no
other spelling of a path (`//api/v1/flows`, `/health/../api/v1/flows`, `/API/V1/flows/`)
passes as one of them. The web UI under `/ui` (api/ui/) checks credentials itself, with
these same `Credentials` and `FailedLogins`: it answers a browser with its login page, not
a 401. Secrets are compared in constant time; failed logins are limited
per client and per user (api/login_limits.py). Both answers come before the body is read.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Mapping, Sequence

from starlette.exceptions import HTTPException

from podium.api.errors import error_body
from podium.api.login_limits import FailedLogins
from podium.api.public_routes import is_public

UNAUTHORIZED = "Unauthorized: credentials are required"


class Credentials:
    """Basic users and bearer tokens; `check` says whether an Authorization header holds
    one of them."""

    def __init__(self, users: Mapping[str, str], tokens: Sequence[str]) -> None:
        self.users = {user.encode(): password.encode() for user, password in users.items()}
        self.tokens = [token.encode() for token in tokens if token]

    def check(self, header: str | None) -> bool:
        if not header:
            return False
        scheme, _, value = header.partition(" ")
        scheme, value = scheme.lower(), value.strip()
        if scheme == "bearer":
            return self.check_token(value)
        if scheme == "basic":
            return self._basic(value)
        return False

    def check_token(self, token: str) -> bool:
        return self._token(token.encode())

    def _token(self, given: bytes) -> bool:
        # Compare with every token, not stopping at the first match: timing tells nothing.
        found = False
        for token in self.tokens:
            found |= hmac.compare_digest(token, given)
        return found

    def _basic(self, value: str) -> bool:
        user, sep, password = _basic_parts(value)
        return bool(sep) and self.check_user(user, password)

    def check_user(self, user: bytes, password: bytes) -> bool:
        """Whether `password` is the configured user's (the UI's login form asks this)."""
        # An unknown user is compared against a dummy so it costs what a known one does.
        expected = self.users.get(user)
        ok = hmac.compare_digest(expected if expected is not None else b"\0" * 32, password)
        return ok and expected is not None


def basic_user(header: str | None) -> str | None:
    """The user name a Basic Authorization header claims (checked or not), else None."""
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    user, sep, _password = _basic_parts(value.strip())
    return user.decode("utf-8", errors="replace") if sep else None


def _basic_parts(value: str) -> tuple[bytes, bytes, bytes]:
    try:
        return base64.b64decode(value, validate=True).partition(b":")
    except (binascii.Error, ValueError):
        return b"", b"", b""


async def _send_json(send, status: int, body: dict, headers: list | None = None) -> None:
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": payload})


class AuthMiddleware:
    """401 for a protected route without valid credentials, 429 (with `Retry-After`) for a
    client or user with too many recent failed logins. `credentials=None` turns auth off
    (only `api.auth=false` does that)."""

    def __init__(self, app, credentials: Credentials | None,
                 failed_logins: FailedLogins | None = None) -> None:
        self.app = app
        self.credentials = credentials
        self.failed_logins = failed_logins

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or self.credentials is None \
                or is_public(scope["path"], scope["method"]) or _is_ui(scope["path"]):
            await self.app(scope, receive, send)
            return
        header = _header(scope, b"authorization")
        keys = login_keys(scope, header) if header else []
        if keys and self.failed_logins is not None:
            wait = self.failed_logins.retry_after(keys)
            if wait is not None:
                await _send_json(send, 429, error_body(
                    f"Too many failed logins: retry in {wait} s"),
                    [(b"retry-after", str(wait).encode())])
                return
        if self.credentials.check(header):
            await self.app(scope, receive, send)
            return
        if keys and self.failed_logins is not None:
            self.failed_logins.record(keys)
        await _send_json(send, 401, error_body(UNAUTHORIZED),
                         [(b"www-authenticate", b'Basic realm="podium"')])


def _is_ui(path: str) -> bool:
    # Only the UI's mount routes these paths, and it refuses anonymous requests itself.
    return path == UI_PREFIX or path.startswith(UI_PREFIX + "/")


UI_PREFIX = "/ui"


def login_keys(scope, header: str) -> list[str]:
    """Who a login attempt is counted against: the client address and the claimed user."""
    client = scope.get("client")
    keys = [f"client:{client[0] if client else '-'}"]
    user = basic_user(header)
    if user is not None:
        keys.append(f"user:{user}")
    return keys


class BodyLimitMiddleware:
    """413 for a request body over its limit: multipart requests (file uploads) have their
    own, larger one. Checks Content-Length first, then counts what is actually received."""

    def __init__(self, app, max_body: int, max_upload: int) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        content_type = (_header(scope, b"content-type") or "").lower()
        limit = self.max_upload if content_type.startswith("multipart/") else self.max_body
        declared = _header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        received = 0
        started = False

        async def counting_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge(limit)
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _too_large(send, limit)


class _TooLarge(HTTPException):
    """Raised from `receive`: an HTTPException so the routes' body parsing lets it through
    to the error handlers (413), whichever way the body is read."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request body is over {limit} bytes")


async def _too_large(send, limit: int) -> None:
    await _send_json(send, 413, error_body(f"Request body is over {limit} bytes"))


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None
