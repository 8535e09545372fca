"""Reading request bodies: by their declared media type (415 otherwise), bounded while they
arrive (413, whatever Content-Length says or when there is none), and multipart files
spooled to disk by the form parser, never held whole in memory. Routes read a body only
after the caller is authenticated (api/guard.py) and the target exists."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Request
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from podium.api.errors import ApiError, PayloadTooLarge, UnsupportedMediaType

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
MAX_FORM_PARTS = 100


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


def has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    return (length is not None and length.strip() != "0") \
        or "transfer-encoding" in request.headers


def require_media_type(request: Request, allowed: tuple[str, ...], what: str) -> None:
    """415 unless the body's media type is one of `allowed` (a missing one is accepted
    only when there is no body, or when `allowed` includes "")."""
    given = media_type(request)
    if given in allowed or (not given and not has_body(request)):
        return
    accepted = ", ".join(kind for kind in allowed if kind)
    raise UnsupportedMediaType(f"Unsupported media type '{given[:100] or 'none'}' for "
                               f"{what}: expected {accepted}",
                               [{"message": f"expected {accepted}", "path": "Content-Type"}])


async def read_limited(request: Request, limit: int) -> bytes:
    """The whole body, refused with 413 as soon as it passes `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"Request body is over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@asynccontextmanager
async def parsed_form(request: Request) -> AsyncIterator[FormData]:
    """The multipart (or url-encoded) form: text fields bounded by `api.max_body_bytes`,
    files spooled to temporary files (closed and removed on exit), the whole request by
    the size layer (`api.max_upload_bytes`)."""
    limit = request.app.state.settings.max_body_bytes
    try:
        form = await request.form(max_part_size=limit, max_files=MAX_FORM_PARTS,
                                  max_fields=MAX_FORM_PARTS)
    except ApiError:
        raise
    except HTTPException as exc:
        if exc.status_code == 413:
            raise
        # Starlette's own messages are fixed sentences (no byte of the body in them).
        raise ApiError(f"Invalid form body: {exc.detail}") from None
    except Exception:
        # Other parsers' words may quote the body: never echo them.
        raise ApiError("Invalid form body: not a well-formed multipart/form-data or "
                       "url-encoded body") from None
    try:
        yield form
    finally:
        await form.close()
