"""Two schedulers, killed one then both across ticks of a Schedule firing every 2 s:
every scheduled date must give exactly one execution, none missed (recoverMissedSchedules
is ALL by default)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import create_engine, text

from podium.common.flow.loader import parse_flow
from tests.faults.harness import Context
from tests.faults.measure import Fault, Monitor
from tests.faults.scenarios.kills import kill_and_restart
from tests.faults.scenarios.registry import RESTART_WAIT
from tests.faults.workload import single_task_flow

EVERY = 2  # seconds between scheduled dates
TICK = single_task_flow("tick", """
id: log
type: io.kestra.plugin.core.log.Log
message: "tick {{ trigger.date }}"
""")
TRIGGER = f"""triggers:
  - id: every
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "*/{EVERY} * * * * *"
    withSeconds: true
    allowConcurrent: true
"""


def start_ticking(ctx: Context) -> None:
    ctx.runtime.deploy(parse_flow(TICK + TRIGGER))


def schedulers_killed(ctx: Context) -> list[Fault]:
    """One of two schedulers killed (the other goes on), later both at once (no scheduler
    for a few ticks); then the trigger removed so the run can end."""
    ctx.wait_bodies(ctx.rng.uniform(0.15, 0.25))
    faults = [kill_and_restart(ctx, "scheduler")]
    ctx.wait_bodies(ctx.rng.uniform(0.4, 0.5))
    slots = ctx.supervisor.role("scheduler")
    at = min(ctx.supervisor.kill(slot)[1] for slot in slots)
    back = max(ctx.supervisor.wait_ready(slot, RESTART_WAIT) for slot in slots)
    ctx.log(f"both schedulers back after {back - at:.1f}s")
    faults.append(Fault("kill -9 both schedulers", at, back))
    ctx.wait_bodies(0.7)
    ctx.runtime.deploy(parse_flow(TICK))  # a revision without the trigger: no more ticks
    return faults


def _scheduled_dates(ctx: Context) -> list:
    engine = create_engine(ctx.cluster.postgres.url(ctx.database))
    try:
        with engine.connect() as conn:
            triggers = conn.execute(text(
                "SELECT trigger FROM executions WHERE flow_id = 'tick'")).scalars()
            return sorted(datetime.fromisoformat(t["variables"]["date"]) for t in triggers)
    finally:
        engine.dispose()


def each_date_once(ctx: Context, monitor: Monitor) -> list[str]:
    dates = _scheduled_dates(ctx)
    ctx.state["ticks"] = len(dates)
    missed = []
    if len(set(dates)) < len(dates):
        missed.append("schedule_dup")
    present = set(dates)
    expected = int((max(dates) - min(dates)).total_seconds() // EVERY) + 1 if dates else 1
    ctx.state["missing"] = sum(1 for n in range(expected)
                               if min(dates) + timedelta(seconds=n * EVERY) not in present) \
        if dates else 1
    if ctx.state["missing"]:
        missed.append("schedule_missed")
    return missed


def ticks_note(ctx: Context) -> str:
    return f"{ctx.state.get('ticks', 0)} scheduled executions, {ctx.state.get('missing', 0)} " \
           "dates missed"
