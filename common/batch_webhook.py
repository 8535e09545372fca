"""BatchWebhook's pure rules (common/plugins/trigger_batch.py): when a batch is released,
what one buffered call holds, the ION file a batch's execution reads. No I/O: the API
buffers (api/batch_webhooks.py), the scheduler releases and writes the file."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from podium.common.debounce import Window
from podium.common.durations import parse_duration
from podium.common.errors import PodiumError
from podium.common.models.execution import new_id
from podium.common.plugins.trigger_batch import BatchWebhook
from podium.common.storage.uris import execution_prefix
from podium.common.templating import build_context, is_truthy, render
from podium.common.templating.library.ion import to_ion


def batch_window(trigger: BatchWebhook) -> Window:
    """`eventsCount` releases a full batch at once (the calls after it open the next one);
    `pollingInterval` releases what is buffered that long after its first call."""
    interval = parse_duration(trigger.polling_interval) if trigger.polling_interval else None
    return Window(max_wait=interval, max_batch=trigger.events_count,
                  hold_until_full=interval is None)


def batch_key(namespace: str, flow_id: str) -> str:
    """One batch at a time per trigger."""
    return f"{namespace}.{flow_id}"


def accepts(trigger: BatchWebhook, variables: dict[str, Any], flow: dict[str, Any]) -> bool:
    """`eventFilter` rendered with this call as `trigger`; one that cannot render drops the
    call, as in Kestra (a broken filter must not fill the buffer)."""
    if not trigger.event_filter or not trigger.event_filter.strip():
        return True
    context = build_context(flow_id=flow["id"], namespace=flow["namespace"], trigger=variables)
    try:
        return is_truthy(render(trigger.event_filter, context).strip())
    except PodiumError:
        return False


def buffered_event(variables: dict[str, Any], received: datetime) -> dict[str, Any]:
    """One call as its row of the batch file."""
    return {"eventId": new_id(), "eventReceived": received.isoformat().replace("+00:00", "Z"),
            "body": variables.get("body"), "headers": variables.get("headers"),
            "parameters": variables.get("parameters")}


def batch_file(events: list[dict[str, Any]]) -> bytes:
    """The ION rows of a batch, one a line."""
    return "".join(to_ion(event) + "\n" for event in events).encode()


def batch_file_uri(namespace: str, flow_id: str, execution_id: str, trigger_id: str) -> str:
    return f"{execution_prefix(namespace, flow_id, execution_id)}/trigger/{trigger_id}/events.ion"
