"""Polling triggers (Kestra's PollingTriggerInterface): pure decisions, no I/O, no clock.

A polling trigger is evaluated at most once per `interval`. Time is cut into slots aligned
on the epoch (`[k * interval, (k + 1) * interval)`), the same for every replica; the
trigger's row (common/store/triggers.py) holds the start of the next slot to poll as its
`next_date`. A replica that locks a due row claims the slot it is in (`claim`) and commits
that before it polls, so no other replica polls in the same slot; an execution the poll
starts has an id derived from (trigger, slot) (`poll_execution_id`).

As in Kestra, a new trigger first polls one interval after it is seen, a trigger waits while
the last execution it started runs, and `stopAfter` disables it once that execution ended
in one of the listed states.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from podium.common.models.state import State
from podium.common.store.triggers import TriggerKey, TriggerState
from podium.scheduler.plan import execution_id

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class PollSpec:
    """One enabled polling trigger (http.Trigger, a plugin's PollingTrigger) of the latest
    revision of a flow."""

    key: TriggerKey
    trigger: Any  # HttpTrigger, or a PollingTrigger (common/plugins/polling_trigger.py)
    interval: timedelta
    fingerprint: str
    revision: int = 0


@dataclass(frozen=True)
class PollStep:
    state: TriggerState
    slot: datetime | None = None  # the slot claimed: poll now
    busy: bool = False  # the last execution still runs: look again soon
    stopped: str | None = None  # why the trigger was disabled


def poll_fingerprint(trigger: Any) -> str:
    """Changes with anything in the trigger's definition (then the row restarts)."""
    text = json.dumps(trigger.model_dump(mode="json"), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def slot_of(moment: datetime, interval: timedelta) -> datetime:
    """The start of the slot holding `moment` (UTC, aligned on the epoch)."""
    step = _micros(interval)
    if step <= 0:
        raise ValueError("a polling interval must be positive")
    elapsed = _micros(moment.astimezone(timezone.utc) - _EPOCH)
    return _EPOCH + timedelta(microseconds=elapsed - elapsed % step)


def initial_poll_state(spec: PollSpec, now: datetime) -> TriggerState:
    """A trigger seen for the first time polls at the start of the slot after now's."""
    namespace, flow_id, trigger_id = spec.key
    return TriggerState(namespace, flow_id, trigger_id, spec.fingerprint,
                        next_date=slot_of(now, spec.interval) + spec.interval)


def claim(spec: PollSpec, state: TriggerState, now: datetime,
          last_execution_state: State | None) -> PollStep:
    """What the locked row `state` does at `now`: claim the current slot when it is due."""
    if state.disabled:
        return PollStep(state)
    if state.execution_id is not None and last_execution_state is not None:
        if not last_execution_state.is_terminated:
            return PollStep(state, busy=True)
        if last_execution_state.value in (spec.trigger.stop_after or ()):
            return PollStep(state.but(disabled=True),
                            stopped=f"stopAfter: last execution ended "
                                    f"{last_execution_state.value}")
    if state.next_date is None or state.next_date > now:
        return PollStep(state)
    slot = slot_of(now, spec.interval)
    return PollStep(state.but(last_date=slot, next_date=slot + spec.interval), slot=slot)


def poll_execution_id(key: TriggerKey, slot: datetime) -> str:
    """The id of the execution a poll in `slot` starts (the same on every replica)."""
    instant = slot.astimezone(timezone.utc).isoformat(timespec="microseconds")
    return execution_id(key, slot, f"poll:{instant}")


def _micros(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
