"""Messages delivered twice, and a task that kills whichever worker runs it."""

from __future__ import annotations

import time

from podium.common.flow.loader import parse_flow
from tests.faults.duplicator import Duplicator
from tests.faults.harness import Context
from tests.faults.measure import TERMINAL, Fault, Monitor
from tests.faults.scenarios.registry import RESTART_WAIT
from tests.faults.workload import NAMESPACE, single_task_flow
from tests.waiting import poll_until


def start_duplicator(ctx: Context) -> None:
    prefix = ctx.env["PODIUM_BROKER__KEY_PREFIX"]
    ctx.state["duplicator"] = Duplicator(ctx.redis.port, prefix).start()
    ctx.state["duplicating_since"] = time.time()


def stop_duplicator(ctx: Context) -> None:
    duplicator = ctx.state.pop("duplicator", None)
    if duplicator:
        ctx.state["copies"] = duplicator.copies
        duplicator.stop()


def copies(ctx: Context) -> str:
    duplicator = ctx.state.get("duplicator")
    count = duplicator.copies if duplicator else ctx.state.get("copies", 0)
    return f"{count} messages delivered twice"


def duplicate_delivery(ctx: Context) -> list[Fault]:
    """Every message delivered twice from the start (see duplicator.py): the fault has no
    instant and nothing was in flight when it began, so no body may run twice."""
    since = ctx.state["duplicating_since"]
    return [Fault("every message twice", since, since)]


# Up the process tree to the worker (a launcher may stand between), then kill -9 it. The
# pattern is built from $M so that the launcher, whose command line holds this script,
# does not match it.
POISON = single_task_flow("poison", """
id: kill_my_worker
type: io.kestra.plugin.scripts.shell.Commands
commands:
  - M=podium.cli; p=$PPID; while [ "$p" -gt 1 ] && ! tr "\\0" " " < /proc/$p/cmdline | grep -q "$M worker"; do p=$(sed "s/.*) //" /proc/$p/stat | cut -d" " -f2); done
  - if [ "$p" -gt 1 ]; then kill -9 $p; fi
  - sleep 5
""")


def poison(ctx: Context) -> list[Fault]:
    """One execution whose task kills its worker (kill -9 of the script's parent) every
    time it runs, among the workload: it must end FAILED after a bounded number of
    infrastructure retries, the others as if nothing happened."""
    ctx.wait_bodies(ctx.rng.uniform(0.1, 0.2))
    ctx.runtime.deploy(parse_flow(POISON))
    since = time.time()
    poisoned = ctx.runtime.submit(NAMESPACE, "poison").id
    ctx.execution_ids.append(poisoned)
    ctx.state["poison"] = poisoned
    poll_until(lambda: _ended(ctx, poisoned), ctx.options.timeout, poll=0.5)
    for slot in ctx.supervisor.role("worker"):
        ctx.supervisor.wait_ready(slot, RESTART_WAIT)
    back = time.time()
    deaths = [(pid, at) for slot in ctx.supervisor.role("worker") for pid, at in slot.deaths
              if at >= since]
    ctx.state["deaths"] = len(deaths)
    return [Fault("poison killed worker", at, back, pids={pid}) for pid, at in deaths] or \
        [Fault("poison (no worker died)", since, back)]


def _ended(ctx: Context, execution_id: str) -> bool:
    execution = ctx.runtime.get(execution_id)
    return execution is not None and execution.state.value in TERMINAL


def poison_contained(ctx: Context, monitor: Monitor) -> list[str]:
    states = monitor.states()
    poisoned = ctx.state.get("poison")
    missed = []
    if poisoned not in states or states[poisoned].state != "FAILED":
        missed.append("poison_failed")
    if any(p.state != "SUCCESS" for i, p in states.items() if i != poisoned):
        missed.append("others_ok")
    return missed


def poison_note(ctx: Context) -> str:
    return f"poison killed {ctx.state.get('deaths', 0)} workers"
