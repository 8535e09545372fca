"""The triggers page: the scheduler's trigger rows (a page at a time, filtered by the
database) and the operator's actions on one: enable / disable, unlock, start a backfill,
pause / resume / delete it. Every change goes through podium/application/triggers.py, as
the API's (api/triggers.py) do; a refusal is shown on the page with the API's message."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import Response

from podium.api.context import runtime_of
from podium.api.ui.actions import back_to, notice_of, refusal
from podium.api.ui.lookup import is_partial
from podium.api.ui.rendering import render
from podium.application import triggers as control
from podium.common.errors import PodiumError
from podium.runtime import Runtime

router = APIRouter()

PAGE_SIZES = (10, 25, 50, 100)
FILTERS = ("namespace", "flowId", "q")
ACTION = "/triggers/{namespace}/{flow_id}/{trigger_id}"


@router.get("/triggers")
def triggers_page(request: Request, namespace: str = "",
                  flowId: str = "",  # noqa: N803 (Kestra's name, as in the API)
                  q: str = "", notice: str = "",
                  page: int = Query(1, ge=1, le=1_000_000),
                  size: int = Query(25, ge=1, le=max(PAGE_SIZES)),
                  runtime: Runtime = Depends(runtime_of)) -> Response:
    filters = dict(namespace=namespace, flowId=flowId, q=q)
    values = _listing(runtime, filters, page, size)
    template = "_triggers_table.html" if is_partial(request) else "triggers.html"
    return render(request, template, notice=notice_of(notice), message="", **values)


def _listing(runtime: Runtime, filters: dict[str, str], page: int, size: int) -> dict:
    rows, total = control.search_page(
        runtime, namespace=filters["namespace"].strip(), flow_id=filters["flowId"].strip(),
        query=filters["q"].strip(), limit=size, offset=(page - 1) * size)
    back = urlencode({k: v for k, v in {**filters, "page": page, "size": size}.items() if v})
    return dict(triggers=control.views(runtime, rows), total=total, page=page, size=size,
                pages=max(1, math.ceil(total / size)), filters=filters, back=back)


def _act(request: Request, runtime: Runtime, back: str, notice: str,
         change: Callable[[], Any]) -> Response:
    """Run `change`; back to the list as it was (`back`: its query) with the notice, or
    the list again with the refusal's message and status."""
    given = dict(parse_qsl(back))
    filters = {name: given.get(name, "") for name in FILTERS}
    page, size = _number(given.get("page"), 1), _number(given.get("size"), 25)
    try:
        change()
    except PodiumError as exc:
        status, message = refusal(exc)
        return render(request, "triggers.html", status=status, notice="", message=message,
                      **_listing(runtime, filters, page, min(size, max(PAGE_SIZES))))
    return back_to(request, "/triggers", notice, **filters, page=str(page), size=str(size))


def _number(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() and 0 < int(text) <= 1_000_000 else default


@router.post(ACTION + "/disable")
def disable(request: Request, namespace: str, flow_id: str, trigger_id: str,
            back: str = Form(""), runtime: Runtime = Depends(runtime_of)) -> Response:
    key = (namespace, flow_id, trigger_id)
    return _act(request, runtime, back, "disabled",
                lambda: control.set_disabled(runtime, key, True))


@router.post(ACTION + "/enable")
def enable(request: Request, namespace: str, flow_id: str, trigger_id: str,
           back: str = Form(""), runtime: Runtime = Depends(runtime_of)) -> Response:
    key = (namespace, flow_id, trigger_id)
    return _act(request, runtime, back, "enabled",
                lambda: control.set_disabled(runtime, key, False))


@router.post(ACTION + "/unlock")
def unlock(request: Request, namespace: str, flow_id: str, trigger_id: str,
           back: str = Form(""), runtime: Runtime = Depends(runtime_of)) -> Response:
    key = (namespace, flow_id, trigger_id)
    return _act(request, runtime, back, "unlocked", lambda: control.unlock(runtime, key))


@router.post(ACTION + "/backfill")
def backfill(request: Request, namespace: str, flow_id: str, trigger_id: str,
             start: str = Form(""), end: str = Form(""), inputs: str = Form(""),
             labels: str = Form(""), back: str = Form(""),
             runtime: Runtime = Depends(runtime_of)) -> Response:
    key = (namespace, flow_id, trigger_id)

    def start_backfill() -> None:
        control.start_backfill(runtime, key, parse_date(start, "start"),
                               parse_date(end, "end") if end.strip() else None,
                               inputs=parse_inputs(inputs), labels=parse_labels(labels))
    return _act(request, runtime, back, "backfill-started", start_backfill)


@router.post(ACTION + "/backfill/pause")
def pause_backfill(request: Request, namespace: str, flow_id: str, trigger_id: str,
                   back: str = Form(""), runtime: Runtime = Depends(runtime_of)) -> Response:
    key = (namespace, flow_id, trigger_id)
    return _act(request, runtime, back, "backfill-paused",
                lambda: control.pause_backfill(runtime, key, True))


@router.post(ACTION + "/backfill/unpause")
def unpause_backfill(request: Request, namespace: str, flow_id: str, trigger_id: str,
                     back: str = Form(""), runtime: Runtime = Depends(runtime_of)) -> Response:
    key = (namespace, flow_id, trigger_id)
    return _act(request, runtime, back, "backfill-unpaused",
                lambda: control.pause_backfill(runtime, key, False))


@router.post(ACTION + "/backfill/delete")
def delete_backfill(request: Request, namespace: str, flow_id: str, trigger_id: str,
                    back: str = Form(""), runtime: Runtime = Depends(runtime_of)) -> Response:
    key = (namespace, flow_id, trigger_id)
    return _act(request, runtime, back, "backfill-deleted",
                lambda: control.delete_backfill(runtime, key))


def parse_date(text: str, what: str) -> datetime:
    """A form's date (`2024-05-01T00:00`, an ISO date-time; UTC without an offset)."""
    try:
        return control.utc(datetime.fromisoformat(text.strip()))
    except ValueError:
        raise PodiumError(f"The backfill {what} date is missing or not a date "
                          f"(YYYY-MM-DDTHH:MM)") from None


def parse_inputs(text: str) -> dict[str, Any]:
    """The form's inputs: a JSON object, or nothing."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise PodiumError('The backfill inputs must be a JSON object, e.g. {"day": "monday"}')
    return value


def parse_labels(text: str) -> dict[str, str]:
    """The form's labels: one `key=value` a line."""
    labels = {}
    for line in filter(None, (line.strip() for line in text.splitlines())):
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise PodiumError(f"A backfill label is 'key=value', not '{line[:60]}'")
        labels[key.strip()] = value.strip()
    return labels
