"""Two ASGI layers in front of every route: credentials and request size.

Auth is decided on the *normalised* path (`//` collapsed, `.` and `..` resolved, case
folded, trailing slash dropped), never on the raw one, so no spelling of a protected path
(`//api/v1/flows`, `/health/../api/v1/flows`, `/API/V1/flows/`) passes as a public one.
Only the health check and webhooks are public. Secrets are compared in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import posixpath
from collections.abc import Mapping, Sequence

from starlette.exceptions import HTTPException

from api.errors import error_body

PUBLIC_PATHS = ("/health", "/api/v1/health")
PUBLIC_PREFIXES = ("/api/v1/executions/webhook/",)


def normalise_path(path: str) -> str:
    """The path as auth sees it: one slash between segments, dot segments resolved (never
    above the root), lower case, no trailing slash."""
    folded = posixpath.normpath("/" + path.replace("\\", "/")).lower()
    if folded.startswith("//"):  # normpath keeps a leading '//' (POSIX allows it)
        folded = "/" + folded.lstrip("/")
    return folded.rstrip("/") or "/"


def is_public(path: str) -> bool:
    normal = normalise_path(path)
    return normal in PUBLIC_PATHS or any(normal.startswith(p) for p in PUBLIC_PREFIXES)


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
            return self._token(value.encode())
        if scheme == "basic":
            return self._basic(value)
        return False

    def _token(self, given: bytes) -> bool:
        # Compare with every token, not stopping at the first match: timing tells nothing.
        found = False
        for token in self.tokens:
            found |= hmac.compare_digest(token, given)
        return found

    def _basic(self, value: str) -> bool:
        try:
            user, sep, password = base64.b64decode(value, validate=True).partition(b":")
        except (binascii.Error, ValueError):
            return False
        if not sep:
            return False
        # An unknown user is compared against a dummy so it costs what a known one does.
        expected = self.users.get(user)
        ok = hmac.compare_digest(expected if expected is not None else b"\0" * 32, password)
        return ok and expected is not None


async def _send_json(send, status: int, body: dict, headers: list | None = None) -> None:
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": payload})


class AuthMiddleware:
    """401 for a protected path without valid credentials. `credentials=None` turns auth
    off (only `api.auth=false` does that)."""

    def __init__(self, app, credentials: Credentials | None) -> None:
        self.app = app
        self.credentials = credentials

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or self.credentials is None or is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        header = _header(scope, b"authorization")
        if self.credentials.check(header):
            await self.app(scope, receive, send)
            return
        await _send_json(send, 401, error_body("Unauthorized: credentials are required"),
                         [(b"www-authenticate", b'Basic realm="podium"')])


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
