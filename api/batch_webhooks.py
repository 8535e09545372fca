"""BatchWebhook calls on the webhook URL (api/webhooks.py finds the trigger): each accepted
call joins its trigger's open batch in the debounce store and is answered 202 with the
batch's size; `eventFilter` answers 204 and buffers nothing. The scheduler releases a batch
into one execution (scheduler/service.py, common/batch_webhook.py)."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from fastapi.responses import JSONResponse

from podium.application.webhooks import join_batch
from podium.common.batch_webhook import accepts
from podium.common.plugins.trigger_batch import BatchWebhook
from podium.runtime import Runtime


def buffer_call(runtime: Runtime, flow, trigger: BatchWebhook, variables: dict[str, Any],
                labels: dict[str, Any]) -> Response:
    where = {"id": flow.id, "namespace": flow.namespace}
    if not accepts(trigger, variables, where):
        return Response(status_code=204)
    batch = join_batch(runtime, flow, trigger, variables, labels)
    return JSONResponse({"status": "buffered", "eventsBuffered": batch.size}, status_code=202)
