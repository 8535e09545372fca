"""What the application operations work over: the parts of a Runtime (podium/runtime.py),
named as a Protocol so this package never imports the Runtime (which calls into it)."""

from __future__ import annotations

from typing import Any, Protocol

from podium.common.errors import PodiumError
from podium.common.outbox_relay import OutboxRelay
from podium.common.secrets import SecretCipher
from podium.common.storage import Storage
from podium.common.store import Database
from podium.common.transport.base import Transport
from podium.executor.flow_cache import FlowCache


class Parts(Protocol):
    db: Database
    transport: Transport
    storage: Storage | None
    # Publishes what a transaction committed to the outbox (submissions).
    relay: OutboxRelay
    # Parsed flow revisions, shared by the operations of one process.
    flows: FlowCache
    # Seals SECRET inputs at submission; None where no key is configured.
    cipher: SecretCipher | None
    # What the inputs' expressions may call at submission (secret(), kv(), read()...).
    input_services: Any


def storage_of(parts: Parts) -> Storage:
    """The internal storage; PodiumError where this process has none."""
    if parts.storage is None:
        raise PodiumError("This server has no internal storage")
    return parts.storage

