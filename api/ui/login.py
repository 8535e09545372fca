"""The login page, login and logout: the API's users and passwords, the API's failed-login
limits (per client address and per user name), a new session on every login."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from podium.api.guard import Credentials
from podium.api.login_limits import FailedLogins
from podium.api.ui.rendering import render
from podium.api.ui.session import COOKIE, Session, SessionCodec

router = APIRouter()


@dataclass(frozen=True)
class UiConfig:
    credentials: Credentials | None
    sessions: SessionCodec
    failed_logins: FailedLogins | None


def config_of(request: Request) -> UiConfig:
    return request.app.state.ui


@router.get("/login")
def login_page(request: Request, next: str = "") -> Response:  # noqa: A002 (the usual name)
    config = config_of(request)
    if config.credentials is None:
        return RedirectResponse(safe_next(request, next), status_code=303)
    session = request.state.ui_session or config.sessions.new()
    request.state.ui_session = session
    return with_session(request, render(request, "login.html", next=next, error=None),
                        session)


@router.post("/login")
def log_in(request: Request, username: str = Form(""), password: str = Form(""),
           next: str = Form("")) -> Response:  # noqa: A002
    config = config_of(request)
    if config.credentials is None:
        return RedirectResponse(safe_next(request, next), status_code=303)
    client = request.client.host if request.client else "-"
    keys = [f"client:{client}", f"user:{username}"]
    limits = config.failed_logins
    wait = limits.retry_after(keys) if limits is not None else None
    if wait is not None:
        return render(request, "login.html", status=429, next=next,
                      error=f"Too many failed logins: retry in {wait} s")
    if not config.credentials.check_user(username.encode(), password.encode()):
        if limits is not None:
            limits.record(keys)
        return render(request, "login.html", status=401, next=next,
                      error="Wrong user name or password")
    session = config.sessions.new(username)
    return with_session(request, RedirectResponse(safe_next(request, next), status_code=303),
                        session)


@router.post("/logout")
def log_out(request: Request) -> Response:
    root = request.scope.get("root_path", "")
    response = RedirectResponse(f"{root}/login", status_code=303)
    response.delete_cookie(COOKIE, path=root or "/", httponly=True, samesite="lax",
                           secure=request.url.scheme == "https")
    return response


def with_session(request: Request, response: Response, session: Session) -> Response:
    config = config_of(request)
    response.set_cookie(COOKIE, config.sessions.dumps(session),
                        max_age=int(config.sessions.max_age),
                        path=request.scope.get("root_path", "") or "/", httponly=True,
                        samesite="lax", secure=request.url.scheme == "https")
    return response


def safe_next(request: Request, target: str) -> str:
    """`target` when it is a page of this UI, else the UI's home: never another site."""
    root = request.scope.get("root_path", "")
    parts = urlsplit(target)
    inside = target == root or target.startswith(root + "/")
    if inside and not parts.scheme and not parts.netloc and "\\" not in target \
            and not target.startswith("//"):
        return target
    return f"{root}/"
