"""What a webhook call stores when it does not start an execution at once: a debounced
Webhook's call joins its burst, a BatchWebhook's call joins its batch (the debounce store,
common/store/debounce.py); the scheduler later starts one execution per burst or batch."""

from __future__ import annotations

from typing import Any

from podium.application.parts import Parts
from podium.common.batch_webhook import batch_key, batch_window, buffered_event
from podium.common.debounce import Window, render_key
from podium.common.plugins.trigger_batch import BatchWebhook
from podium.common.plugins.triggers import Webhook
from podium.common.store.debounce import add_debounce_event
from podium.common.store.types import utcnow


def join_burst(parts: Parts, flow: Any, trigger: Webhook, variables: dict[str, Any],
               labels: dict[str, Any]) -> Any:
    """Add the call to the trigger's open burst (common/debounce.py); returns the burst
    (its future execution id, size and flush time)."""
    key = render_key(trigger.debounce, variables, {"id": flow.id, "namespace": flow.namespace})
    with parts.db.begin() as conn:
        return add_debounce_event(
            conn, (flow.namespace, flow.id, trigger.id), Window.of(trigger.debounce), key,
            variables, utcnow(), trigger={"id": trigger.id, "type": trigger.type},
            labels=labels or None)


def join_batch(parts: Parts, flow: Any, trigger: BatchWebhook, variables: dict[str, Any],
               labels: dict[str, Any]) -> Any:
    """Add the call to the trigger's open batch (common/batch_webhook.py); returns the
    batch (its size)."""
    now = utcnow()
    with parts.db.begin() as conn:
        return add_debounce_event(
            conn, (flow.namespace, flow.id, trigger.id), batch_window(trigger),
            batch_key(flow.namespace, flow.id), buffered_event(variables, now), now,
            trigger={"id": trigger.id, "type": trigger.type}, inputs=trigger.inputs,
            labels=labels or None)
