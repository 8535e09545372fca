"""When a cron expression fires, in a time zone, across daylight-saving transitions.

Pure functions over aware datetimes (any zone in, the schedule's zone out, seconds
precision). The cron fields come from `common.plugins.cron.parse_cron`, the same parse that
validates flows. Day-of-month and day-of-week combine as in Unix cron and cron-utils: when
both are restricted a day matching either one fires; otherwise both must match.

The daylight-saving rule (a choice; docs/architecture.md, "Scheduler"):
- A local time that does not exist (spring forward) fires once, at the instant Java's
  ZonedDateTime.of gives it, which is also what Kestra (cron-utils) does: the local time
  shifted forward by the length of the gap. In Europe/Paris on 2025-03-30, `0 2 * * *`
  fires at 03:00+02:00 and `30 2 * * *` at 03:30+02:00. If that instant is also a regular
  fire time (an hourly schedule's 03:00) it fires once.
- A local time that happens twice (fall back) fires once, at its first occurrence (the
  summer-time offset), unless the schedule runs every hour (its hour field is `*`): such
  schedules fire at every matching instant, so an hourly or per-minute schedule keeps its
  rhythm through the repeated hour (Vixie cron's rule: only jobs at fixed hours are
  de-duplicated). cron-utils differs: it fires fixed-time schedules twice in the repeated
  hour.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo

from podium.common.plugins.cron import CronExpression

_SECOND = timedelta(seconds=1)
_NEAR = timedelta(hours=3)  # a transition this close (more than any DST shift) matters
_HORIZON_YEARS = 30  # no match within this many years: the cron never fires (Feb 30)


def next_fire(cron: CronExpression, after: datetime, zone: tzinfo) -> datetime | None:
    """The first fire instant strictly after `after`, in `zone`; None if there is none."""
    after = after.astimezone(timezone.utc)  # compare in UTC: in-zone comparisons ignore fold
    window = _window(after, zone)
    local = _naive(after, zone) - window
    limit = local.replace(year=min(local.year + _HORIZON_YEARS, 9999))
    best: datetime | None = None
    candidate = _forward(cron, local, limit)
    while candidate is not None:
        if best is not None and candidate > _naive(best, zone) + window:
            break
        for instant in _instants(cron, candidate, zone):
            if instant > after and (best is None or instant < best):
                best = instant
        candidate = _forward(cron, candidate + _SECOND, limit)
    return best.astimezone(zone) if best is not None else None


def previous_fire(cron: CronExpression, before: datetime, zone: tzinfo) -> datetime | None:
    """The last fire instant strictly before `before`, in `zone`; None if there is none."""
    before = before.astimezone(timezone.utc)
    window = _window(before, zone)
    local = _naive(before, zone) + window
    limit = local.replace(year=max(local.year - _HORIZON_YEARS, 1))
    best: datetime | None = None
    candidate = _backward(cron, local, limit)
    while candidate is not None:
        if best is not None and candidate < _naive(best, zone) - window:
            break
        for instant in _instants(cron, candidate, zone):
            if instant < before and (best is None or instant > best):
                best = instant
        candidate = _backward(cron, candidate - _SECOND, limit)
    return best.astimezone(zone) if best is not None else None


def fire_times(cron: CronExpression, start: datetime, end: datetime,
               zone: tzinfo) -> list[datetime]:
    """Every fire instant in (start, end]."""
    times = []
    current = next_fire(cron, start, zone)
    while current is not None and current.astimezone(timezone.utc) <= end:
        times.append(current)
        current = next_fire(cron, current, zone)
    return times


def matches_day(cron: CronExpression, day: datetime) -> bool:
    dom = day.day in cron.days_of_month
    dow = (day.isoweekday() % 7) in cron.days_of_week  # cron: 0 = Sunday
    if cron.day_of_month_restricted and cron.day_of_week_restricted:
        return dom or dow
    return dom and dow


# ------------------------------------------------------------------ local wall-clock times

def _forward(cron: CronExpression, t: datetime, limit: datetime) -> datetime | None:
    """The first naive local time >= t whose fields match, or None past `limit`."""
    t = t.replace(microsecond=0)
    while t <= limit:
        if t.month not in cron.months:
            t = _first_of_next_month(t)
        elif not matches_day(cron, t):
            t = t.replace(hour=0, minute=0, second=0) + timedelta(days=1)
        elif t.hour not in cron.hours:
            t = t.replace(minute=0, second=0) + timedelta(hours=1)
        elif t.minute not in cron.minutes:
            t = t.replace(second=0) + timedelta(minutes=1)
        elif t.second not in cron.seconds:
            t += _SECOND
        else:
            return t
    return None


def _backward(cron: CronExpression, t: datetime, limit: datetime) -> datetime | None:
    """The last naive local time <= t whose fields match, or None before `limit`."""
    t = t.replace(microsecond=0)
    while t >= limit:
        if t.month not in cron.months:
            t = t.replace(day=1, hour=0, minute=0, second=0) - _SECOND
        elif not matches_day(cron, t):
            t = t.replace(hour=0, minute=0, second=0) - _SECOND
        elif t.hour not in cron.hours:
            t = t.replace(minute=0, second=0) - _SECOND
        elif t.minute not in cron.minutes:
            t = t.replace(second=0) - _SECOND
        elif t.second not in cron.seconds:
            t -= _SECOND
        else:
            return t
    return None


def _first_of_next_month(t: datetime) -> datetime:
    year, month = (t.year + 1, 1) if t.month == 12 else (t.year, t.month + 1)
    return t.replace(year=year, month=month, day=1, hour=0, minute=0, second=0)


# ------------------------------------------------------------------ local -> instants

def _instants(cron: CronExpression, local: datetime, zone: tzinfo) -> list[datetime]:
    """The instants (UTC) a matching local time fires at (see the module's DST rule)."""
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():  # an ordinary time, or one in a gap
        # In a gap, fold=0 takes the offset before the transition: shifted forward.
        return [first.astimezone(timezone.utc)]
    # A repeated local time: fold=0 is the first occurrence (PEP 495).
    if len(cron.hours) == 24:
        return [first.astimezone(timezone.utc), second.astimezone(timezone.utc)]
    return [first.astimezone(timezone.utc)]


def _naive(value: datetime, zone: tzinfo) -> datetime:
    return value.astimezone(zone).replace(tzinfo=None, microsecond=0)


def _window(at: datetime, zone: tzinfo) -> timedelta:
    """How far local times may be out of order around `at`: the size of a nearby
    transition (an hour in most zones), nothing away from transitions."""
    before = (at - _NEAR).astimezone(zone).utcoffset() or timedelta(0)
    after = (at + _NEAR).astimezone(zone).utcoffset() or timedelta(0)
    return abs(after - before)
