"""Debounce (Podium, not Kestra): the pure rules that fold a burst of trigger events into one
execution. No I/O, no clock: the store (common/store/debounce.py) and the scheduler apply them.

A trigger with a `debounce` block (common/plugins/triggers.py `Debounce`) does not start one
execution per event. Each event joins the *open burst* of its trigger and key (the rendered
`key`, default: one burst at a time per trigger); a burst is open while it is not due and
not full. A burst is due, and the scheduler flushes it into one execution, at the earliest of

- `quiet` after its last event (no new event for that long),
- `maxWait` after its first event (a steady stream still fires),
- its last event, once it holds `maxBatch` events.

An event arriving once its burst is due opens the next burst. The execution id of a burst is
fixed when the burst opens (`burst_execution_id`), so whichever replica flushes it inserts
the same row, once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from podium.common.durations import parse_duration
from podium.common.plugins.triggers import Debounce
from podium.common.templating import render

# The flush date of a batch that only a count can release (a timestamp every SQL backend
# stores).
NEVER = datetime(9999, 1, 1, tzinfo=timezone.utc)
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Window:
    """A `Debounce` block with its durations parsed."""

    quiet: timedelta | None = None
    max_wait: timedelta | None = None
    max_batch: int | None = None
    # A BatchWebhook with eventsCount only: a batch below it waits, however long.
    hold_until_full: bool = False

    @classmethod
    def of(cls, debounce: Debounce) -> "Window":
        return cls(quiet=parse_duration(debounce.quiet) if debounce.quiet else None,
                   max_wait=parse_duration(debounce.max_wait) if debounce.max_wait else None,
                   max_batch=debounce.max_batch)

    def flush_at(self, first_at: datetime, last_at: datetime, size: int) -> datetime:
        """When a burst of `size` events, the first at `first_at` and the last at `last_at`,
        fires."""
        if self.max_batch is not None and size >= self.max_batch:
            return last_at
        candidates = []
        if self.quiet is not None:
            candidates.append(last_at + self.quiet)
        if self.max_wait is not None:
            candidates.append(first_at + self.max_wait)
        if not candidates:  # a debounce requires quiet or maxWait; never hold events forever
            return NEVER if self.hold_until_full else last_at
        return min(candidates)

    def is_open(self, size: int, flush_at: datetime, now: datetime) -> bool:
        """Whether an event at `now` joins a burst of `size` events due at `flush_at`."""
        return flush_at > now and (self.max_batch is None or size < self.max_batch)


def render_key(debounce: Debounce, variables: dict[str, Any], flow: dict[str, Any]) -> str:
    """The burst key of one event: `key` rendered with `trigger` (the event's trigger
    variables) and `flow` ({id, namespace}); without `key`, the flow's `namespace.id`."""
    if not debounce.key:
        return f"{flow.get('namespace')}.{flow.get('id')}"
    return render(debounce.key, {"trigger": variables, "flow": flow})


def key_hash(key: str) -> str:
    """The stored form of a burst key (a fixed-size primary key column)."""
    return hashlib.sha256(key.encode()).hexdigest()


def burst_execution_id(trigger_key: tuple[str, str, str], burst_key: str, seq: int,
                       first_at: datetime) -> str:
    """22 base62 characters derived from the trigger, the key, the burst's number and its
    first event's instant (microseconds): the same burst always gets the same id."""
    instant = first_at.astimezone(timezone.utc).isoformat(timespec="microseconds")
    text = "\x00".join((*trigger_key, "debounce", burst_key, str(seq), instant))
    number = int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")
    chars = []
    for _ in range(22):
        number, digit = divmod(number, 62)
        chars.append(_BASE62[digit])
    return "".join(chars)


def folded_variables(events: list[Any], key: str) -> dict[str, Any]:
    """The trigger variables of a burst's execution: `events` (oldest first), `size`, `key`."""
    return {"events": list(events), "size": len(events), "key": key}
