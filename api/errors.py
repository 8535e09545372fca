"""How errors leave the API: always JSON `{"message": ..., "details": [...]}`, never a
stack trace. The `PodiumError` tree maps to 4xx here (one table); anything else is a bug,
logged with its traceback and answered 500 with a generic message."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from podium.common.errors import (
    ConflictError,
    ExecutionBlockedError,
    FileAccessError,
    FlowValidationError,
    InputError,
    InvalidRequestError,
    KVError,
    LabelError,
    NotFoundError,
    PodiumError,
    StorageNotFoundError,
    UnsafePathError,
)

log = logging.getLogger(__name__)


class ApiError(PodiumError):
    """An error the API raises itself, with its HTTP status."""

    status = 400

    def __init__(self, message: str, details: list | None = None) -> None:
        super().__init__(message)
        self.details = details or []


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    status = 409


class Unprocessable(ApiError):
    status = 422


class PayloadTooLarge(ApiError):
    status = 413


class UnsupportedMediaType(ApiError):
    status = 415


# Most specific first: the first class an error is an instance of decides.
_STATUS: tuple[tuple[type[BaseException], int], ...] = (
    (StorageNotFoundError, 404),
    (NotFoundError, 404),
    (ConflictError, 409),
    (InvalidRequestError, 422),
    (FileAccessError, 403),
    (UnsafePathError, 422),
    (FlowValidationError, 422),
    (InputError, 422),
    (LabelError, 422),
    (ExecutionBlockedError, 422),
    (KVError, 422),
    (PodiumError, 400),
)


def error_body(message: str, details: list | None = None) -> dict:
    return {"message": message, "details": details or []}


def message_of(exc: PodiumError) -> str:
    """The message for the client: an unsafe path is described, never quoted (its repr
    would show escapes and could be huge)."""
    if isinstance(exc, UnsafePathError):
        return f"Unsafe path refused: {exc.reason}"
    return exc.message


def status_of(exc: PodiumError) -> int:
    if isinstance(exc, ApiError):
        return exc.status
    return next(status for kind, status in _STATUS if isinstance(exc, kind))


def details_of(exc: PodiumError) -> list:
    if isinstance(exc, (ApiError, InvalidRequestError)):
        return exc.details
    if isinstance(exc, FlowValidationError):
        return [p.as_dict() for p in exc.problems]
    errors = getattr(exc, "errors", None)  # InputErrors: one per input
    if isinstance(errors, list):
        return [{"message": e.message, "path": f"inputs.{e.input_id}"} for e in errors]
    if isinstance(exc, InputError):
        return [{"message": exc.message, "path": f"inputs.{exc.input_id}"}]
    if isinstance(exc, ExecutionBlockedError):  # each failed check, with its style
        return [{"message": message, "path": "checks", "style": style}
                for message, style in exc.failed]
    return []


def install(app: FastAPI) -> None:
    app.add_exception_handler(PodiumError, _podium_error)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


async def _podium_error(_request: Request, exc: PodiumError) -> JSONResponse:
    return JSONResponse(error_body(message_of(exc), details_of(exc)),
                        status_code=status_of(exc))


async def _request_invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
    details = [{"message": str(e.get("msg", "")),
                "path": ".".join(str(part) for part in e.get("loc", ()))}
               for e in exc.errors()]
    return JSONResponse(error_body("Invalid request", details), status_code=422)


# FastAPI's words for a JSON body that does not parse (or nests too deeply).
_UNPARSED_BODY = "There was an error parsing the body"


async def _http_error(_request: Request, exc: HTTPException) -> JSONResponse:
    message = exc.detail if isinstance(exc.detail, str) else "HTTP error"
    if exc.status_code == 400 and message == _UNPARSED_BODY:
        return JSONResponse(error_body(
            "Invalid request body: not valid JSON, or nested too deeply",
            [{"message": "not valid JSON", "path": "body"}]), status_code=400)
    return JSONResponse(error_body(message), status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(error_body("Internal server error"), status_code=500)
