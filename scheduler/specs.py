"""From stored flows to the triggers the scheduler evaluates (`Spec`s, `PollSpec`s).

Only the latest revision of each live, enabled flow counts, and only its enabled Schedule,
ScheduleOnDates and polling (http.Trigger, plugins' PollingTrigger) triggers, and the `onMiss` deadlines of its Flow
triggers (scheduler/deadlines.py). A flow that no longer parses is logged
and left out.
"""

from __future__ import annotations

import logging
import os
import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

from podium.common.durations import parse_duration
from podium.common.flow.loader import parse_flow
from podium.common.flow.model import Flow
from podium.common.plugins.cron import parse_cron
from podium.common.plugins.polling_trigger import PollingTrigger
from podium.common.plugins.triggers import HttpTrigger, Schedule, ScheduleOnDates
from podium.common.store import FlowRevision
from podium.common.templating import render, render_typed
from podium.scheduler.deadlines import MissSpec, miss_specs
from podium.scheduler.plan import Spec, fingerprint
from podium.scheduler.polling import PollSpec, poll_fingerprint

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FlowSpecs:
    flow: Flow
    revision: int
    specs: list[Spec]
    polls: list[PollSpec] = field(default_factory=list)
    misses: list[MissSpec] = field(default_factory=list)  # Flow triggers' onMiss


def flow_specs(revisions: list[FlowRevision], *, default_recover: str,
               default_zone: str) -> dict[tuple[str, str], FlowSpecs]:
    """The schedulable triggers of every given flow revision, by (namespace, flow id)."""
    result: dict[tuple[str, str], FlowSpecs] = {}
    for revision in revisions:
        try:
            flow = parse_flow(revision.source).flow
        except Exception as exc:  # noqa: BLE001 - one bad flow must not stop the others
            log.warning("flow %s.%s revision %s does not parse, its triggers are ignored: %s",
                        revision.namespace, revision.id, revision.revision, exc)
            continue
        if flow.disabled:
            continue
        specs = []
        polls = []
        for trigger in flow.triggers or []:
            if isinstance(trigger, (HttpTrigger, PollingTrigger)) and not trigger.disabled:
                polls.append(PollSpec((flow.namespace, flow.id, trigger.id), trigger,
                                      parse_duration(trigger.interval),
                                      poll_fingerprint(trigger), revision.revision))
                continue
            if not isinstance(trigger, (Schedule, ScheduleOnDates)) or trigger.disabled:
                continue
            try:
                specs.append(build_spec(flow, revision.revision, trigger,
                                        default_recover=default_recover,
                                        default_zone=default_zone))
            except Exception as exc:  # noqa: BLE001
                log.warning("trigger %s of flow %s.%s is ignored: %s", trigger.id,
                            flow.namespace, flow.id, exc)
        misses = miss_specs(flow, revision.revision, revision.saved_at)
        if specs or polls or misses:
            result[(flow.namespace, flow.id)] = FlowSpecs(flow, revision.revision, specs,
                                                          polls, misses)
    return result


def build_spec(flow: Flow, revision: int, trigger: Schedule | ScheduleOnDates, *,
               default_recover: str = "ALL", default_zone: str = "UTC") -> Spec:
    zone_name = trigger.timezone or default_zone
    zone = zone_of(zone_name)
    recover = trigger.recover_missed_schedules or default_recover
    key = (flow.namespace, flow.id, trigger.id)
    if isinstance(trigger, Schedule):
        return Spec(key, trigger, zone, recover, fingerprint(trigger, zone_name),
                    cron=parse_cron(trigger.cron, trigger.with_seconds), revision=revision)
    dates = tuple(sorted(_dates(flow, trigger)))
    return Spec(key, trigger, zone, recover, fingerprint(trigger, zone_name),
                dates=dates, revision=revision)


def zone_of(name: str) -> tzinfo:
    """A zone id as Java's ZoneId.of reads it: a region (Europe/Paris) or a fixed offset
    (Z, +02:00, UTC+2)."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        pass
    match = re.fullmatch(r"(?:UTC|GMT|UT)?([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?", name)
    if name in ("Z", "UTC", "GMT", "UT"):
        return timezone.utc
    if not match:
        raise ValueError(f"unknown time zone '{name}'")
    sign = -1 if match.group(1) == "-" else 1
    offset = timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0),
                       seconds=int(match.group(4) or 0))
    return timezone(sign * offset)


def system_zone_name(environ: dict[str, str] | None = None) -> str:
    """This machine's zone: TZ, else the /etc/localtime link, else UTC."""
    env = os.environ if environ is None else environ
    name = (env.get("TZ") or "").lstrip(":")
    if name:
        try:
            zone_of(name)
            return name
        except ValueError:
            pass
    try:
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            candidate = target.split("zoneinfo/", 1)[1]
            zoneinfo.ZoneInfo(candidate)
            return candidate
    except (OSError, zoneinfo.ZoneInfoNotFoundError, ValueError):
        pass
    return "UTC"


def _dates(flow: Flow, trigger: ScheduleOnDates) -> list[datetime]:
    context: dict[str, Any] = {"flow": {"id": flow.id, "namespace": flow.namespace}}
    value: Any = trigger.dates
    if isinstance(value, str):
        value = render_typed(value, context)
        if isinstance(value, str):
            import json

            value = json.loads(value)
    dates = []
    for item in value or []:
        text = render(item, context) if isinstance(item, str) and "{" in item else item
        dates.append(_to_utc(text))
    return dates


def _to_utc(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value).split("[", 1)[0].strip().replace("Z", "+00:00")
        parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"date '{value}' has no zone offset")
    return parsed.astimezone(timezone.utc).replace(microsecond=0)
