"""/api/v1/triggers: the scheduler's trigger rows (Kestra's TriggerController): search,
per flow, update (disable / enable, start a backfill), unlock, pause / unpause / delete a
backfill, and the bulk set-disabled. Paths and JSON shapes are Kestra's; the changes go
through podium/application/triggers.py (under the row lock, as a scheduler replica writes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, ConfigDict

from podium.api.context import runtime_of
from podium.application import flows
from podium.application import triggers as control
from podium.common.errors import NotFoundError, PodiumError
from podium.runtime import Runtime

router = APIRouter(prefix="/api/v1/triggers", tags=["Triggers"])


class BackfillBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    start: datetime
    end: datetime | None = None
    inputs: dict[str, Any] | None = None
    labels: list[dict[str, Any]] | dict[str, Any] | None = None
    paused: bool = False


class TriggerBody(BaseModel):
    """Kestra's Trigger as a client sends it back: its key, plus what may change."""
    model_config = ConfigDict(extra="ignore")
    namespace: str
    flowId: str  # noqa: N815 (Kestra's names)
    triggerId: str  # noqa: N815
    disabled: bool | None = None
    backfill: BackfillBody | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.namespace, self.flowId, self.triggerId)


class SetDisabledBody(BaseModel):
    triggers: list[TriggerBody]
    disabled: bool = True


def _labels(value: list[dict[str, Any]] | dict[str, Any] | None) -> dict[str, Any]:
    """Kestra's `[{key, value}]` or a plain map."""
    if isinstance(value, list):
        return {str(item.get("key")): item.get("value") for item in value if item.get("key")}
    return dict(value or {})


def _abstract_trigger(runtime: Runtime, namespace: str, flow_id: str,
                      trigger_id: str) -> dict | None:
    """The trigger's definition in the flow's latest revision (None when gone)."""
    try:
        flow = flows.latest(runtime, namespace, flow_id)
    except PodiumError:  # a flow deleted or no longer loadable: show the row anyway
        return None
    for trigger in getattr(flow, "triggers", None) or []:
        if trigger.id == trigger_id:
            return trigger.model_dump(mode="json", by_alias=True, exclude_none=True)
    return None


def _page(rows: list, page: int, size: int) -> list:
    return rows[(page - 1) * size: page * size]


@router.get("/search")
def search_triggers(page: int = Query(1, ge=1, le=1_000_000),
                    size: int = Query(10, ge=1, le=1000),
                    q: str | None = None, namespace: str | None = None,
                    flowId: str | None = None,  # noqa: N803
                    runtime: Runtime = Depends(runtime_of)) -> dict:
    """Each trigger as `{abstractTrigger, triggerContext}`; `namespace` is a prefix."""
    rows = control.find_triggers(runtime, namespace, flowId, q)
    return {"results": [{"abstractTrigger": _abstract_trigger(runtime, *row.key),
                         "triggerContext": control.trigger_json(row)}
                        for row in _page(rows, page, size)],
            "total": len(rows)}


@router.get("/{namespace}/{flow_id}")
def flow_triggers(namespace: str, flow_id: str, page: int = Query(1, ge=1, le=1_000_000),
                  size: int = Query(10, ge=1, le=1000), q: str | None = None,
                  runtime: Runtime = Depends(runtime_of)) -> dict:
    rows = [row for row in control.find_triggers(runtime, None, flow_id, q)
            if row.namespace == namespace]
    return {"results": [control.trigger_json(row) for row in _page(rows, page, size)],
            "total": len(rows)}


@router.put("")
def update_trigger(body: TriggerBody = Body(...),
                   runtime: Runtime = Depends(runtime_of)) -> dict:
    """Set `disabled`, and start `backfill` when the trigger has none (a backfill in
    progress is changed with the backfill routes only, as in Kestra)."""
    state = control.get(runtime, body.key)
    if body.disabled is not None and body.disabled != state.disabled:
        state = control.set_disabled(runtime, body.key, body.disabled)
    if body.backfill is not None and state.backfill is None:
        b = body.backfill
        state = control.start_backfill(runtime, body.key, b.start, b.end, inputs=b.inputs,
                                       labels=_labels(b.labels), paused=b.paused)
    return control.trigger_json(state)


@router.post("/{namespace}/{flow_id}/{trigger_id}/unlock")
def unlock_trigger(namespace: str, flow_id: str, trigger_id: str,
                   runtime: Runtime = Depends(runtime_of)) -> dict:
    """Forget the execution the trigger waits for; 400 when it waits for none."""
    return control.trigger_json(control.unlock(runtime, (namespace, flow_id, trigger_id)))


@router.put("/backfill/pause")
def pause_backfill(body: TriggerBody = Body(...),
                   runtime: Runtime = Depends(runtime_of)) -> dict:
    return control.trigger_json(control.pause_backfill(runtime, body.key, True))


@router.put("/backfill/unpause")
def unpause_backfill(body: TriggerBody = Body(...),
                     runtime: Runtime = Depends(runtime_of)) -> dict:
    return control.trigger_json(control.pause_backfill(runtime, body.key, False))


@router.post("/backfill/delete")
def delete_backfill(body: TriggerBody = Body(...),
                    runtime: Runtime = Depends(runtime_of)) -> dict:
    return control.trigger_json(control.delete_backfill(runtime, body.key))


@router.post("/set-disabled/by-triggers")
def set_disabled_by_triggers(body: SetDisabledBody = Body(...),
                             runtime: Runtime = Depends(runtime_of)) -> dict:
    """`{count}` of the triggers changed; unknown ones are skipped."""
    count = 0
    for trigger in body.triggers:
        try:
            control.set_disabled(runtime, trigger.key, body.disabled)
        except NotFoundError:
            continue
        count += 1
    return {"count": count}
