"""The time window a Flow trigger's upstream results accumulate in: plain functions.

Both dialects map to one `WindowSpec`:
- Kestra 1.x `timeWindow` (of `preconditions` and MultipleCondition): DURATION_WINDOW
  (`window`, `windowAdvance`; the deprecated top-level `window`/`windowAdvance` too),
  SLIDING_WINDOW (`window`), DAILY_TIME_WINDOW (`startTime`, `endTime`),
  DAILY_TIME_DEADLINE (`deadline`); default a one-day duration window.
- Kestra 2.0 `window`: `every` (+ `offset`), `lookback`, `from` + `to`, `deadline`, with
  `timezone`; none given: `every: P1D`.

`bounds(spec, now)` gives the window `now` falls in, as Kestra's MultipleConditionStorage
computes it: a duration window is aligned on midnight (plus the offset) and repeats every
`size`; a sliding one looks back `size` from now; a daily range or deadline is open only
during its hours, so outside them nothing counts and nothing fires (None). Daily
boundaries are taken in the window's zone: the time's own offset, else `timezone`, else UTC.
Shared by the executor (which fires Flow triggers) and the scheduler (which watches
`onMiss` deadlines).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any

from podium.common.durations import parse_duration
from podium.common.templating.library.java_dates import parse_zone

DAY = timedelta(days=1)
# The trigger variable of the FAILED execution the scheduler records for a missed deadline
# (`onMiss`): such an execution is not a firing of the trigger.
MISSED_DEADLINE = "missedDeadline"
_EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class WindowSpec:
    kind: str  # "duration" | "sliding" | "daily" | "deadline"
    size: timedelta = DAY  # duration, sliding
    offset: timedelta = timedelta(0)  # duration: shift from midnight
    start: time | None = None  # daily: from; deadline: None
    end: time | None = None  # daily: to; deadline: the deadline
    zone: tzinfo = timezone.utc
    fire_once: bool = False


def bounds(spec: WindowSpec, now: datetime) -> tuple[datetime, datetime] | None:
    """(start, end) of the window containing `now`, or None when no window is open."""
    if spec.kind == "sliding":
        return now - spec.size, now
    if spec.kind == "duration":
        return _duration(spec, now)
    local = now.astimezone(_zone_of(spec))
    start = _at(local.date(), spec.start or time(0), local.tzinfo)
    end = _at(local.date(), _end(spec), local.tzinfo)
    if not start <= local <= end:
        return None
    return start, end


def last_deadline(spec: WindowSpec, now: datetime) -> datetime | None:
    """The latest deadline of a `deadline` window that has passed by `now` (today's, else
    yesterday's); None for other kinds. What `onMiss` checks (scheduler/deadlines.py)."""
    if spec.kind != "deadline":
        return None
    local = now.astimezone(_zone_of(spec))
    deadline = _at(local.date(), _end(spec), local.tzinfo)
    if deadline > local:
        deadline = _at(local.date() - DAY, _end(spec), local.tzinfo)
    return deadline.astimezone(now.tzinfo)


def _duration(spec: WindowSpec, now: datetime) -> tuple[datetime, datetime]:
    # Aligned on the zone's wall clock, so `every: P1D` starts at local midnight.
    local = now.astimezone(spec.zone).replace(tzinfo=None)
    elapsed = (local - _EPOCH - spec.offset) // spec.size
    start = (_EPOCH + spec.offset + elapsed * spec.size).replace(tzinfo=spec.zone)
    return start.astimezone(now.tzinfo), (start + spec.size).astimezone(now.tzinfo)


def _zone_of(spec: WindowSpec) -> tzinfo:
    for moment in (spec.end, spec.start):
        if moment is not None and moment.tzinfo is not None:
            return moment.tzinfo
    return spec.zone


def _at(day: date, moment: time, zone: tzinfo | None) -> datetime:
    return datetime.combine(day, moment.replace(tzinfo=None), tzinfo=zone)


def _end(spec: WindowSpec) -> time:
    # Daily and deadline windows are built with an end (their flow property is required).
    if spec.end is None:
        raise ValueError(f"a {spec.kind} window has no end time")
    return spec.end


# ---------------------------------------------------------------- from the flow's properties

def of_time_window(time_window: Any, window: Any = None, advance: Any = None) -> WindowSpec:
    """A Kestra 1.x `timeWindow` (and MultipleCondition's deprecated window properties)."""
    kind = getattr(time_window, "type", None) or "DURATION_WINDOW"
    size = _duration_of(window or getattr(time_window, "window", None) or "P1D")
    if kind == "SLIDING_WINDOW":
        return WindowSpec("sliding", size=size)
    if kind == "DAILY_TIME_WINDOW":
        return WindowSpec("daily", start=_time(time_window.start_time),
                          end=_time(time_window.end_time))
    if kind == "DAILY_TIME_DEADLINE":
        return WindowSpec("deadline", end=_time(time_window.deadline))
    offset = advance or getattr(time_window, "window_advance", None) or "P0D"
    return WindowSpec("duration", size=size, offset=_duration_of(offset))


def of_window(window: Any) -> WindowSpec:
    """A Kestra 2.0 `window` (None: every day)."""
    if window is None:
        return WindowSpec("duration")
    zone = parse_zone(window.timezone).tz if window.timezone else timezone.utc
    common = {"zone": zone, "fire_once": window.fire_once}
    if window.deadline is not None:
        return WindowSpec("deadline", end=_time(window.deadline), **common)
    if window.from_ is not None:
        return WindowSpec("daily", start=_time(window.from_), end=_time(window.to), **common)
    if window.lookback is not None:
        return WindowSpec("sliding", size=_duration_of(window.lookback), **common)
    return WindowSpec("duration", size=_duration_of(window.every or "P1D"),
                      offset=_duration_of(window.offset or "P0D"), **common)


def _duration_of(value: Any) -> timedelta:
    return value if isinstance(value, timedelta) else parse_duration(value)


def _time(value: Any) -> time:
    return value if isinstance(value, time) else time.fromisoformat(str(value))
