"""io.kestra.plugin.core.trigger.BatchWebhook: webhook calls buffered into batches.

Kestra's BatchWebhook (core, 2.0): the Webhook's URL, but each accepted call is buffered;
one execution starts per batch, once `eventsCount` events are buffered or `pollingInterval`
after the first one (whichever comes first when both are set), with `trigger.uri` (an ION
file, one row per event: eventId, eventReceived, body, headers, parameters) and
`trigger.count`. `eventFilter` decides per call (204 when it drops one). Podium keeps the
buffer in its debounce store (common/store/debounce.py): durable, one execution per batch
across API replicas and schedulers, where Kestra's KV buffer is best effort.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, model_validator
from typing_extensions import Annotated

from podium.common.plugins.base import Trigger
from podium.common.plugins.triggers import PositiveDuration


class BatchWebhook(Trigger):
    """Buffers webhook calls and starts one execution per batch of them."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.trigger.BatchWebhook"

    key: Annotated[str, Field(max_length=256, min_length=1)]
    inputs: dict[str, Any] | None = None
    events_count: Annotated[int, Field(ge=1)] | None = None
    polling_interval: PositiveDuration | None = None
    event_filter: str | None = None  # rendered per call with trigger.body/headers/parameters

    @model_validator(mode="after")
    def _flushes_somehow(self) -> "BatchWebhook":
        if self.events_count is None and self.polling_interval is None:
            raise ValueError("a BatchWebhook needs eventsCount or pollingInterval (or both): "
                             "without them a batch never starts")
        if self.conditions:
            raise ValueError("BatchWebhook does not take `conditions`: filter the calls with "
                             "`eventFilter`")
        return self
