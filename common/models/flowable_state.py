"""What the executor remembers about one task run it resolves itself: `TaskRun.flowable`.

Each flowable type uses a few of the fields (named below with the type); a run of any other
type leaves them all unset. Stored as JSON in the task run's `flowable` column under the
same names earlier versions used as dict keys, so a task run stored before an upgrade reads
unchanged (only the fields set are written).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from podium.common.models.state import State


class IterationEnd(BaseModel):
    """How one iteration of a Kestra 2.0 Loop ended (executor/engine/loop_iterations.py)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    state: State
    outputs: dict[str, Any] | None = None
    """The values its declared `outputs` rendered to in its own context."""


class FlowableState(BaseModel):
    """A flowable task run's progress between messages."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    # If / Switch: what the condition or value rendered to, once (the branch is fixed).
    condition: bool | None = None
    """If: the evaluated condition."""
    value: str | None = None
    """Switch: the rendered value."""

    # ForEach (and every task with stored loop values): executor/engine/loops.py.
    loop: dict[str, Any] | None = None
    """The loop's progress: `count` values, `next` to start, `window`, `done` ({state:
    count} of the folded iterations), `seq`, `again` (see loops.py)."""

    # Kestra 2.0 Loop: executor/engine/features/loop.py, loop_iterations.py.
    items: list[dict[str, Any]] | None = None
    """The rendered values, one {"value", "key"?} each."""
    iterations: dict[str, IterationEnd] | None = None
    """Every iteration that ended, by index (as text)."""
    broken: bool = False
    """`breakWhen` held: no further iteration starts."""

    # Subflow / ForEachItem: executor/engine/features/subflow.py, for_each_item.py.
    child: str | None = None
    """Subflow: the id of the execution started (its SubflowEnded is awaited)."""
    ended: State | None = None
    """Subflow / ForEachItem: the final state, once known."""
    batches: int | None = None
    """ForEachItem: how many child executions (batches) were started."""
    pending: int | None = None
    """ForEachItem: batches not ended yet."""
    ended_by: dict[str, int] | None = None
    """ForEachItem: ended batches by state."""
    done: str | None = None
    """ForEachItem: a bitmap (hex) of the batches counted, so a redelivery is recognised."""

    # WaitFor / LoopUntil: executor/engine/waiting.py.
    round: int | None = None
    """The round running (0 first)."""
    since: datetime | None = None
    """When the first round started (maxDuration counts from it)."""
    next: datetime | None = None
    """When the next round starts; None while a round runs."""

    def is_empty(self) -> bool:
        return self == _EMPTY

    def stored(self) -> dict[str, Any]:
        """The JSON the store keeps: only the fields set."""
        return self.model_dump(mode="json", exclude_defaults=True)


_EMPTY = FlowableState()
