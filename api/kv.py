"""/api/v1/namespaces/{namespace}/kv: a namespace's KV store (Kestra's KVController).
A PUT body is read as Kestra reads it: JSON when it parses, else an ISO date-time, date or
duration, else text; the `ttl` header (ISO-8601 duration) sets an expiration. Two headers
are ours: `type` (parse the body as this KV type) and `overwrite: false`."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Header, Request, Response
from starlette.concurrency import run_in_threadpool

from podium.api.bodies import read_limited, require_media_type
from podium.api.context import runtime_of
from podium.api.errors import Unprocessable
from podium.application import kv
from podium.common.kv import KVEntry, KVType, guess_value, parse_as
from podium.runtime import Runtime

router = APIRouter(prefix="/api/v1/namespaces/{namespace}/kv", tags=["KV"])

TEXT_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {}}, "text/plain": {"schema": {"type": "string"}}}}}


# What a KV value comes as; none at all is text, as curl sends it.
KV_MEDIA_TYPES = ("", "text/plain", "application/json", "application/x-www-form-urlencoded")


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def entry_json(entry: KVEntry) -> dict:
    return {"key": entry.key, "type": entry.type.value, "description": None,
            "creationDate": _iso(entry.created), "updateDate": _iso(entry.updated),
            "expirationDate": _iso(entry.expires)}


@router.get("")
def list_keys(namespace: str, runtime: Runtime = Depends(runtime_of)) -> list:
    return [entry_json(entry) for entry in kv.list_entries(runtime, namespace)]


@router.get("/{key}")
def get_key(namespace: str, key: str, runtime: Runtime = Depends(runtime_of)) -> dict:
    entry = kv.get(runtime, namespace, key)
    return {"type": entry.type.value, "value": entry.value}


@router.put("/{key}", status_code=204, openapi_extra=TEXT_BODY)
async def put_key(namespace: str, key: str, request: Request,
                  ttl: str | None = Header(None, description="ISO-8601 duration"),
                  kv_type: KVType | None = Header(None, alias="type", description="Parse "
                                                  "the body as this type instead of "
                                                  "guessing it"),
                  overwrite: bool = Header(True, description="false: 422 when the key "
                                                             "exists"),
                  runtime: Runtime = Depends(runtime_of)) -> Response:
    require_media_type(request, KV_MEDIA_TYPES, "a KV value")
    raw = await read_limited(request, request.app.state.settings.max_body_bytes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unprocessable(f"The KV value is not UTF-8 text (invalid byte at offset "
                            f"{exc.start}): store binary data as a namespace file",
                            [{"message": "not UTF-8 text", "path": "body"}]) from None
    value = parse_as(text, kv_type) if kv_type is not None else guess_value(text)
    await run_in_threadpool(kv.put, runtime, namespace, key, value, ttl=ttl or None,
                            overwrite=overwrite)
    return Response(status_code=204)


@router.delete("/{key}")
def delete_key(namespace: str, key: str, runtime: Runtime = Depends(runtime_of)) -> bool:
    """True when a live key was deleted."""
    return kv.delete(runtime, namespace, key)
