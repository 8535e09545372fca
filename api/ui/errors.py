"""Errors as pages: the status the API would answer, a short message, never a trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from podium.api.errors import message_of, status_of
from podium.api.ui.rendering import render
from podium.common.errors import PodiumError

log = logging.getLogger(__name__)


def install(app: FastAPI) -> None:
    app.add_exception_handler(PodiumError, _podium_error)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


def _page(request: Request, status: int, message: str) -> Response:
    return render(request, "error.html", status=status, status_code=status, message=message)


async def _podium_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PodiumError)
    return _page(request, status_of(exc), message_of(exc))


async def _request_invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = ["{}: {}".format(".".join(str(p) for p in error.get("loc", ())[1:]),
                                error.get("msg", "invalid")) for error in exc.errors()]
    return _page(request, 400, "Invalid request: " + "; ".join(problems))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = "Page not found" if exc.status_code == 404 else str(exc.detail)
    return _page(request, exc.status_code, message)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("UI request %s %s failed", request.method, request.url.path)
    return _page(request, 500, "Internal server error")
