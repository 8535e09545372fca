"""What the core cannot read itself: read by the message handler (executor/service.py)
under the right locks, and passed to `process()`, which keeps them on the transaction
(`ExecutionTx.facts`). The unit tests' harness gives them as the handler would."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from podium.common.store.logs import LogEntry


class ValueWindow(NamedTuple):
    """A slice of a loop's values (stored apart, in chunks: executor/engine/loops.py)."""

    offset: int
    """The index of `values[0]` among all the loop's values."""
    values: list[str]


@dataclass
class Facts:
    """The handler's reads for one message."""

    slots_taken: int | None = None
    """Before a start of a flow with `concurrency`: the slots its other executions hold
    (plus those released to queued ones); None when not counted (the execution starts)."""
    loop_values: dict[str, ValueWindow] = field(default_factory=dict)
    """Loop task run id -> the next window of values it has to start. The core adds the
    window of a loop it starts in this message."""
    worker_logs: list[LogEntry] = field(default_factory=list)
    """A task result's log lines, stored in the same transaction: errorLogs() sees them."""

    def copy(self) -> Facts:
        """A copy the core may add to without changing the handler's (a second pass of
        `process` for folded runs starts from the handler's facts again)."""
        return Facts(self.slots_taken, dict(self.loop_values), list(self.worker_logs))
