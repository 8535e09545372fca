"""Message transport: the port (`Transport`) and its implementations.

`InProcessTransport` is imported here; `CeleryTransport` and `make_celery_app` live in
`common.transport.celery_transport`, imported only by services that use Celery, so the
embedded mode never loads Celery.
"""

from podium.common.transport.base import (
    DEAD_LETTER_KIND,
    EXECUTOR_QUEUE,
    KILL_CHANNEL,
    WORKER_QUEUE,
    Handler,
    InvalidPayloadError,
    Payload,
    StopSubscription,
    Transport,
    TransportError,
    dead_letter_queue,
    worker_group_queue,
)
from podium.common.transport.memory import InProcessTransport

__all__ = [
    "DEAD_LETTER_KIND", "EXECUTOR_QUEUE", "KILL_CHANNEL", "WORKER_QUEUE", "Handler",
    "InProcessTransport", "InvalidPayloadError", "Payload", "StopSubscription", "Transport",
    "TransportError", "dead_letter_queue", "worker_group_queue",
]
