"""What a handled message sends once its transaction commits, and the shape of a command
persister: (conn, execution, command, outgoing) -> None, called in the deciding
transaction for each command of the Decision (the list is in executor/wiring.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from podium.executor.engine.context import EngineConfig
from podium.executor.flow_cache import FlowCache


@dataclass
class Outgoing:
    """Filled by the persisters of one decision; sent by the service after the commit."""

    messages: list[tuple[str, dict]] = field(default_factory=list)  # (queue, payload), outbox
    broadcasts: list[dict] = field(default_factory=list)  # kill channel, best effort
    config: EngineConfig = field(default_factory=EngineConfig)  # for persisters that need it
    timers_due: list[datetime] = field(default_factory=list)  # wake the timer loop for them
    # The service's parsed flows, for persisters that read a flow (owned by the service).
    flows: FlowCache = field(default_factory=FlowCache)


Persister = Callable[[Any, Any, Any, Outgoing], None]
