"""Who may see the UI, checked before any route: an ASGI layer around the UI's app.

A request is someone's when its session cookie names a user (api/ui/session.py) or its
`Authorization: Bearer` token is one of the API's tokens; with the API's auth off
(`credentials` None) everyone is. Anyone else is sent to the login page with `next` (an
htmx request gets `HX-Redirect`, as htmx follows no redirect itself). Only the login page
and the static assets are public.

Every state-changing request (not GET/HEAD/OPTIONS) carries the session's CSRF token, in
the `X-CSRF-Token` header (htmx sends it) or the form's `csrf_token` field, else 403; the
login form too, so no other site can log a browser in. A bearer request needs none: a
browser never adds that header by itself. Bearer failures count against the API's failed
login limits (the same `FailedLogins`).
"""

from __future__ import annotations

import hmac
from urllib.parse import parse_qs, quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from podium.api.guard import Credentials, login_keys
from podium.api.login_limits import FailedLogins
from podium.api.ui.session import COOKIE, Session, SessionCodec

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
ANONYMOUS = "anonymous"  # the user shown when auth is off


def relative_path(scope) -> str:
    """The path inside the UI's mount (Starlette keeps the full path in `path`)."""
    path, root = scope["path"], scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def is_public(path: str) -> bool:
    """The login page and the static files, never another page spelt as one of them
    (`/static/../executions`)."""
    if path == "/login":
        return True
    segments = path.split("/")[2:]
    return path.startswith("/static/") and all(s not in ("", ".", "..") for s in segments)


class UiGuard:
    def __init__(self, app, credentials: Credentials | None, sessions: SessionCodec,
                 failed_logins: FailedLogins | None) -> None:
        self.app = app
        self.credentials = credentials
        self.sessions = sessions
        self.failed_logins = failed_logins

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        session = self.sessions.loads(request.cookies.get(COOKIE))
        user, bearer = self._user(session, request)
        refusal = self._refusal(request, user)
        if refusal is None and not bearer and request.method not in SAFE_METHODS:
            receive, refusal = await _check_csrf(request, session, receive)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state.update(ui_session=session, ui_user=user)
        await self.app(scope, receive, send)

    def _user(self, session: Session | None, request: Request) -> tuple[str | None, bool]:
        """Who is asking, and whether by bearer token."""
        if self.credentials is None:
            return ANONYMOUS, False
        if session is not None and session.user:
            return session.user, False
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return self._bearer(request, header, token.strip())
        return None, False

    def _bearer(self, request: Request, header: str, token: str) -> tuple[str | None, bool]:
        keys = login_keys(request.scope, header)
        limits = self.failed_logins
        if limits is not None and limits.retry_after(keys) is not None:
            return None, False
        assert self.credentials is not None
        if self.credentials.check_token(token):
            return "token", True
        if limits is not None:
            limits.record(keys)
        return None, False

    def _refusal(self, request: Request, user: str | None) -> Response | None:
        if user is not None or is_public(relative_path(request.scope)):
            return None
        return to_login(request)


def to_login(request: Request) -> Response:
    root = request.scope.get("root_path", "")
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    login = f"{root}/login?next={quote(target, safe='')}"
    if request.headers.get("hx-request"):
        return Response(status_code=401, headers={"HX-Redirect": login})
    return RedirectResponse(login, status_code=303)


async def _check_csrf(request: Request, session: Session | None, receive):
    """(the receive to pass on, a 403 or None). The body, read to find the form field, is
    handed on unchanged."""
    given = request.headers.get(CSRF_HEADER)
    body = b""
    if given is None and _is_urlencoded_form(request):
        body = await _read_body(receive)
        given = (parse_qs(body.decode("latin-1")).get(CSRF_FIELD) or [None])[0]
        receive = _replay(body)
    if session is None or not given or not hmac.compare_digest(given, session.csrf):
        return receive, PlainTextResponse(
            "Forbidden: this form is out of date or did not come from Podium "
            "(CSRF token missing or wrong). Reload the page and try again.", status_code=403)
    return receive, None


def _is_urlencoded_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind == "application/x-www-form-urlencoded"


async def _read_body(receive) -> bytes:
    # The API's BodyLimitMiddleware, outside this layer, bounds what this reads.
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes):
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}
    return receive
