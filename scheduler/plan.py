"""What a scheduler does with one trigger at one moment: pure functions, no I/O, no clock.

`Spec` is a trigger as the scheduler sees it (zone, cron or date list, recovery policy);
`TriggerState` (common/store/triggers.py) is its stored row. `step()` decides, for a locked
row, whether a date fires now and what the row becomes; `recover()` applies
recoverMissedSchedules when a scheduler starts; `initial_state()` is the row of a trigger
seen for the first time. The service runs them inside the transaction that holds the row.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from podium.common.durations import parse_duration
from podium.common.models.state import State
from podium.common.plugins.conditions import when_condition
from podium.common.plugins.cron import CronExpression
from podium.common.plugins.triggers import Schedule, ScheduleOnDates
from podium.common.store.triggers import TriggerKey, TriggerState
from podium.scheduler.conditions import ConditionError, all_hold
from podium.scheduler.fire_times import next_fire, previous_fire

log = logging.getLogger(__name__)

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CONDITION_SEARCH = 1000  # dates tried when looking for the next/previous one that passes
_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Spec:
    """One enabled Schedule or ScheduleOnDates trigger of the latest revision of a flow."""

    key: TriggerKey
    trigger: Schedule | ScheduleOnDates
    zone: tzinfo
    recover: str  # ALL | LAST | NONE
    fingerprint: str
    cron: CronExpression | None = None  # Schedule
    dates: tuple[datetime, ...] = ()  # ScheduleOnDates, sorted, UTC
    revision: int = 0

    def after(self, moment: datetime) -> datetime | None:
        """The first scheduled date strictly after `moment`."""
        if self.cron is not None:
            return next_fire(self.cron, moment, self.zone)
        later = [d for d in self.dates if d > moment]
        return later[0].astimezone(self.zone) if later else None

    def before(self, moment: datetime) -> datetime | None:
        """The last scheduled date strictly before `moment`."""
        if self.cron is not None:
            return previous_fire(self.cron, moment, self.zone)
        earlier = [d for d in self.dates if d < moment]
        return earlier[-1].astimezone(self.zone) if earlier else None


@dataclass(frozen=True)
class Fire:
    """An execution to create for a scheduled date."""

    date: datetime
    execution_id: str
    variables: dict[str, Any]  # trigger.* of the execution
    inputs: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, Any] = field(default_factory=dict)
    schedule_date: datetime | None = None


@dataclass(frozen=True)
class Step:
    state: TriggerState
    fire: Fire | None = None
    busy: bool = False  # the last execution still runs: look again soon
    skipped: tuple[tuple[datetime, str], ...] = ()  # (date, why) passed over without firing


def fingerprint(trigger: Schedule | ScheduleOnDates, zone_name: str) -> str:
    """Changes when anything deciding the dates changes (then the row restarts)."""
    fields = trigger.model_dump(mode="json", include={
        "cron", "with_seconds", "timezone", "dates", "conditions", "schedule_conditions"})
    fields["zone"] = zone_name
    if getattr(trigger, "when", None):  # only when set: the fingerprints of others stay
        fields["when"] = trigger.when
    text = json.dumps(fields, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def execution_id(key: TriggerKey, date: datetime, salt: str = "") -> str:
    """22 base62 characters derived from the trigger and the scheduled instant: two
    schedulers firing the same date build the same id, and the primary key keeps one."""
    instant = date.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = hashlib.sha256("\x00".join((*key, instant, salt)).encode()).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(22):
        number, digit = divmod(number, 62)
        chars.append(_BASE62[digit])
    return "".join(chars)


def iso(date: datetime) -> str:
    """ISO-8601 with the offset, as Java prints a ZonedDateTime (`Z` for a zero offset)."""
    text = date.isoformat(timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# ------------------------------------------------------------------ new rows, recovery

def initial_state(spec: Spec, now: datetime) -> TriggerState:
    """A trigger seen for the first time waits for its next date (Kestra: a new Schedule
    does not fire dates before it existed); a flow's deprecated `backfill.start` asks for
    the dates since then first."""
    namespace, flow_id, trigger_id = spec.key
    backfill = None
    declared = getattr(spec.trigger, "backfill", None) or {}
    if declared.get("start"):
        start = _parse_date(declared["start"])
        end = _parse_date(declared["end"]) if declared.get("end") else now
        backfill = {"start": start.isoformat(), "end": end.isoformat(),
                    "current": start.isoformat(), "inputs": {}, "labels": {},
                    "paused": False, "requested": "flow"}
    return TriggerState(namespace, flow_id, trigger_id, spec.fingerprint,
                        next_date=spec.after(now), backfill=backfill)


def recover(spec: Spec, state: TriggerState, now: datetime, grace: timedelta) -> TriggerState:
    """recoverMissedSchedules, applied once when a scheduler starts, to a trigger whose next
    date passed more than `grace` ago: ALL keeps it (every missed date fires, oldest first),
    LAST moves it to the most recent date not after now, NONE to the first one after now."""
    if state.next_date is None or state.next_date >= now - grace or spec.recover == "ALL":
        return state
    if spec.recover == "LAST":
        latest = spec.before(now + _SECOND)
        if latest is not None and latest > state.next_date:
            return state.but(next_date=latest)
        return state
    return state.but(next_date=spec.after(now))


# ------------------------------------------------------------------ one evaluation

def step(spec: Spec, state: TriggerState, now: datetime,
         last_execution_state: State | None) -> Step:
    """Decide what the locked row `state` does at `now`.

    The last execution the trigger created gates everything: while it runs the trigger
    waits (no overlapping runs), unless the Schedule sets `allowConcurrent: true`; when it
    ended in one of `stopAfter`'s states the trigger is disabled. Then a backfill in
    progress fires its next date, else the earliest due date fires, dates past
    `lateMaximumDelay` or failing the conditions being skipped."""
    if state.disabled:
        return Step(state)
    if state.execution_id is not None and last_execution_state is not None:
        if not last_execution_state.is_terminated:
            if not getattr(spec.trigger, "allow_concurrent", False):
                return Step(state, busy=True)
        elif last_execution_state.value in (spec.trigger.stop_after or ()):
            return Step(state.but(disabled=True),
                        skipped=((now, f"stopAfter: last execution ended "
                                       f"{last_execution_state.value}"),))
    if state.backfill and not state.backfill.get("paused"):
        return _backfill_step(spec, state, now)
    return _regular_step(spec, state, now)


def _regular_step(spec: Spec, state: TriggerState, now: datetime) -> Step:
    date = state.next_date
    skipped: list[tuple[datetime, str]] = []
    late = _late_limit(spec, now)
    while date is not None and date <= now:
        date = date.astimezone(spec.zone)
        why = _why_not(spec, date, late)
        if why is None:
            fire = _fire(spec, date, execution_id(spec.key, date))
            return Step(state.but(last_date=date, next_date=spec.after(date),
                                  execution_id=fire.execution_id), fire, skipped=tuple(skipped))
        skipped.append((date, why))
        state = state.but(last_date=date)
        date = spec.after(date)
        if len(skipped) >= _CONDITION_SEARCH:  # keep one transaction short; go on next time
            break
    return Step(state.but(next_date=date), skipped=tuple(skipped))


def _backfill_step(spec: Spec, state: TriggerState, now: datetime) -> Step:
    backfill = dict(state.backfill or {})
    end = min(_parse_date(backfill["end"]), now) if backfill.get("end") else now
    current = _parse_date(backfill["current"])
    date = spec.after(current - _SECOND)  # the first date at or after `current`
    skipped: list[tuple[datetime, str]] = []
    while date is not None and date <= end:
        why = _why_not(spec, date, None)
        if why is None:
            salt = f"backfill:{backfill.get('requested', '')}"
            fire = _fire(spec, date, execution_id(spec.key, date, salt),
                         inputs=backfill.get("inputs") or {},
                         labels={**(backfill.get("labels") or {}), "system.backfill": "true"})
            backfill["current"] = (date + _SECOND).isoformat()
            return Step(state.but(backfill=backfill, execution_id=fire.execution_id), fire,
                        skipped=tuple(skipped))
        skipped.append((date, why))
        date = spec.after(date)
        if len(skipped) >= _CONDITION_SEARCH:
            backfill["current"] = date.isoformat() if date else backfill["current"]
            return Step(state.but(backfill=backfill), skipped=tuple(skipped))
    return Step(state.but(backfill=None), skipped=tuple(skipped))  # done: carry on as before


def _why_not(spec: Spec, date: datetime, late: datetime | None) -> str | None:
    if late is not None and date < late:
        return "older than lateMaximumDelay"
    conditions = _conditions(spec)
    if not conditions:
        return None
    try:
        if all_hold(conditions, _plain_variables(spec, date)):
            return None
        return "conditions not met"
    except ConditionError as exc:
        return f"conditions could not be evaluated: {exc}"


def _fire(spec: Spec, date: datetime, exec_id: str, *, inputs: dict[str, Any] | None = None,
          labels: dict[str, Any] | None = None) -> Fire:
    trigger = spec.trigger
    merged_inputs = {**(trigger.inputs or {}), **(inputs or {})}
    merged_labels = {**label_map(trigger.labels), **(labels or {})}
    if isinstance(trigger, ScheduleOnDates):
        # Kestra gives ScheduleOnDates no trigger variables, and the date as scheduleDate.
        return Fire(date, exec_id, {}, merged_inputs, merged_labels, schedule_date=date)
    return Fire(date, exec_id, _variables(spec, date), merged_inputs, merged_labels)


def _variables(spec: Spec, date: datetime) -> dict[str, Any]:
    """trigger.date / next / previous; with conditions, next and previous are the nearest
    dates that pass them, as in Kestra."""
    conditions = _conditions(spec)
    following, preceding = spec.after(date), spec.before(date)
    if conditions:
        following = _nearest(spec, date, forward=True)
        preceding = _nearest(spec, date, forward=False)
    variables = {"date": iso(date)}
    if following is not None:
        variables["next"] = iso(following)
    if preceding is not None:
        variables["previous"] = iso(preceding)
    return variables


def _plain_variables(spec: Spec, date: datetime) -> dict[str, Any]:
    variables = {"date": iso(date)}
    following, preceding = spec.after(date), spec.before(date)
    if following is not None:
        variables["next"] = iso(following)
    if preceding is not None:
        variables["previous"] = iso(preceding)
    return variables


def _nearest(spec: Spec, date: datetime, *, forward: bool) -> datetime | None:
    candidate = date
    for _ in range(_CONDITION_SEARCH):
        candidate = spec.after(candidate) if forward else spec.before(candidate)
        if candidate is None:
            return None
        try:
            if all_hold(_conditions(spec), _plain_variables(spec, candidate)):
                return candidate
        except ConditionError:
            return None
    return None


def _conditions(spec: Spec) -> list:
    trigger = spec.trigger
    return [*(trigger.conditions or []), *(getattr(trigger, "schedule_conditions", None) or []),
            *when_condition(getattr(trigger, "when", None))]


def _late_limit(spec: Spec, now: datetime) -> datetime | None:
    delay = getattr(spec.trigger, "late_maximum_delay", None)
    return now - parse_duration(delay) if delay else None


def label_map(labels: Any) -> dict[str, Any]:
    if not labels:
        return {}
    if isinstance(labels, dict):
        return dict(labels)
    return {label.key: label.value for label in labels}


def _parse_date(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        parsed = datetime.fromisoformat(str(value).split("[", 1)[0].replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
